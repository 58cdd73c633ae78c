using System.Numerics;

namespace ActorKernel.Actors;

internal sealed partial class Processor
{
    // Ready queues by priority, guarded by Machine.DispatcherLock; the mask says which are non-empty.
    private readonly Queue<KThread>[] _ready = CreateReadyQueues();
    private volatile uint _readyMask;

    /// <summary>The thread of the innermost thread frame (threads only run at the bottom of the stack).</summary>
    public KThread? KiCurrentThread => _depth > 0 && _frames[0].Kind == FrameKind.Thread ? _frames[0].Thread : null;

    /// <summary>The kernel debugger's view: the running thread, then the ready ones by falling priority (a snapshot, under the dispatcher lock).</summary>
    internal List<KThread> KdThreads()
    {
        var threads = new List<KThread>();
        if (KiCurrentThread is { } current)
        {
            threads.Add(current);
        }
        lock (Machine.DispatcherLock)
        {
            for (var priority = _ready.Length - 1; priority >= 0; priority--)
            {
                threads.AddRange(_ready[priority]);
            }
        }
        return threads;
    }

    private static Queue<KThread>[] CreateReadyQueues()
    {
        var queues = new Queue<KThread>[32];
        for (var i = 0; i < queues.Length; i++)
        {
            queues[i] = new Queue<KThread>();
        }
        return queues;
    }

    /// <summary>Makes <paramref name="thread"/> ready here; wakes this processor if another one called.</summary>
    public void KiReadyThread(KThread thread, bool front)
    {
        lock (Machine.DispatcherLock)
        {
            KiReadyThreadLocked(thread, front);
        }
        if (CurrentOrNull != this)
        {
            Self.Tell(KiWake.Instance);
        }
    }

    /// <summary>Caller holds the dispatcher lock.</summary>
    private void KiReadyThreadLocked(KThread thread, bool front)
    {
        thread.State = KThreadState.Ready;
        var queue = _ready[thread.Priority];
        if (front && queue.Count > 0)
        {
            var rest = queue.ToArray();
            queue.Clear();
            queue.Enqueue(thread);
            foreach (var t in rest)
            {
                queue.Enqueue(t);
            }
        }
        else
        {
            queue.Enqueue(thread);
        }
        _readyMask |= 1u << thread.Priority;
    }

    private KThread? KiDequeueHighest(int abovePriority)
    {
        var mask = _readyMask;
        if (mask == 0)
        {
            return null;
        }
        var priority = 31 - BitOperations.LeadingZeroCount(mask);
        if (priority <= abovePriority)
        {
            return null;
        }
        var queue = _ready[priority];
        var thread = queue.Dequeue();
        if (queue.Count == 0)
        {
            _readyMask &= ~(1u << priority);
        }
        return thread;
    }

    private bool KiTrySwitchToReadyThread()
    {
        if (_readyMask == 0)
        {
            return false;
        }
        KThread? thread;
        lock (Machine.DispatcherLock)
        {
            thread = KiDequeueHighest(-1);
            if (thread is null)
            {
                return false;
            }
            thread.State = KThreadState.Running;
        }
        var frame = PushFrame(FrameKind.Thread, thread.SavedIrql, thread.FrameModule ?? thread.Module, thread.FrameRoutine ?? thread.Name, Costs.ContextSwitchNs);
        frame.Thread = thread;
        frame.Process = thread.CurrentProcess;
        frame.Started = thread.Started;
        frame.Continuation = thread.Continuation;
        frame.Task = thread.Task;
        frame.DeferredHead = thread.DeferredHead;
        frame.DeferredTail = thread.DeferredTail;
        thread.Continuation = null;
        thread.Task = default;
        thread.DeferredHead = thread.DeferredTail = null;
        thread.QuantumStartNs = 0;
        return true;
    }

    /// <summary>At a yield point of a thread: preempt it for a higher-priority ready thread, or at quantum end for an equal one.</summary>
    private bool KiShouldPreemptThread(Frame frame)
    {
        if (_readyMask == 0 || Irql > Irql.ApcLevel || _depth != 1)
        {
            return false;
        }
        var thread = frame.Thread!;
        lock (Machine.DispatcherLock)
        {
            var mask = _readyMask;
            if (mask == 0)
            {
                return false;
            }
            var best = 31 - BitOperations.LeadingZeroCount(mask);
            var quantumEnd = frame.ChargedNs - thread.QuantumStartNs >= Machine.Options.ThreadQuantumNs;
            if (best < thread.Priority || (best == thread.Priority && !quantumEnd))
            {
                return false;
            }
            thread.Started = true;
            thread.Continuation = frame.Continuation;
            thread.Task = frame.Task;
            thread.FrameModule = frame.Module;
            thread.FrameRoutine = frame.RoutineName;
            // Preempted by a higher priority: back to the head of its queue; quantum end: to the tail.
            KiReadyThreadLocked(thread, front: best > thread.Priority);
        }
        KiSwitchOutThreadFrame(frame);
        return true;
    }

