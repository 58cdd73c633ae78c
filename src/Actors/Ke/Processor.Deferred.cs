using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>How a frame last suspended (what its parked continuation waits for).</summary>
internal enum KiSuspension : byte
{
    None,
    Yield,
    Hop,
    Wait,
    Spin,

    /// <summary>A KeRaiseIrql/KeLowerIrql behind a call not awaited: the IRQL changes once that call finished (no continuation).</summary>
    Irql,

    /// <summary>A spin lock release behind a call not awaited: the lock is released once that call finished (no continuation).</summary>
    Release,
}

/// <summary>
/// A suspension a frame asked for while it was already suspended in the same slice: the routine
/// did not await a kernel awaitable at once (<c>_ = IoCallDriver(lower, irp); return STATUS_PENDING;</c>).
/// It waits in the frame's queue until the outstanding one has finished (a hop: the dispatch
/// routine ran to its first return), then it is applied in order.
/// </summary>
/// <remarks>Made only on that path (an await that was not at once); the awaited path allocates nothing.</remarks>
internal sealed class KiDeferredSuspension
{
    public KiSuspension Kind;

    // Null for an IRQL change or a release: applied, then the next entry is.
    public Action? Continuation;

    // A spin (the lock is tried only when applied), a release, an IRQL change.
    public KSpinLock? SpinLock;
    public Irql NewIrql;

    // A hop: what KiSuspendForHop takes.
    public KiHop? Hop;
    public IActorRef? Target;

    // A wait: KiWait's arguments; the wait is registered only when it is applied, after the hop. Registered: a
    // KeRemoveQueue already registered (its entry may be handed over meanwhile); the thread then waits on nothing else.
    public KThread? Thread;
    public bool Registered;
    public KDispatcherObject[] Objects = [];
    public WaitType WaitType;
    public long? Timeout;
    public string Service = "";

    /// <summary>The next suspension in the frame's queue.</summary>
    public KiDeferredSuspension? Next;
}

internal sealed partial class Processor
{
    /// <summary>
    /// Whether a suspension asked for by the running frame must wait: the frame already suspended in
    /// this slice (its routine did not await a kernel awaitable at once, e.g. an IoCallDriver whose
    /// hop is still in flight). Then the request is queued behind it (true), or, when running it
    /// later could not be what NT would have done, the machine stops with
    /// KMODE_EXCEPTION_NOT_HANDLED / STATUS_ASSERTION_FAILURE naming the routine that did not await
    /// (true: the caller just returns).
    /// </summary>
    private bool KiDeferIfSuspended(Frame frame, KiSuspension kind, Action? continuation, KiDeferredSuspension? entry = null)
    {
        if (frame.State == FrameState.Running)
        {
            return false;
        }
        if (Machine.IsBugChecked)
        {
            return true;
        }
        string? refusal = null;
        if (frame.State is FrameState.Blocked or FrameState.Spinning)
        {
            refusal = $"a {(frame.State == FrameState.Blocked ? "wait" : "spin lock acquire")} that was not awaited at once";
        }
        else if (Irql != frame.SuspendIrql)
        {
            refusal = $"it then changed IRQL from {frame.SuspendIrql.ToDisplayString()} to {Irql.ToDisplayString()} before the first call had finished";
        }
        if (refusal is not null)
        {
            KiBugCheckNotAwaited(frame, refusal);
            return true;
        }
        entry ??= new KiDeferredSuspension();
        entry.Kind = kind;
        entry.Continuation = continuation;
        // After what this slice already queued, before what earlier slices queued (see Frame.DeferredCursor).
        if (frame.DeferredCursor is { } cursor)
        {
            entry.Next = cursor.Next;
            cursor.Next = entry;
        }
        else
        {
            entry.Next = frame.DeferredHead;
            frame.DeferredHead = entry;
        }
        if (entry.Next is null)
        {
            frame.DeferredTail = entry;
        }
        frame.DeferredCursor = entry;
        return true;
    }

