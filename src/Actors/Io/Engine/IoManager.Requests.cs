using System.Runtime.CompilerServices;

using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>A request whose requester waits for it and that did not finish: what the simulator reports as stuck.</summary>
/// <param name="Irp">The IRP.</param>
/// <param name="Requester">Who waits (the service that issued it).</param>
/// <param name="Finished">Whether completion reached the top (then the requester was never signalled).</param>
/// <param name="Description">The IRP and its stack, as <c>!irp</c> shows them, with the likely cause.</param>
public sealed record StuckRequest(Irp Irp, string Requester, bool Finished, string Description)
{
    /// <inheritdoc />
    public override string ToString() => Description;
}

public sealed partial class IoManager
{
    // Requests the I/O manager issued for a requester (threaded IRPs). The bookkeeping lives on the
    // IRP (Issuer, WaitingRequester, RequestFinished, OutstandingIndex) and this list only finds them
    // (swap-remove), so issuing a request allocates nothing; the reports and the cancel walks sort
    // what they take by IRP address, so they list and cancel in the same order in every run. An IRP
    // is in the list at most once, and none is recycled while in it: an unfinished one is not freed,
    // and a finished one stays only while its requester, who holds it, still waits.
    private readonly List<Irp> _outstanding = [];
    private readonly Lock _outstandingLock = new();

    internal void IopRequestIssued(Irp irp, string? issuer = null)
    {
        lock (_outstandingLock)
        {
            if (irp.OutstandingIndex < 0)
            {
                irp.OutstandingIndex = _outstanding.Count;
                _outstanding.Add(irp);
            }
            irp.Issuer = issuer;
            irp.WaitingRequester = null;
            irp.RequestFinished = false;
        }
    }

    internal void IopRequestFinished(Irp irp)
    {
        lock (_outstandingLock)
        {
            if (irp.OutstandingIndex >= 0)
            {
                if (irp.WaitingRequester is null)
                {
                    IopRemoveOutstanding(irp);
                }
                else
                {
                    irp.RequestFinished = true;
                }
            }
        }
    }

    private void IopRequesterWaits(Irp irp, string requester)
    {
        lock (_outstandingLock)
        {
            if (irp.OutstandingIndex >= 0)
            {
                irp.WaitingRequester = requester;
            }
        }
    }

    private void IopRequesterResumed(Irp irp)
    {
        lock (_outstandingLock)
        {
            if (irp.OutstandingIndex >= 0)
            {
                IopRemoveOutstanding(irp);
            }
        }
    }

    // Under the lock.
    private void IopRemoveOutstanding(Irp irp)
    {
        var index = irp.OutstandingIndex;
        var last = _outstanding[^1];
        _outstanding[index] = last;
        last.OutstandingIndex = index;
        _outstanding.RemoveAt(_outstanding.Count - 1);
        irp.OutstandingIndex = -1;
        irp.WaitingRequester = null;
    }

    /// <summary>Every IRP the I/O manager tracks (issued and not yet reaped), by address: the kernel debugger's !irpfind.</summary>
    internal IReadOnlyList<Irp> KdOutstandingIrps()
    {
        lock (_outstandingLock)
        {
            return IopSortedOutstanding(static _ => true);
        }
    }

    // Under the lock: the entries that match, by IRP address.
    private List<Irp> IopSortedOutstanding(Func<Irp, bool> match)
    {
        var found = new List<Irp>();
        foreach (var irp in _outstanding)
        {
            if (match(irp))
            {
                found.Add(irp);
            }
        }
        found.Sort(static (a, b) => a.Address.CompareTo(b.Address));
        return found;
    }

    /// <summary>
    /// The unfinished requests that <paramref name="match"/>, by IRP address, each held (release with
    /// <see cref="Irp.IopRelease"/>) and with its generation: a walk that cancels them one by one, and
    /// may wait for the cancel spin lock between two, never reaches a later request that got the same IRP.
    /// </summary>
    private List<(Irp Irp, uint Generation)> IopHoldOutstanding(Func<Irp, bool> match)
    {
        lock (_outstandingLock)
        {
            var held = new List<(Irp, uint)>();
            foreach (var irp in IopSortedOutstanding(irp => !irp.RequestFinished && match(irp)))
            {
                if (irp.IopTryHold())
                {
                    held.Add((irp, irp.Generation));
                }
            }
            return held;
        }
    }