    /// <summary>The awaiter of a wait that did not complete at once: the thread leaves the processor until it is satisfied or times out.</summary>
    public void KiBlockThread(KThread thread, Action continuation)
    {
        var frame = Top!;
        if (frame.State != FrameState.Running && KiDeferIfSuspended(frame, KiSuspension.Wait, continuation, new KiDeferredSuspension { Thread = thread, Registered = true }))
        {
            // Already registered (a KeRemoveQueue): it waits behind the call the routine did not await; no other wait may start meanwhile.
            thread.WaitBehindCallModule = frame.LastSuspension == KiSuspension.Hop ? frame.HopCallerModule ?? frame.Module : frame.Module;
            thread.WaitBehindCallRoutine = frame.LastSuspension == KiSuspension.Hop ? frame.HopCallerRoutine ?? frame.RoutineName : frame.RoutineName;
            return;
        }
        frame.LastSuspension = KiSuspension.Wait;
        frame.SuspendIrql = Irql;
        lock (Machine.DispatcherLock)
        {
            if (thread.WaitSatisfied)
            {
                // Satisfied between the wait call and this await (another processor signaled): just go on.
                frame.Continuation = continuation;
                frame.State = FrameState.Ready;
                return;
            }
            thread.Started = true;
            thread.Continuation = continuation;
            thread.FrameModule = frame.Module;
            thread.FrameRoutine = frame.RoutineName;
            thread.Blocked = true;
            thread.State = KThreadState.Waiting;
        }
        frame.State = FrameState.Blocked;
        if (frame.PendingChargeNs > 0)
        {
            // The wait call's own cost is paid before the processor switches away.
            var owed = frame.PendingChargeNs;
            frame.PendingChargeNs = 0;
            ScheduleContinue(owed);
        }
    }

    private void KiSwitchOutBlockedThread(Frame frame)
    {
        // The first slice of a thread blocks before StartRoutine has stored its task: take it from the frame now.
        frame.Thread!.Task = frame.Task;
        KiSwitchOutThreadFrame(frame);
    }

    /// <summary>
    /// The thread leaves the processor (preempted or waiting): it keeps its IRQL for when it runs
    /// again, and the processor returns to the IRQL it had before the thread's frame.
    /// </summary>
    private void KiSwitchOutThreadFrame(Frame frame)
    {
        var thread = frame.Thread!;
        thread.SavedIrql = Irql;
        // Suspensions queued behind a call the thread did not await go with it.
        thread.DeferredHead = frame.DeferredHead;
        thread.DeferredTail = frame.DeferredTail;
        var returnIrql = frame.ReturnIrql;
        _depth--;
        frame.Clear();
        if (Irql != returnIrql)
        {
            SetIrql(returnIrql);
        }
    }

    private void KiThreadTerminated(KThread thread)
    {
        lock (Machine.DispatcherLock)
        {
            thread.State = KThreadState.Terminated;
            Machine.KiRundownThreadQueue(thread);
            thread.SignalState = 1;
            Machine.KiWaitTest(thread);
        }
    }

    private void KiCreateThreadForRoutine(KiRunRoutine run)
    {
        var routine = run.Routine;
        var thread = new KThread(run.Name, run.Module, _ => routine(), null, 8, this) { Process = run.Process, CurrentProcess = run.Process };
        thread.EnsureAddress(Machine);
        lock (Machine.DispatcherLock)
        {
            KiReadyThreadLocked(thread, front: false);
        }
    }

    private void KiOnWaitTimeout(KiWaitTimeout timeout)
    {
        var thread = timeout.Thread;
        lock (Machine.DispatcherLock)
        {
            if (thread.WaitGeneration != timeout.WaitGeneration || thread.WaitSatisfied)
            {
                return;
            }
            // A wait on no objects is KeDelayExecutionThread: its interval elapsing is its success (STATUS_SUCCESS).
            Machine.KiEndWait(thread, thread.WaitObjects.Length == 0 ? NtStatus.Success : NtStatus.Timeout);
        }
    }
}

internal sealed partial class Processor
{
    /// <summary>A wait ended: the thread goes back to its processor's ready queue. Caller holds the dispatcher lock.</summary>
    public void KiReadyThreadFromWait(KThread thread)
    {
        KiReadyThreadLocked(thread, front: false);
        if (CurrentOrNull != this)
        {
            Self.Tell(KiWake.Instance);
        }
    }
}