    /// <summary>Stops the machine: the frame's routine did not await a kernel awaitable at once and what followed cannot wait for it.</summary>
    private void KiBugCheckNotAwaited(Frame frame, string why)
    {
        string note;
        if (frame.LastSuspension == KiSuspension.Hop && frame.HopCallerModule is { } module)
        {
            // The dump names the driver that called IoCallDriver, not whoever runs now.
            frame.Module = module;
            frame.RoutineName = frame.HopCallerRoutine ?? frame.RoutineName;
            note = $"IoCallDriver was not awaited by {module.Name} ({frame.RoutineName}): {why}; await it (`return await IoCallDriver(...)`)";
        }
        else
        {
            note = $"{frame.RoutineName} did not await a kernel service at once ({frame.LastSuspension}): {why}; await every Ke*/Io* awaitable at once";
        }
        KiBugCheck(frame, BugCheckCode.KmodeExceptionNotHandled, StatusAssertionFailure, Machine.RoutineAddress(frame.Module, frame.RoutineName), 0, 0, note);
    }

    /// <summary>
    /// The slice ended with nothing suspended and a suspension queued: the one it waited behind has
    /// finished (a hop's dispatch routine returned), so the next one takes effect now.
    /// </summary>
    private void KiApplyDeferred(Frame frame)
    {
        var entry = frame.DeferredHead!;
        frame.DeferredCursor = null;
        frame.DeferredHead = entry.Next;
        if (frame.DeferredHead is null)
        {
            frame.DeferredTail = null;
        }
        entry.Next = null;
        var continuation = entry.Continuation!;
        switch (entry.Kind)
        {
            case KiSuspension.Irql:
                if (entry.NewIrql != Irql)
                {
                    SetIrql(entry.NewIrql);
                }
                frame.SuspendIrql = Irql;
                break;
            case KiSuspension.Release:
                if (!KiRelease(entry.SpinLock!))
                {
                    KiBugCheck(frame, BugCheckCode.SpinLockNotOwned, entry.SpinLock!.EnsureAddress(Machine), 0, 0, 0,
                        $"{frame.RoutineName} released spin lock {entry.SpinLock.Name} that processor {Number} does not hold");
                }
                break;
            case KiSuspension.Spin:
                KiApplyDeferredSpin(frame, entry.SpinLock!, continuation);
                break;
            case KiSuspension.Yield:
                // Its cost was charged when it was asked for: pay what the frame owes and go on.
                KiYield(0, continuation);
                break;
            case KiSuspension.Hop:
                KiSuspendForHop(entry.Hop!, entry.Target, continuation);
                break;
            case KiSuspension.Wait when entry.Registered:
                entry.Thread!.WaitBehindCallModule = null;
                entry.Thread.WaitBehindCallRoutine = null;
                KiBlockThread(entry.Thread, continuation);
                break;
            case KiSuspension.Wait:
                KiApplyDeferredWait(frame, entry, continuation);
                break;
            default:
                throw new KernelInvariantException($"Processor {Number}: a deferred {entry.Kind} on {frame.RoutineName}.");
        }
    }

    /// <summary>A wait asked for behind a hop: registered now (the dispatch routine may have signaled its object meanwhile).</summary>
    private void KiApplyDeferredWait(Frame frame, KiDeferredSuspension entry, Action continuation)
    {
        var thread = entry.Thread!;
        KWaitAwaitable wait;
        try
        {
            wait = Machine.KiWait(this, entry.Objects, entry.WaitType, entry.Timeout, entry.Service);
        }
        catch (BugCheckException) when (Machine.IsBugChecked)
        {
            return;
        }
        if (wait.IsCompleted)
        {
            lock (Machine.DispatcherLock)
            {
                thread.WaitStatus = wait.GetResult();
            }
            frame.Continuation = continuation;
            frame.State = FrameState.Ready;
            return;
        }
        KiBlockThread(thread, continuation);
    }

    /// <summary>
    /// A wait service called on a thread whose own registered wait is queued behind a call it did
    /// not await (a KeRemoveQueue after an un-awaited IoCallDriver, then a wait in the dispatch
    /// routine): a thread has one wait at a time, so the machine stops naming the driver that did not await.
    /// </summary>
    internal void KiRefuseSecondWait(KThread thread, string service)
    {
        if (thread.WaitBehindCallModule is not { } module || Top is not { Kind: FrameKind.Thread } frame || frame.Thread != thread)
        {
            return;
        }
        frame.Module = module;
        frame.RoutineName = thread.WaitBehindCallRoutine ?? frame.RoutineName;
        throw KiBugCheck(frame, BugCheckCode.KmodeExceptionNotHandled, StatusAssertionFailure, Machine.RoutineAddress(frame.Module, frame.RoutineName), 0, 0,
            $"IoCallDriver was not awaited by {module.Name} ({frame.RoutineName}): the thread then waited, and the dispatch routine called {service} " +
            "before that wait began (a thread has one wait at a time); await it (`return await IoCallDriver(...)`)");
    }

