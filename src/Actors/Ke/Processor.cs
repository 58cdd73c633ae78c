using System.Diagnostics;
using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// One simulated CPU (the kernel's KPRCB plus its scheduler): its IRQL, a stack of frames (the
/// running routine and the routines higher-IRQL work interrupted), pending interrupts by IRQL, its
/// DPC queue and its ready threads. It is driven by its actor (<see cref="ProcessorActor"/>), one
/// message at a time; routines run in slices between yield points, and preemption happens only
/// there, by strictly higher-IRQL work. Split by concern: Irql, Interrupts, Dpc, SpinLocks, Threads.
/// </summary>
internal sealed partial class Processor : IInterruptTarget
{
    [ThreadStatic]
    private static Processor? t_current;

    private readonly Frame[] _frames;
    private int _depth;
    private bool _continuePending;
    private readonly bool _deterministic;

    public Processor(Machine machine, int number)
    {
        Machine = machine;
        Number = number;
        Costs = machine.Options.CostModel;
        _deterministic = machine.System.Dispatcher.Kind == DispatcherKind.Deterministic;
        _frames = new Frame[64];
        for (var i = 0; i < _frames.Length; i++)
        {
            _frames[i] = new Frame(this);
        }
        _history = new IrqlTransition[Math.Max(1, machine.Options.IrqlHistoryLength)];
    }

    /// <summary>The processor running a routine on this thread; throws outside any routine.</summary>
    public static Processor Current => t_current ?? ThrowOutsideRoutine();

    // Out of line, so that Current inlines into every kernel service.
    private static Processor ThrowOutsideRoutine() => throw new InvalidOperationException(
        "This kernel service was called outside any routine: it must run inside a routine on a simulated processor " +
        "(an ISR, DPC, thread, work item or a routine started with Machine.RunRoutine).");

    /// <summary>The processor running a routine on this thread, or null.</summary>
    public static Processor? CurrentOrNull => t_current;

    public Machine Machine { get; }

    public int Number { get; }

    public KernelCostModel Costs { get; }

    public IActorRef Self { get; set; } = null!;

    /// <summary>The frame that is running (or would run next); null when idle.</summary>
    public Frame? Top => _depth == 0 ? null : _frames[_depth - 1];

    public int Depth => _depth;

    public Frame FrameAt(int index) => _frames[index];

    public long Now => Machine.System.Scheduler.NowNanoseconds;

    /// <summary>Handles one message: the actor's whole behaviour.</summary>
    public void Handle(object message)
    {
        if (Machine.IsBugChecked)
        {
            return; // frozen: nothing runs after a bugcheck
        }
        t_current = this;
        // Routines never run under the caller's synchronization context (a test runner's, a UI's): their awaits on
        // pooled IValueTaskSources would post continuations to it, outside this processor.
        var callerContext = SynchronizationContext.Current;
        if (callerContext is not null)
        {
            SynchronizationContext.SetSynchronizationContext(null);
        }
        try
        {
            switch (message)
            {
                case KiContinue:
                    Debug.Assert(_continuePending, "a Continue arrives only when one was scheduled");
                    _continuePending = false;
                    if (Top is { State: FrameState.Yielded } yielded)
                    {
                        yielded.State = FrameState.Ready;
                    }
                    break;
                case InterruptRequest request:
                    KiQueueInterrupt(request);
                    break;
                case KiWake:
                    break;
                case KiRunRoutine run:
                    KiQueueSoftwareRoutine(run);
                    break;
                case KiWaitTimeout timeout:
                    KiOnWaitTimeout(timeout);
                    break;
                case KiSpinWatchdog watchdog:
                    KiOnSpinWatchdog(watchdog);
                    break;
                case KiSpinWatchdogSweep:
                    KiOnSpinWatchdogSweep();
                    break;
                default:
                    throw new KernelInvariantException($"Processor {Number} does not handle {message.GetType().Name}.");
            }
            Dispatch();
        }
        catch (BugCheckException) when (Machine.IsBugChecked)
        {
            // A service called from the processor's own code found a broken rule: the machine is already frozen.
        }
        catch (KernelInvariantException broken)
        {
            // The processor's own bookkeeping broke outside any routine's code: the simulator's defect, no driver's dump.
            Machine.KiStopForSimulatorDefect(new SimulatorDefectException(Number, Top?.Module.Name ?? KernelModule.Kernel.Name,
                Top?.RoutineName ?? "(no routine)", KiSimulatorSite(broken) ?? nameof(Processor) + "." + nameof(Handle), broken));
        }
        finally
        {
            t_current = null;
            if (callerContext is not null)
            {
                SynchronizationContext.SetSynchronizationContext(callerContext);
            }
        }
    }

