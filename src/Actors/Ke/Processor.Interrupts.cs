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
            // Nobody is connected to the vector: dismissed. A level line would fire again at once; NT enables a line only
            // when an ISR connects (HalEnableSystemInterrupt in KeConnectInterrupt), so the end of interrupt masks it.
            _unclaimedInterrupts++;
            KiEndOfInterrupt(request, mask: true);
            return true;
        }
        var first = chain[0];
        var frame = PushFrame(FrameKind.Isr, (Irql)level, first.Module, first.RoutineName, Costs.InterruptDispatchNs);
        frame.Interrupt = request;
        frame.Chain = chain;
        frame.ChainIndex = 0;
        frame.ClaimedInPass = false;
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
        frame.IsrIrql = Irql;
        interrupt.Count++;
        KiTraceRoutineStarted(frame, IoRoutineKind.Isr);
        if (!KiTryAcquire(interrupt.SpinLock, frame))
        {
            frame.Continuation = null;
            KiStartSpin(frame, interrupt.SpinLock);
        }
    }

    /// <summary>
    /// After an ISR returned: check the IRQL it returned at, release its lock and lower to the DIRQL;
    /// then pick the next ISR as WRK's KiChainedDispatch2ndLvl does: a level-sensitive vector stops
    /// at the first ISR that claims the interrupt; a latched (edge) vector calls every ISR on the chain
    /// and walks it again while a pass had a claim (an edge that came meanwhile would otherwise be lost).
    /// Returns true when the next ISR runs in the same frame.
    /// </summary>
    private bool KiNextServiceRoutine(Frame frame)
    {
        var interrupt = frame.Chain![frame.ChainIndex];
        KiTraceRoutineFinished(frame, frame.Claimed ? NtStatus.Success : NtStatus.Unsuccessful);
        if (Irql != frame.IsrIrql)
        {
            if (KiIsDriverVerified(interrupt.Module))
            {
                // Driver Verifier: DRIVER_VERIFIER_DETECTED_VIOLATION 0x111, P2 = ISR, P3 = IRQL before the ISR, P4 = IRQL after.
                KiBugCheck(frame, BugCheckCode.DriverVerifierDetectedViolation, (ulong)VerifierViolation.IsrChangedIrql,
                    Machine.RoutineAddress(interrupt.Module, interrupt.RoutineName), (ulong)frame.IsrIrql, (ulong)Irql,
                    $"{interrupt.RoutineName} returned at {Irql.ToDisplayString()}, entered at {frame.IsrIrql.ToDisplayString()}");
                return false;
            }
            // Unverified, the interrupt exit restores the IRQL it saved (HalEndSystemInterrupt(OldIrql) in KiExitInterrupt).
            SetIrql(frame.IsrIrql);
        }
        KiRelease(interrupt.SpinLock);
        if (Irql != frame.Irql)
        {
            SetIrql(frame.Irql); // KfLowerIrql from the SynchronizeIrql back to the DIRQL, before the next ISR
        }
        var latched = frame.Chain[0].Mode == KInterruptMode.Latched;
        if (frame.Claimed)
        {
            interrupt.Claimed++;
            frame.ClaimedInPass = true;
            if (!latched)
            {
                KiEndOfInterrupt(frame.Interrupt!, mask: false);
                return false;
            }
        }
        if (++frame.ChainIndex == frame.Chain.Length)
        {
            var claimed = frame.ClaimedInPass;
            if (!latched || !claimed || frame.Chain.Length == 1)
            {
                if (!claimed)
                {
                    _unclaimedInterrupts++;
                    if (!latched && KiCheckInterruptStorm(frame))
                    {
                        return false;
                    }
                }
                KiEndOfInterrupt(frame.Interrupt!, mask: false);
                return false;
            }
            // Latched and shared, and someone claimed: walk the chain again. The walks count towards storm detection.
            frame.ChainIndex = 0;
            frame.ClaimedInPass = false;
            if (KiCheckInterruptStorm(frame))
            {
                return false;
            }
        }
        frame.State = FrameState.Ready;
        KiChargeFrame(frame, Costs.DefaultCallNs);
        KiBeginServiceRoutine(frame, frame.Chain[frame.ChainIndex]);
        if (frame.State == FrameState.Ready && frame.PendingChargeNs > 0)
        {
            // Each ISR of a chain costs time: the next one starts after it (so a chain that never settles still moves the clock).
            var delay = frame.PendingChargeNs;
            frame.PendingChargeNs = 0;
            frame.State = FrameState.Yielded;
            ScheduleContinue(delay);
        }
        return true;
    }

    /// <summary>
    /// The end of interrupt for a level-sensitive line (the EOI write): the controller's line leaves
    /// service at once and is delivered again if it is still asserted.
    /// </summary>
    private void KiEndOfInterrupt(InterruptRequest request, bool mask)
    {
        if (request.Trigger == InterruptTrigger.Level)
        {
            Machine.InterruptLines.EndOfInterrupt(request.Line, mask);
        }
    }

    /// <summary>
    /// Interrupt storm detection as WRK's CHECK_INT_STORM, on the first interrupt object of the vector:
    /// at most <see cref="Machine.InterruptStormOverflow"/> unserviced dispatches per period of
    /// <see cref="Machine.InterruptStormPeriodTicks"/> clock ticks; a storm that overflows
    /// <see cref="Machine.InterruptStormPeriods"/> periods in a row is HARDWARE_INTERRUPT_STORM (0xF2).
    /// Counted: an unclaimed level-sensitive interrupt, and each extra walk of a latched chain.
    /// </summary>
    /// <returns>True when the machine bugchecked.</returns>
    private bool KiCheckInterruptStorm(Frame frame)
    {
        var head = frame.Chain![0];
        var periodNs = Math.Max(1, Machine.InterruptStormPeriodTicks * Machine.NominalTickNs);
        var period = Now / periodNs;
        lock (head)
        {
            if (period > head.StormPeriod)
            {
                head.StormPeriod = period;
                head.StormPeriodsLeft = Machine.InterruptStormPeriods;
                head.StormCount = Machine.InterruptStormOverflow;
            }
            else if (period < head.StormPeriod)
            {
                return false; // this period already overflowed: wait for the next one
            }
            if (--head.StormCount > 0)
            {
                return false;
            }
            if (--head.StormPeriodsLeft > 0)
            {
                head.StormPeriod = period + 1;
                head.StormCount = Machine.InterruptStormOverflow;
                return false;
            }
        }
        KiBugCheck(frame, BugCheckCode.HardwareInterruptStorm, Machine.RoutineAddress(head.Module, head.RoutineName), KiContextAddress(head.ServiceContext),
            head.EnsureAddress(Machine), frame.Chain.Length > 1 ? 2UL : 1UL,
            $"interrupt storm on vector 0x{head.Vector:x} (line {frame.Interrupt!.Line}): it keeps firing and no ISR services it");
        return true;
    }

    private ulong KiContextAddress(object? context) => context switch
    {
        KeObject keObject => keObject.EnsureAddress(Machine),
        KernelObject kernelObject => kernelObject.Address,
        Irp irp => irp.Address,
        _ => 0,
    };

    /// <summary>Whether Driver Verifier checks <paramref name="module"/> (I/O verification or force IRQL checking).</summary>
    private bool KiIsDriverVerified(KernelModule module)
    {
        if (Machine.Memory.IsForceIrqlCheckingEnabled(module.Name))
        {
            return true;
        }
        return KeIoProcessor.ManagerOf(Machine) is { } io && io.IsVerified(io.IopDriverOfModule(module));
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
