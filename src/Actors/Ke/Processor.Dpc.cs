namespace ActorKernel.Actors;

internal sealed partial class Processor
{
    // The queue is a doubly linked list through the KDpc objects, guarded by Machine.DpcLock (other processors insert targeted DPCs).
    private KDpc? _dpcHead;
    private KDpc? _dpcTail;
    private int _dpcQueueDepth;
    private long _dpcCount;
    private long _dpcNs;

    public long DpcCount => _dpcCount;

    public long DpcNs => _dpcNs;

    public bool HasDpcs => Volatile.Read(ref _dpcHead) is not null;

    public int DpcQueueDepth => _dpcQueueDepth;

    /// <summary>The queued DPCs in order (call under Machine.DpcLock, or when frozen).</summary>
    public List<KDpc> SnapshotDpcQueue()
    {
        var list = new List<KDpc>();
        for (var dpc = _dpcHead; dpc is not null; dpc = dpc.Next)
        {
            list.Add(dpc);
        }
        return list;
    }

    /// <summary>Links <paramref name="dpc"/> in; caller holds Machine.DpcLock and has checked it is not queued.</summary>
    public void KiLinkDpc(KDpc dpc)
    {
        dpc.QueuedOn = this;
        if (dpc.Importance == KDpcImportance.HighImportance)
        {
            dpc.Previous = null;
            dpc.Next = _dpcHead;
            if (_dpcHead is null)
            {
                _dpcTail = dpc;
            }
            else
            {
                _dpcHead.Previous = dpc;
            }
            Volatile.Write(ref _dpcHead, dpc);
        }
        else
        {
            dpc.Next = null;
            dpc.Previous = _dpcTail;
            if (_dpcTail is null)
            {
                Volatile.Write(ref _dpcHead, dpc);
            }
            else
            {
                _dpcTail.Next = dpc;
            }
            _dpcTail = dpc;
        }
        _dpcQueueDepth++;
    }

    /// <summary>Unlinks <paramref name="dpc"/>; caller holds Machine.DpcLock and the DPC is queued here.</summary>
    public void KiUnlinkDpc(KDpc dpc)
    {
        if (dpc.Previous is null)
        {
            Volatile.Write(ref _dpcHead, dpc.Next);
        }
        else
        {
            dpc.Previous.Next = dpc.Next;
        }
        if (dpc.Next is null)
        {
            _dpcTail = dpc.Previous;
        }
        else
        {
            dpc.Next.Previous = dpc.Previous;
        }
        dpc.Next = null;
        dpc.Previous = null;
        dpc.QueuedOn = null;
        _dpcQueueDepth--;
    }

    /// <summary>KiRetireDpcList, one DPC at a time: dequeues the head and pushes a DISPATCH_LEVEL frame for it.</summary>
    private bool KiTryRetireDpc()
    {
        if (!HasDpcs)
        {
            return false;
        }
        KDpc dpc;
        object? argument1, argument2;
        lock (Machine.DpcLock)
        {
            var head = _dpcHead;
            if (head is null)
            {
                return false;
            }
            dpc = head;
            argument1 = dpc.SystemArgument1;
            argument2 = dpc.SystemArgument2;
            dpc.SystemArgument1 = null;
            dpc.SystemArgument2 = null;
            KiUnlinkDpc(dpc); // dequeued before it runs, so the routine may queue itself again
        }
        var frame = PushFrame(FrameKind.Dpc, Irql.DispatchLevel, dpc.Module, dpc.RoutineName, Costs.DpcDispatchNs);
        frame.Dpc = dpc;
        frame.DpcArgument1 = argument1;
        frame.DpcArgument2 = argument2;
        KiTraceRoutineStarted(frame, IoRoutineKind.Dpc);
        if (dpc.Module.Unloaded)
        {
            // The driver unloaded with the DPC still queued: the call lands in unmapped code. As an instruction fetch
            // from an unloaded image: P1 = P3 = the routine, P2 = 8 (execute), P4 = 0.
            var routine = Machine.RoutineAddress(dpc.Module, dpc.RoutineName);
            KiBugCheck(frame, BugCheckCode.DriverUnloadedWithoutCancellingPendingOperations, routine, (ulong)MemoryAccessType.Execute, routine, 0,
                $"DPC {dpc.RoutineName} of {dpc.Module.Name} ran after the driver was unloaded");
        }
        return true;
    }

