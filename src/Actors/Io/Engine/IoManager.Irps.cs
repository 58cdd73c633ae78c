namespace ActorKernel.Actors;

/// <summary>
/// The counters of IRP lookaside lists, as <c>!lookaside</c> shows NT's
/// (GENERAL_LOOKASIDE: TotalAllocates, AllocateMisses, TotalFrees, FreeMisses).
/// </summary>
/// <param name="TotalAllocates">IRPs asked of the list(s).</param>
/// <param name="AllocateMisses">Of those, the ones the list(s) could not supply (for all lists together: a new IRP was built).</param>
/// <param name="TotalFrees">IRPs offered to the list(s) (IoFreeIrp, or the end of a request the I/O manager threaded).</param>
/// <param name="FreeMisses">Of those, the ones the list(s) did not keep (full, or special pool under I/O verification).</param>
/// <param name="Free">IRPs on the list(s) now.</param>
public readonly record struct IrpLookasideStatistics(long TotalAllocates, long AllocateMisses, long TotalFrees, long FreeMisses, int Free);

public sealed partial class IoManager
{
    // IopAllocateIrpPrivate's lookaside lists, as NT keeps them (ReactOS io/iomgr/irp.c IoAllocateIrp /
    // IoFreeIrp): each processor has its own list (PRCB PPLookasideList[LookasideSmallIrpList].P), and
    // the system one list they all fall back on (.L). IoAllocateIrp pops the current processor's list,
    // then the system list, then builds a new IRP; IoFreeIrp pushes on the current processor's list,
    // on the system list when that is at its depth, and drops the IRP when both are. So an IRP freed on
    // CPU 1 is handed out next on CPU 1, where its lines are hot, and processors do not share a list
    // head. Code off a processor (a test bed, a host tool) uses the system list. NT keeps two size
    // classes (one location, and up to IopLargeIrpStackLocations); here an IRP's stack is an array sized
    // to its StackCount, so each list keeps one chain per stack size. Hand-outs are LIFO, so the same run
    // recycles the same objects in the same order (and the same addresses, as NT's lookasides reuse theirs).
    private readonly IrpLookasideList _systemLookaside = new(shared: true);
    private IrpLookasideList[] _processorLookasides = [];
    private long _totalAllocates;
    private long _allocateMisses;
    private long _totalFrees;
    private long _freeMisses;

    /// <summary>
    /// The most free IRPs kept per stack size on each list, the processors' and the system's (NT's
    /// lookaside Depth); 0 builds a new IRP for every allocation and never recycles one (the most
    /// use-after-free detection, at the cost of allocation). Default 256.
    /// </summary>
    public int IrpLookasideDepth { get; set; } = 256;

    /// <summary>All the IRP lookaside lists together: every IoAllocateIrp, the new IRPs built, every free, the frees no list kept.</summary>
    public IrpLookasideStatistics IrpLookaside
    {
        get
        {
            var free = _systemLookaside.Statistics.Free;
            foreach (var list in Volatile.Read(ref _processorLookasides))
            {
                free += list.Statistics.Free;
            }
            return new IrpLookasideStatistics(Interlocked.Read(ref _totalAllocates), Interlocked.Read(ref _allocateMisses),
                Interlocked.Read(ref _totalFrees), Interlocked.Read(ref _freeMisses), free);
        }
    }

    /// <summary>The system-wide IRP lookaside list's own counters (PPLookasideList[...].L: the processors' fallback, and the list of code off a processor).</summary>
    public IrpLookasideStatistics IrpSystemLookaside => _systemLookaside.Statistics;

