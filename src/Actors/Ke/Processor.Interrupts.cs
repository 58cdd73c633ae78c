using System.Numerics;
using ActorKernel.Hardware;

namespace ActorKernel.Actors;

internal sealed partial class Processor
{
    private readonly Queue<InterruptRequest>[] _pendingInterrupts = CreateQueues();
    private int _pendingMask;
    private readonly List<KiRunRoutine> _softwareRoutines = [];
    private long _isrCount;
    private long _isrNs;
    private long _unclaimedInterrupts;

    public long IsrCount => _isrCount;

    public long IsrNs => _isrNs;

    public long UnclaimedInterrupts => _unclaimedInterrupts;

    /// <summary>Pending interrupts, highest IRQL first (for crash dumps).</summary>
    public IEnumerable<InterruptRequest> PendingInterrupts
    {
        get
        {
            for (var level = 15; level >= 0; level--)
            {
                foreach (var request in _pendingInterrupts[level])
                {
                    yield return request;
                }
            }
        }
    }

    private static Queue<InterruptRequest>[] CreateQueues()
    {
        var queues = new Queue<InterruptRequest>[16];
        for (var i = 0; i < queues.Length; i++)
        {
            queues[i] = new Queue<InterruptRequest>();
        }
        return queues;
    }

    private void KiQueueInterrupt(InterruptRequest request)
    {
        var level = Math.Clamp((int)request.Irql, 0, 15);
        _pendingInterrupts[level].Enqueue(request);
        _pendingMask |= 1 << level;
    }

    private int KiHighestPendingInterrupt() => _pendingMask == 0 ? -1 : 31 - BitOperations.LeadingZeroCount((uint)_pendingMask);

    /// <summary>Takes the highest pending interrupt if its IRQL is above the current one: pushes an ISR frame at its IRQL.</summary>
    private bool KiTryTakeInterrupt()
    {
        var level = KiHighestPendingInterrupt();
        if (level <= (int)Irql)
        {
            return false;
        }
        var queue = _pendingInterrupts[level];
        var request = queue.Dequeue();
        if (queue.Count == 0)
        {
            _pendingMask &= ~(1 << level);
        }
        var chain = Machine.GetInterruptChain(request.Vector);
        if (chain.Length == 0)
        {
            _unclaimedInterrupts++; // nobody connected to the vector: a spurious interrupt, dismissed
            return true;
        }
        var first = chain[0];
        var frame = PushFrame(FrameKind.Isr, (Irql)level, first.Module, first.RoutineName, Costs.InterruptDispatchNs);
        frame.Interrupt = request;
        frame.Chain = chain;
        frame.ChainIndex = 0;
        KiBeginServiceRoutine(frame, first);
        return true;
    }

    /// <summary>Before an ISR runs: raise to its SynchronizeIrql and take its interrupt spin lock (spinning if another processor holds it).</summary>
    private void KiBeginServiceRoutine(Frame frame, KInterrupt interrupt)
    {
        frame.Module = interrupt.Module;
        frame.RoutineName = interrupt.RoutineName;
        frame.Started = false;
        if (interrupt.SynchronizeIrql > Irql)
        {
            SetIrql(interrupt.SynchronizeIrql);
        }
        interrupt.Count++;
        KiTraceRoutineStarted(frame, IoRoutineKind.Isr);
        if (!KiTryAcquire(interrupt.SpinLock, frame))
        {
            frame.Continuation = null;
            KiStartSpin(frame, interrupt.SpinLock);
        }
    }

    /// <summary>After an ISR returned: release its lock; on a shared vector, call the next ISR until one claims the interrupt.</summary>
    private bool KiNextServiceRoutine(Frame frame)
    {
        var interrupt = frame.Chain![frame.ChainIndex];
        KiTraceRoutineFinished(frame, frame.Claimed ? NtStatus.Success : NtStatus.Unsuccessful);
        KiRelease(interrupt.SpinLock);
        if (frame.Claimed)
        {
            interrupt.Claimed++;
            return false;
        }
        if (++frame.ChainIndex < frame.Chain.Length)
        {
            frame.State = FrameState.Ready;
            KiBeginServiceRoutine(frame, frame.Chain[frame.ChainIndex]);
            return true;
        }
        _unclaimedInterrupts++;
        return false;
    }

    private void KiQueueSoftwareRoutine(KiRunRoutine run)
    {
        if (run.Irql < Irql.DispatchLevel)
        {
            KiCreateThreadForRoutine(run);
            return;
        }
        _softwareRoutines.Add(run);
    }

    private int KiHighestSoftwareRoutine()
    {
        var best = -1;
        foreach (var run in _softwareRoutines)
        {
            best = Math.Max(best, (int)run.Irql);
        }
        return best;
    }

    private bool KiTryTakeSoftwareRoutine()
    {
        if (_softwareRoutines.Count == 0)
        {
            return false;
        }
        var index = -1;
        for (var i = 0; i < _softwareRoutines.Count; i++)
        {
            if (_softwareRoutines[i].Irql > Irql && (index < 0 || _softwareRoutines[i].Irql > _softwareRoutines[index].Irql))
            {
                index = i;
            }
        }
        if (index < 0)
        {
            return false;
        }
        var run = _softwareRoutines[index];
        _softwareRoutines.RemoveAt(index);
        var frame = PushFrame(FrameKind.Routine, run.Irql, run.Module, run.Name, Costs.DefaultCallNs, run.Process);
        frame.Routine = run.Routine;
        return true;
    }

    /// <summary>Time and count statistics when a frame pops.</summary>
    private void KiAccountFrame(Frame frame)
    {
        switch (frame.Kind)
        {
            case FrameKind.Isr:
                _isrCount++;
                _isrNs += frame.ChargedNs;
                break;
            case FrameKind.Dpc:
                _dpcCount++;
                _dpcNs += frame.ChargedNs;
                break;
        }
    }
}