    /// <summary>Prcb->DpcRoutineActive: a DPC routine is on this processor's stack (running, or interrupted by an ISR).</summary>
    public bool KiDpcRoutineActive
    {
        get
        {
            for (var i = 0; i < _depth; i++)
            {
                if (_frames[i].Kind == FrameKind.Dpc)
                {
                    return true;
                }
            }
            return false;
        }
    }

    private KThread? _idleThread;

    /// <summary>The processor's idle thread (only its address is used: it is what runs when no thread is ready).</summary>
    public KThread KiIdleThread => _idleThread ??= new KThread("Idle", KernelModule.Kernel, static _ => default, null, 0, this);

    /// <summary>
    /// A wait in a DPC would switch threads: ATTEMPTED_SWITCH_FROM_DPC (0xB8) as ReactOS's
    /// KiSwapContextResume raises it: P1 = the thread the DPC interrupted (or the idle thread), P2 =
    /// the thread that would run next (the highest ready one, or the idle thread), P3 = the first
    /// one's initial stack, P4 = 0.
    /// </summary>
    public BugCheckException KiAttemptedSwitchFromDpc(string service)
    {
        var old = KiCurrentThread ?? KiIdleThread;
        KThread next;
        lock (Machine.DispatcherLock)
        {
            next = KiPeekHighestReady() ?? KiIdleThread;
        }
        return KiBugCheck(Top, BugCheckCode.AttemptedSwitchFromDpc, old.EnsureAddress(Machine), next.EnsureAddress(Machine), old.KiInitialStack(Machine), 0,
            $"{Top?.RoutineName} called {service}, which would block, in a DPC");
    }

    /// <summary>The thread that would be switched to now, left in its queue; caller holds the dispatcher lock.</summary>
    private KThread? KiPeekHighestReady()
    {
        var mask = _readyMask;
        return mask == 0 ? null : _ready[31 - System.Numerics.BitOperations.LeadingZeroCount(mask)].Peek();
    }

    /// <summary>
    /// A single DPC or ISR ran longer than its allotment: DPC_WATCHDOG_VIOLATION (0x133), P1 = 0,
    /// P2 = its time count and P3 = the allotment in clock ticks, P4 = the global triage block.
    /// </summary>
    private void KiDpcWatchdogViolation(Frame frame)
    {
        var tick = Machine.NominalTickNs;
        KiBugCheck(frame, BugCheckCode.DpcWatchdogViolation, 0,
            (ulong)(frame.ChargedNs / tick), (ulong)(Machine.Options.DpcWatchdogLimitNs / tick), Machine.KiDpcWatchdogTriageBlock,
            $"{frame.RoutineName} ran {frame.ChargedNs} ns at {Irql.ToDisplayString()}; the allotment is {Machine.Options.DpcWatchdogLimitNs} ns");
    }

    /// <summary>
    /// The processor stayed at DISPATCH_LEVEL or above for the watchdog period: DPC_WATCHDOG_VIOLATION
    /// (0x133), P1 = 1, P2 = the period in clock ticks, P3 = the global triage block, P4 = 0.
    /// </summary>
    private void KiDpcWatchdogPeriodViolation(Frame frame, long elevatedNs, string? note = null)
    {
        var period = Machine.Options.DpcWatchdogPeriodNs;
        KiBugCheck(frame, BugCheckCode.DpcWatchdogViolation, 1, (ulong)(period / Machine.NominalTickNs), Machine.KiDpcWatchdogTriageBlock, 0,
            note ?? $"the processor stayed at DISPATCH_LEVEL or above for {elevatedNs} ns (the period is {period} ns), last in {frame.RoutineName}");
    }
}