    /// <summary>
    /// Runs whatever should run now, in priority order: pending interrupts above the current IRQL,
    /// then (below DISPATCH_LEVEL) DPCs, then the top frame, then ready threads. Returns when the
    /// running routine yielded (a Continue is on its way), spins, or the processor is idle.
    /// </summary>
    private void Dispatch()
    {
        while (!Machine.IsBugChecked && !_continuePending)
        {
            AssertInvariants();
            // Each check is one field test before the call: nothing pending is the common case (a hop's Continue).
            if ((_pendingMask != 0 && KiTryTakeInterrupt()) || (_softwareRoutines.Count != 0 && KiTryTakeSoftwareRoutine()))
            {
                continue;
            }
            if (Irql < Irql.DispatchLevel && HasDpcs && KiTryRetireDpc())
            {
                continue;
            }
            var top = Top;
            if (top is null)
            {
                if (!KiTrySwitchToReadyThread())
                {
                    return; // idle
                }
                continue;
            }
            switch (top.State)
            {
                case FrameState.Ready:
                    if (top.Kind == FrameKind.Thread && top.Started && KiShouldPreemptThread(top))
                    {
                        continue;
                    }
                    RunSlice(top);
                    break;
                case FrameState.Completing:
                    PopFrame(top);
                    break;
                case FrameState.Spinning:
                    if (!top.Granted)
                    {
                        return; // spinning: only a handover (or an interrupt) changes anything
                    }
                    KiEndSpin(top);
                    break;
                case FrameState.Blocked:
                    KiSwitchOutBlockedThread(top);
                    break;
                default:
                    throw new KernelInvariantException($"Processor {Number}: frame {top.RoutineName} is {top.State} at dispatch.");
            }
        }
    }

    /// <summary>Runs the top frame until it yields, spins, blocks or returns.</summary>
    private void RunSlice(Frame frame)
    {
        frame.State = FrameState.Running;
        // A new slice: what it defers goes before what earlier slices deferred, and until it queues an IRQL change it
        // runs at the processor's IRQL (the changes queued earlier come after it).
        frame.DeferredCursor = null;
        frame.DeferredIrqlQueued = false;
        if (!frame.Started)
        {
            frame.Started = true;
            StartRoutine(frame);
        }
        else
        {
            var continuation = frame.Continuation!;
            frame.Continuation = null;
            continuation();
        }
        if (Machine.IsBugChecked)
        {
            return;
        }
        if (frame.Kind is FrameKind.Dpc or FrameKind.Isr && frame.ChargedNs > Machine.Options.DpcWatchdogLimitNs)
        {
            KiDpcWatchdogViolation(frame);
            return;
        }
        if (_elevatedNs > Machine.Options.DpcWatchdogPeriodNs)
        {
            KiDpcWatchdogPeriodViolation(frame, _elevatedNs);
            return;
        }
        if (frame.State == FrameState.Running)
        {
            while (frame.DeferredHead is not null)
            {
                // Nothing suspended, but the routine asked for a suspension while a call it did not await was outstanding:
                // that call has finished (a hop's dispatch routine returned), so the next one takes effect now (an IRQL
                // change or a release has no continuation: the one after it follows at once).
                KiApplyDeferred(frame);
                if (frame.State != FrameState.Running || Machine.IsBugChecked)
                {
                    return;
                }
            }
            OnRoutineReturned(frame);
        }
    }

