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
        Verifier.VfUnloadedModules.KiCheckDpc(this, frame, dpc);
        KiTraceRoutineStarted(frame, IoRoutineKind.Dpc);
        return true;
    }

    /// <summary>A single DPC ran longer than the limit: DPC_WATCHDOG_VIOLATION (0x133), P1 = 0, P2/P3 in clock ticks.</summary>
    private void KiDpcWatchdogViolation(Frame frame)
    {
        var tick = Machine.NominalTickNs;
        KiBugCheck(frame, BugCheckCode.DpcWatchdogViolation, 0,
            (ulong)(frame.ChargedNs / tick), (ulong)(Machine.Options.DpcWatchdogLimitNs / tick), 0,
            $"{frame.RoutineName} ran {frame.ChargedNs} ns at DISPATCH_LEVEL; the limit is {Machine.Options.DpcWatchdogLimitNs} ns");
    }
}