    /// <summary>Processor <paramref name="number"/>'s own IRP lookaside list's counters (its PRCB's PPLookasideList[...].P); zeros before it used one.</summary>
    /// <param name="number">The processor number.</param>
    /// <returns>The list's counters.</returns>
    public IrpLookasideStatistics IrpProcessorLookaside(int number)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(number);
        var lists = Volatile.Read(ref _processorLookasides);
        return number < lists.Length ? lists[number].Statistics : default;
    }

    /// <summary>IopAllocateIrpPrivate: a free IRP of this stack size from the current processor's list, else the system list, reinitialized; else a new one.</summary>
    internal Irp IopAllocateIrp(sbyte stackSize)
    {
        Interlocked.Increment(ref _totalAllocates);
        if (IopCurrentProcessorLookaside() is { } own && own.TryPop(stackSize) is { } mine)
        {
            mine.IopReinitialize();
            return mine;
        }
        if (_systemLookaside.TryPop(stackSize) is { } irp)
        {
            irp.IopReinitialize();
            return irp;
        }
        Interlocked.Increment(ref _allocateMisses);
        return new Irp(this, AllocateAddress(), stackSize);
    }

    /// <summary>
    /// IopFreeIrp's push: a freed IRP that no one holds goes on the current processor's list, else on the
    /// system list, unless both are full, the IRP reached a verified driver (special pool: never reused,
    /// so a stale reference stays detectable) or it still stands for an outstanding request.
    /// Its fields stay as they were until it is handed out again, as freed pool keeps its bytes.
    /// </summary>
    internal void IopFreeIrpToLookaside(Irp irp)
    {
        Interlocked.Increment(ref _totalFrees);
        // Still in the outstanding table only when a driver freed a threaded IRP it never completed:
        // keep it out of circulation, so the stuck report goes on describing that request.
        if (irp.NeverRecycle || irp.OutstandingIndex >= 0)
        {
            Interlocked.Increment(ref _freeMisses);
            return;
        }
        var depth = IrpLookasideDepth;
        if (IopCurrentProcessorLookaside() is { } own && own.TryPush(irp, depth))
        {
            return;
        }
        if (!_systemLookaside.TryPush(irp, depth))
        {
            Interlocked.Increment(ref _freeMisses);
        }
    }

    /// <summary>The running processor's own list (made on its first use), or null off this manager's machine's processors.</summary>
    private IrpLookasideList? IopCurrentProcessorLookaside()
    {
        if (Processor.CurrentOrNull is not { } processor || !ReferenceEquals(processor.Machine, Machine))
        {
            return null;
        }
        var lists = Volatile.Read(ref _processorLookasides);
        var number = processor.Number;
        return number < lists.Length ? lists[number] : IopGrowProcessorLookasides(number);
    }

    private IrpLookasideList IopGrowProcessorLookasides(int number)
    {
        lock (_systemLookaside)
        {
            var lists = _processorLookasides;
            if (number >= lists.Length)
            {
                var grown = new IrpLookasideList[number + 1];
                lists.CopyTo(grown, 0);
                for (var i = lists.Length; i < grown.Length; i++)
                {
                    grown[i] = new IrpLookasideList(shared: false);
                }
                Volatile.Write(ref _processorLookasides, grown);
                lists = grown;
            }
            return lists[number];
        }
    }

    /// <summary>
    /// One GENERAL_LOOKASIDE of IRPs: a LIFO chain per stack size (the IRP's <see cref="Irp.LookasideNext"/>
    /// is the SLIST_ENTRY) and NT's counters. The system list, which every processor and code off a
    /// processor may use, is under a lock. A processor's own list takes none: only that processor's
    /// routines touch it, and a processor runs one turn at a time (as NT's per-processor lists rely on
    /// their processor, at DISPATCH_LEVEL). Its counters are read from elsewhere without a lock, each
    /// one whole, as <c>!lookaside</c> reads a running system's.
    /// </summary>
    private sealed class IrpLookasideList(bool shared)
    {
        private readonly Lock? _lock = shared ? new() : null;
        private readonly Irp?[] _heads = new Irp?[sbyte.MaxValue + 1];
        private readonly int[] _depths = new int[sbyte.MaxValue + 1];
        private long _totalAllocates;
        private long _allocateMisses;
        private long _totalFrees;
        private long _freeMisses;
        private int _free;

        public IrpLookasideStatistics Statistics
        {
            get
            {
                if (_lock is null)
                {
                    return ReadStatistics();
                }
                lock (_lock)
                {
                    return ReadStatistics();
                }
            }
        }

        public Irp? TryPop(sbyte stackSize)
        {
            if (_lock is null)
            {
                return Pop(stackSize);
            }
            lock (_lock)
            {
                return Pop(stackSize);
            }
        }

        public bool TryPush(Irp irp, int depth)
        {
            if (_lock is null)
            {
                return Push(irp, depth);
            }
            lock (_lock)
            {
                return Push(irp, depth);
            }
        }

        private IrpLookasideStatistics ReadStatistics() => new(Volatile.Read(ref _totalAllocates), Volatile.Read(ref _allocateMisses),
            Volatile.Read(ref _totalFrees), Volatile.Read(ref _freeMisses), Volatile.Read(ref _free));

        private Irp? Pop(sbyte stackSize)
        {
            _totalAllocates++;
            if (_heads[stackSize] is not { } irp)
            {
                _allocateMisses++;
                return null;
            }
            _heads[stackSize] = irp.LookasideNext;
            _depths[stackSize]--;
            _free--;
            return irp;
        }

        private bool Push(Irp irp, int depth)
        {
            var size = irp.StackCount;
            _totalFrees++;
            if (_depths[size] >= depth)
            {
                _freeMisses++;
                return false;
            }
            irp.LookasideNext = _heads[size];
            _heads[size] = irp;
            _depths[size]++;
            _free++;
            return true;
        }
    }
}