    /// <summary>KiWait's entry when the frame is already suspended in this slice: the wait is registered after the outstanding call finished.</summary>
    internal KWaitAwaitable KiDeferWait(KThread thread, KDispatcherObject[] objects, WaitType waitType, long? timeout, string service) =>
        new(thread, new KiDeferredSuspension { Kind = KiSuspension.Wait, Thread = thread, Objects = objects, WaitType = waitType, Timeout = timeout, Service = service });

    /// <summary>The awaiter of a deferred wait.</summary>
    internal void KiBlockThreadDeferred(KiDeferredSuspension entry, Action continuation)
    {
        var frame = Top!;
        if (!KiDeferIfSuspended(frame, KiSuspension.Wait, continuation, entry))
        {
            // Whatever the wait waited behind finished before the await (it was awaited at once after all): apply it now.
            KiApplyDeferredWait(frame, entry, continuation);
        }
    }

    /// <summary>Whether the running routine's frame is suspended in this slice (it did not await a call): what it asks for now waits behind that call.</summary>
    internal bool KiBehindUnawaitedCall => Top is { State: not FrameState.Running and not FrameState.Completing };

    /// <summary>The IRQL the running routine sees: the last change it queued behind a call it did not await, else the processor's.</summary>
    internal Irql KiRoutineIrql => Top is { DeferredIrqlQueued: true } frame && KiBehindUnawaitedCall ? frame.DeferredIrql : Irql;

    /// <summary>
    /// KeRaiseIrql/KeLowerIrql (and the spin-lock services that change IRQL) behind an IoCallDriver not awaited: in NT the
    /// dispatch routine ran inside the call at the caller's IRQL, so the change is queued and made once it has returned.
    /// </summary>
    private void KiDeferIrqlChange(Irql newIrql)
    {
        var frame = Top!;
        frame.DeferredIrqlQueued = true;
        frame.DeferredIrql = newIrql;
        KiDeferIfSuspended(frame, KiSuspension.Irql, null, new KiDeferredSuspension { NewIrql = newIrql });
    }

    /// <summary>A spin lock release behind a call not awaited: the dispatch routine ran under the lock in NT.</summary>
    private void KiDeferRelease(KSpinLock spinLock) =>
        KiDeferIfSuspended(Top!, KiSuspension.Release, null, new KiDeferredSuspension { SpinLock = spinLock });

    /// <summary>A spin lock acquire asked for behind a call not awaited: tried now that the call finished, spinning if another processor holds it.</summary>
    private void KiApplyDeferredSpin(Frame frame, KSpinLock spinLock, Action continuation)
    {
        switch (KiTryAcquireCore(spinLock, frame))
        {
            case AcquireResult.Acquired:
                KiYield(0, continuation);
                break;
            case AcquireResult.MustSpin:
                frame.LastSuspension = KiSuspension.Spin;
                frame.SuspendIrql = Irql;
                frame.Continuation = continuation;
                KiStartSpin(frame, spinLock);
                break;
            default:
                KiBugCheck(frame, BugCheckCode.SpinLockAlreadyOwned, spinLock.EnsureAddress(Machine), 0, 0, 0,
                    $"{frame.RoutineName} acquired spin lock {spinLock.Name} that processor {Number} already holds");
                break;
        }
    }

    /// <summary>
    /// The dispatch routine of a hop must start at the IRQL its caller had at IoCallDriver (in NT it runs inside the call):
    /// an IRQL changed behind the caller's back (not through the Ke services, which queue the change) stops the machine
    /// naming the driver that did not await, rather than losing the IRP.
    /// </summary>
    internal void KiCheckHopIrql(Irql irqlAtCall)
    {
        if (Irql != irqlAtCall && Top is { } frame)
        {
            KiBugCheckNotAwaited(frame, $"IRQL changed from {irqlAtCall.ToDisplayString()} to {Irql.ToDisplayString()} before its dispatch routine ran");
            throw new BugCheckException(BugCheckCode.KmodeExceptionNotHandled, StatusAssertionFailure, 0, 0, 0);
        }
    }
}