    /// <summary>
    /// The requests whose requesters still wait: call when the machine is idle. Each names the IRP and
    /// its stack. A request whose completion finished but whose requester was never signalled is
    /// the sign of STATUS_PENDING returned without IoMarkIrpPending.
    /// </summary>
    /// <returns>The stuck requests, by IRP address.</returns>
    public IReadOnlyList<StuckRequest> GetStuckRequests()
    {
        lock (_outstandingLock)
        {
            var stuck = new List<StuckRequest>();
            foreach (var irp in IopSortedOutstanding(static irp => irp.WaitingRequester is not null || !irp.RequestFinished))
            {
                var finished = irp.RequestFinished;
                var cause = finished
                    ? "completed with " + irp.IoStatus.Status.ToDisplayString() + ", but the requester was never signalled: a driver returned STATUS_PENDING without IoMarkIrpPending (PendingReturned was FALSE at the top)"
                    : "never completed: a driver holds it";
                stuck.Add(new StuckRequest(irp, irp.WaitingRequester ?? "(not waiting)", finished,
                    string.Create(CultureInfo.InvariantCulture, $"Stuck request: {irp} issued by {irp.WaitingRequester ?? irp.Issuer ?? "a driver"} {cause}.{Environment.NewLine}{irp.Describe()}")));
            }
            return stuck;
        }
    }

    /// <summary>
    /// IoCancelThreadIo: what the I/O manager does when a thread exits: cancels every request the
    /// thread issued that has not finished (IoCancelIrp each, in IRP address order), except thread-agnostic
    /// ones (overlapped requests on a file associated with a completion port).
    /// </summary>
    /// <param name="thread">The exiting thread (Irp-&gt;Tail.Overlay.Thread of its requests).</param>
    /// <returns>How many requests were cancelled (a cancel routine was called).</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL. The processor model calls it when a thread terminates.</remarks>
    public async ValueTask<int> IoCancelThreadIo(object thread)
    {
        ArgumentNullException.ThrowIfNull(thread);
        return (await IopCancelRequests(irp => IopIsUnfinished(irp, thread, threadBound: true)).ConfigureAwait(false)).Cancelled;
    }

    /// <summary>
    /// The I/O manager's synchronous request path (IopSynchronousServiceTail): send, and if the
    /// driver returned STATUS_PENDING, wait on the file object's event for the completion and return
    /// the file object's FinalStatus.
    /// </summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    internal async ValueTask<NtStatus> IopSynchronousCall(DeviceObject top, Irp irp, FileObject file, IoStatusBlock iosb, string requester)
    {
        irp.UserIosb = iosb;
        irp.OriginalFileObject = file;
        irp.ThreadedByIoManager = true;
        irp.RequestorMode = file.RequestorMode;
        // IopSynchronousServiceTail finishes a request that did not pend itself (IRP_DEFER_IO_COMPLETION).
        irp.Flags |= IrpFlags.DeferIoCompletion;
        irp.Thread ??= Processor.CurrentOrNull?.KiCurrentThread;
        IopRequestIssued(irp);
        IopReferenceRequestFile(irp, file);
        // The requester holds the IRP until it resumes: its completion frees it but does not recycle
        // it, so the checks below (and a stuck report) are about this request, not a later one.
        irp.IopTryHold();
        var onProcessor = Processor.CurrentOrNull is not null;
        file.Event.Clear();
        if (onProcessor)
        {
            Wdm.KeClearEvent(file.KeEvent);
        }
        var status = await Wdm.IoCallDriver(top, irp).ConfigureAwait(false);
        if (status == NtStatus.Pending)
        {
            IopRequesterWaits(irp, requester);
            if (onProcessor)
            {
                // The requesting thread blocks; the processor runs other work meanwhile.
                await Wdm.KeWaitForSingleObject(file.KeEvent, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            }
            else
            {
                await file.Event;
            }
            IoTrace.RequesterResumed(irp);
            IopRequesterResumed(irp);
            irp.IopRelease();
            // IopSynchronousServiceTail: the status completion left in the file object with its event.
            return file.FinalStatus;
        }
        if (!irp.IsFreed)
        {
            // The dispatch routine returned a final status but nobody completed the IRP.
            if (IsVerified(top.DriverObject))
            {
                throw IopWdmDriverError(IoVerifierViolation.DispatchReturnedWithoutCompletingOrPending, top.DriverObject, irp, top);
            }
            // Reported as stuck for good: the hold is kept, so the IRP is never handed to another request.
            IopRequesterWaits(irp, requester);
            return status;
        }
        irp.IopRelease();
        return status;
    }
}
