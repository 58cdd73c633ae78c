namespace ActorKernel.Actors;

/// <summary>
/// The counters of the I/O manager's IRP lookaside lists, as <c>!lookaside</c> shows NT's
/// (GENERAL_LOOKASIDE: TotalAllocates, AllocateMisses, TotalFrees, FreeMisses).
/// </summary>
/// <param name="TotalAllocates">IRPs handed out.</param>
/// <param name="AllocateMisses">Of those, the ones the lists could not supply (a new IRP was built).</param>
/// <param name="TotalFrees">IRPs freed (IoFreeIrp, or the end of a request the I/O manager threaded).</param>
/// <param name="FreeMisses">Of those, the ones the lists did not keep (full, or special pool under I/O verification).</param>
/// <param name="Free">IRPs on the lists now.</param>
public readonly record struct IrpLookasideStatistics(long TotalAllocates, long AllocateMisses, long TotalFrees, long FreeMisses, int Free);

public sealed partial class IoManager
{
    // IopAllocateIrpPrivate's lookaside lists. NT keeps two classes per processor (one location, and
    // up to IopLargeIrpStackLocations) and gives a large-class IRP all its locations; here an IRP's
    // stack is an array of location objects sized to its StackCount, so the lists are one per stack
    // size (a list holds only IRPs that are exactly what IoAllocateIrp(n) would build). One list
    // set per I/O manager under one lock: hand-outs are LIFO, so the same run recycles the same
    // objects in the same order (and the same addresses, as NT's lookasides reuse theirs).
    private readonly Lock _lookasideLock = new();
    private readonly Irp?[] _lookasideHeads = new Irp?[sbyte.MaxValue + 1];
    private readonly int[] _lookasideDepths = new int[sbyte.MaxValue + 1];
    private long _totalAllocates;
    private long _allocateMisses;
    private long _totalFrees;
    private long _freeMisses;
    private int _lookasideFree;

    /// <summary>
    /// The most free IRPs kept per stack size (NT's lookaside MaximumDepth); 0 builds a new IRP for
    /// every allocation and never recycles one (the most use-after-free detection, at the cost of
    /// allocation). Default 256.
    /// </summary>
    public int IrpLookasideDepth { get; set; } = 256;

    /// <summary>The lookaside lists' counters.</summary>
    public IrpLookasideStatistics IrpLookaside
    {
        get
        {
            lock (_lookasideLock)
            {
                return new IrpLookasideStatistics(_totalAllocates, _allocateMisses, _totalFrees, _freeMisses, _lookasideFree);
            }
        }
    }

    /// <summary>IopAllocateIrpPrivate: a free IRP of this stack size from the lookaside list, reinitialized, else a new one.</summary>
    internal Irp IopAllocateIrp(sbyte stackSize)
    {
        lock (_lookasideLock)
        {
            _totalAllocates++;
            if (_lookasideHeads[stackSize] is { } irp)
            {
                _lookasideHeads[stackSize] = irp.LookasideNext;
                _lookasideDepths[stackSize]--;
                _lookasideFree--;
                irp.IopReinitialize();
                return irp;
            }
            _allocateMisses++;
        }
        return new Irp(this, AllocateAddress(), stackSize);
    }

    /// <summary>
    /// IopFreeIrp's push: a freed IRP that no one holds goes back on its list, unless the list is full,
    /// the IRP reached a verified driver (special pool: never reused, so a stale reference stays
    /// detectable) or it still stands for an outstanding request.
    /// Its fields stay as they were until it is handed out again, as freed pool keeps its bytes.
    /// </summary>
    internal void IopFreeIrpToLookaside(Irp irp)
    {
        lock (_lookasideLock)
        {
            _totalFrees++;
            var size = irp.StackCount;
            // Still in the outstanding table only when a driver freed a threaded IRP it never completed:
            // keep it out of circulation, so the stuck report goes on describing that request.
            if (irp.NeverRecycle || irp.OutstandingIndex >= 0 || _lookasideDepths[size] >= IrpLookasideDepth)
            {
                _freeMisses++;
                return;
            }
            irp.LookasideNext = _lookasideHeads[size];
            _lookasideHeads[size] = irp;
            _lookasideDepths[size]++;
            _lookasideFree++;
        }
    }
}
