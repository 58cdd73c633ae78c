using System.Diagnostics;

namespace ActorKernel.Actors;

// An IRP's life between the lookaside list and its owners: who frees it, who still holds it, and
// which request (generation) it carries now. NT hands IRPs out of per-processor lookaside lists and
// takes them back in IoFreeIrp (IopAllocateIrpPrivate / IopFreeIrp, ReactOS io/iomgr/irp.c); so does
// the I/O manager here (IoManager.Irps.cs). Two rules keep a recycled IRP from being taken for the
// request it carried before:
// - the I/O manager's own holders (the requester of a synchronous call until it resumes, the
//   requester of an overlapped call until IoCallDriver returned, a thread-exit or CancelIo walk while
//   it cancels) take a hold; a freed IRP goes back to the list only when the last hold is released,
//   so "IsFreed" stays true for them and the stuck report describes the IRP they held;
// - every hand-out bumps Generation, so a reference saved with its generation (a table snapshot)
//   can tell "my request" from "this object's next request".
public sealed partial class Irp
{
    // Bit 31: freed (IoFreeIrp or the end of a threaded request); bits 0..30: holds of the I/O manager.
    // The IRP goes back to the lookaside list exactly once: when it is freed with no hold, or when the
    // last hold of a freed IRP is released. After the freed bit is set no hold is taken.
    private const int FreedBit = 1 << 31;
    private int _lifetime;

    /// <summary>
    /// How many times the I/O manager has handed this IRP object out (1 for a new IRP). A lookaside
    /// list may give the same object, and the same <see cref="Address"/>, to a later request; the
    /// generation tells the two requests apart.
    /// </summary>
    public uint Generation { get; private set; }

    /// <summary>
    /// Special pool: the IRP reached a driver under I/O verification, so it is never recycled (as NT's
    /// verifier allocates a verified driver's IRPs from special pool): a driver that touches it after
    /// it was freed finds it freed, and completing it again bugchecks 0x44.
    /// </summary>
    internal bool NeverRecycle { get; set; }

    /// <summary>The next free IRP of the same stack size on the lookaside list (the list's link, as SLIST_ENTRY).</summary>
    internal Irp? LookasideNext { get; set; }

    /// <summary>Whether the I/O manager's table of outstanding requests holds this IRP, and where (swap-remove index; -1 when not).</summary>
    internal int OutstandingIndex { get; set; } = -1;

    /// <summary>Who issued the request, for the stuck report (null: a driver, or the service named by <see cref="WaitingRequester"/>).</summary>
    internal string? Issuer { get; set; }

    /// <summary>The service whose requester waits for this request (set while it waits, and kept when it never resumes).</summary>
    internal string? WaitingRequester { get; set; }

    /// <summary>Whether completion reached the top (the request finished) while it was in the outstanding table.</summary>
    internal bool RequestFinished { get; set; }

    /// <summary>
    /// Takes a hold: the IRP is not recycled until <see cref="IopRelease"/>. Fails on an IRP already
    /// freed (it may be on the lookaside list, or carry another request by now).
    /// </summary>
    /// <returns>Whether the hold was taken.</returns>
    internal bool IopTryHold()
    {
        var current = Volatile.Read(ref _lifetime);
        while ((current & FreedBit) == 0)
        {
            var seen = Interlocked.CompareExchange(ref _lifetime, current + 1, current);
            if (seen == current)
            {
                return true;
            }
            current = seen;
        }
        return false;
    }

    /// <summary>Whether the IRP still carries the request it carried at <paramref name="generation"/>, unfinished and not freed.</summary>
    internal bool IopIsRequest(uint generation) => Generation == generation && !IsFreed;

    /// <summary>Releases a hold; the last one of a freed IRP returns it to the lookaside list.</summary>
    internal void IopRelease()
    {
        if (Interlocked.Decrement(ref _lifetime) == FreedBit)
        {
            Manager.IopFreeIrpToLookaside(this);
        }
    }

    /// <summary>Frees the IRP: with no hold it goes back to the lookaside list now, else when the last hold goes.</summary>
    /// <returns>False when it was already freed (a double IoFreeIrp: the list must not get it twice).</returns>
    internal bool IopMarkFreed()
    {
        var before = Interlocked.Or(ref _lifetime, FreedBit);
        if ((before & FreedBit) != 0)
        {
            return false;
        }
        if (before == 0)
        {
            Manager.IopFreeIrpToLookaside(this);
        }
        return true;
    }

    /// <summary>
    /// Hands the IRP out again (IopAllocateIrpPrivate of a lookaside entry): a new generation, no hold,
    /// not freed, and every field as a new IRP has it.
    /// </summary>
    internal void IopReinitialize()
    {
        Debug.Assert(OutstandingIndex < 0, "an IRP in the outstanding table is never recycled");
        Generation++;
        Volatile.Write(ref _lifetime, 0);
        NeverRecycle = false;
        LookasideNext = null;
        OutstandingIndex = -1;
        Issuer = null;
        WaitingRequester = null;
        RequestFinished = false;
        Initialize();
    }
}