    private void StartRoutine(Frame frame)
    {
        try
        {
            switch (frame.Kind)
            {
                case FrameKind.Isr:
                    var interrupt = frame.Chain![frame.ChainIndex];
                    frame.BoolTask = interrupt.ServiceRoutine(interrupt, interrupt.ServiceContext);
                    break;
                case FrameKind.Dpc:
                    var dpc = frame.Dpc!;
                    frame.Task = dpc.DeferredRoutine!(dpc, dpc.DeferredContext, frame.DpcArgument1, frame.DpcArgument2);
                    break;
                case FrameKind.Thread:
                    var thread = frame.Thread!;
                    frame.Task = Machine.ThreadRundown is { } rundown ? KiRunThread(thread, rundown) : thread.StartRoutine(thread.StartContext);
                    break;
                case FrameKind.Routine:
                    frame.Task = frame.Routine!();
                    break;
            }
        }
        catch (Exception e)
        {
            // A routine that is not async (or threw before its first await) fails here rather than in its task.
            KiBugCheckForException(frame, e);
        }
    }

    /// <summary>A thread's life as PspExitThread ends it: its start routine, then the I/O rundown, still in the thread's context.</summary>
    private static async ValueTask KiRunThread(KThread thread, Func<KThread, ValueTask> rundown)
    {
        await thread.StartRoutine(thread.StartContext);
        await rundown(thread);
    }

    /// <summary>The routine's slice ended without a yield: it must have finished; collect its result.</summary>
    private void OnRoutineReturned(Frame frame)
    {
        if (Machine.IsBugChecked)
        {
            return;
        }
        var completed = frame.Kind == FrameKind.Isr ? frame.BoolTask.IsCompleted : frame.Task.IsCompleted;
        if (!completed)
        {
            KiBugCheck(frame, BugCheckCode.KmodeExceptionNotHandled, StatusAssertionFailure, Machine.RoutineAddress(frame.Module, frame.RoutineName), 0, 0,
                $"{frame.RoutineName} awaited something that is not a kernel service (only Ke*/Io* awaitables may be awaited in a routine)");
            return;
        }
        try
        {
            if (frame.Kind == FrameKind.Isr)
            {
                frame.Claimed = frame.BoolTask.GetAwaiter().GetResult();
                frame.BoolTask = default;
                if (KiNextServiceRoutine(frame) || Machine.IsBugChecked)
                {
                    return; // the next ISR on a shared vector runs in the same frame (or the dispatch bugchecked)
                }
            }
            else
            {
                frame.Task.GetAwaiter().GetResult();
                frame.Task = default;
            }
        }
        catch (Exception e)
        {
            KiBugCheckForException(frame, e);
            return;
        }
        if (frame.Kind == FrameKind.Dpc && Irql != Irql.DispatchLevel)
        {
            // As ReactOS's KiRetireDpcList: a DPC must return at DISPATCH_LEVEL. P1 = routine, P2 = IRQL, P3 = DISPATCH_LEVEL.
            KiBugCheck(frame, BugCheckCode.IrqlNotGreaterOrEqual, Machine.RoutineAddress(frame.Module, frame.RoutineName), (ulong)Irql, (ulong)Irql.DispatchLevel, 0,
                $"{frame.RoutineName} returned at {Irql.ToDisplayString()}");
            return;
        }
        frame.State = FrameState.Completing;
        if (frame.PendingChargeNs > 0)
        {
            var delay = frame.PendingChargeNs;
            frame.PendingChargeNs = 0;
            ScheduleContinue(delay);
            frame.State = FrameState.Completing;
        }
    }

    private void PopFrame(Frame frame)
    {
        Debug.Assert(frame == Top, "only the top frame pops");
        KiTraceRoutineFinished(frame, NtStatus.Success);
        KiAccountFrame(frame);
        _depth--;
        var returnIrql = frame.ReturnIrql;
        var kind = frame.Kind;
        var thread = frame.Thread;
        frame.Clear();
        if (kind == FrameKind.Thread)
        {
            KiThreadTerminated(thread!);
        }
        // A thread that returns at a raised IRQL must not leave its processor there (no DPC would drain).
        if (Irql != returnIrql)
        {
            // KiRetireDpcList runs the queued DPCs back to back at DISPATCH_LEVEL: the watchdog's count goes on.
            var elevated = _elevatedNs;
            SetIrql(returnIrql);
            if (kind == FrameKind.Dpc && HasDpcs)
            {
                _elevatedNs = elevated;
            }
        }
    }

    /// <summary>Pushes a frame in the Ready state; the caller sets the kind-specific fields.</summary>
    private Frame PushFrame(FrameKind kind, Irql irql, KernelModule module, string routineName, long entryCostNs, AddressSpace? process = null)
    {
        if (_depth == _frames.Length)
        {
            // Frames nest only by preemption at a higher IRQL (a hop runs the callee in the caller's frame), so fewer
            // than 40 can ever be live: more is the simulator's own defect, whatever the drivers did.
            throw new KernelInvariantException($"Processor {Number}: frame stack overflow ({_frames.Length} nested routines).");
        }
        // An ISR, DPC or routine runs in the memory context of whatever it interrupted (as NT's arbitrary thread context).
        var interrupted = _depth == 0 ? null : _frames[_depth - 1].Process;
        var frame = _frames[_depth++];
        frame.Reset(kind, irql, Irql, module, routineName, Now);
        frame.Process = process ?? interrupted;
        if (irql != Irql)
        {
            SetIrql(irql);
        }
        KiChargeFrame(frame, entryCostNs);
        return frame;
    }

    /// <summary>A yield point: charge <paramref name="costNs"/> (plus what non-yielding calls owe) and continue later.</summary>
    public void KiYield(long costNs, Action continuation)
    {
        var frame = Top ?? throw new KernelInvariantException($"Processor {Number}: a yield with no running routine.");
        KiChargeFrame(frame, costNs);
        if (KiDeferIfSuspended(frame, KiSuspension.Yield, continuation))
        {
            return;
        }
        frame.LastSuspension = KiSuspension.Yield;
        frame.SuspendIrql = Irql;
        frame.Continuation = continuation;
        var delay = frame.PendingChargeNs;
        frame.PendingChargeNs = 0;
        if (delay > 0)
        {
            frame.State = FrameState.Yielded;
            ScheduleContinue(delay);
        }
        else
        {
            frame.State = FrameState.Ready;
        }
    }

    /// <summary>Charges a non-yielding kernel call to the running routine; it is paid at its next yield or when it returns.</summary>
    public void KiCharge(long costNs)
    {
        if (Top is { } frame)
        {
            KiChargeFrame(frame, costNs);
        }
    }

    private void KiChargeFrame(Frame frame, long costNs)
    {
        frame.PendingChargeNs += costNs;
        frame.ChargedNs += costNs;
        if (Irql >= Irql.DispatchLevel)
        {
            _elevatedNs += costNs;
        }
        _residencyNs[(int)Irql] += costNs;
        _busyNs += costNs;
    }

    private void ScheduleContinue(long delayNs)
    {
        _continuePending = true;
        if (_deterministic)
        {
            Machine.System.Scheduler.ScheduleTellOnce(delayNs, Self, KiContinue.Instance, Self);
        }
        else
        {
            // Concurrent dispatcher: the cost is accounted, not waited for; the self-Tell lets other mail (interrupts) in first.
            Self.Tell(KiContinue.Instance, Self);
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_depth >= 0 && _depth <= _frames.Length, "the frame stack depth is within the pool");
        for (var i = 1; i < _depth; i++)
        {
            Debug.Assert(_frames[i].Irql > _frames[i].ReturnIrql,
                "a frame above another was pushed only because its IRQL was higher than the processor's");
        }
    }
}

/// <summary>The actor of one processor: forwards every message to its <see cref="Processor"/>.</summary>
internal sealed class ProcessorActor : ActorBase
{
    private readonly Processor _processor;

    public ProcessorActor(Processor processor) => _processor = processor;

    protected override bool Receive(object message)
    {
        _processor.Handle(message);
        return true;
    }
}
