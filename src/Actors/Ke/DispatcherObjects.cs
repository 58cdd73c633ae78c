namespace ActorKernel.Actors;

/// <summary>
/// A dispatcher object (WDM <c>DISPATCHER_HEADER</c>): something a thread can wait on. Its state and
/// wait list are guarded by the machine's dispatcher lock, as NT's dispatcher database lock does.
/// </summary>
public abstract class KDispatcherObject : KeObject
{
    internal int SignalState;
    internal readonly List<KThread> WaitList = [];
    private KDispatcherObject[]? _asWaitObjects;

    /// <summary>This object as a one-element wait-object array (read only): a single-object wait allocates nothing.</summary>
    internal KDispatcherObject[] AsWaitObjects => _asWaitObjects ??= [this];

    /// <summary>Whether the object is signaled now (a racy read; for tests and inspection).</summary>
    public bool IsSignaled => Volatile.Read(ref SignalState) > 0;

    /// <summary>Whether a wait by <paramref name="thread"/> would be satisfied now.</summary>
    internal virtual bool IsSignaledFor(KThread thread) => SignalState > 0;

    /// <summary>The side effect of satisfying a wait (auto-reset, count decrement, ownership).</summary>
    internal virtual void Acquire(KThread thread)
    {
    }
}

/// <summary>WDM <c>EVENT_TYPE</c>.</summary>
public enum EventType
{
    /// <summary>NotificationEvent (0): stays signaled until reset; releases every waiter.</summary>
    NotificationEvent = 0,

    /// <summary>SynchronizationEvent (1): releases one waiter and resets itself.</summary>
    SynchronizationEvent = 1,
}

/// <summary>An event (WDM <c>KEVENT</c>).</summary>
public sealed class KEvent : KDispatcherObject
{
    /// <summary>Notification or synchronization.</summary>
    public EventType Type { get; internal set; }

    /// <summary>The event as an IRP's UserEvent (made once, so overlapped requests that name it allocate nothing for it).</summary>
    internal KEventSignal IoSignal => _ioSignal ??= new KEventSignal(this);

    private KEventSignal? _ioSignal;

    internal override void Acquire(KThread thread)
    {
        if (Type == EventType.SynchronizationEvent)
        {
            SignalState = 0;
        }
    }
}

/// <summary>A semaphore (WDM <c>KSEMAPHORE</c>): signaled while its count is above zero.</summary>
public sealed class KSemaphore : KDispatcherObject
{
    /// <summary>The maximum count.</summary>
    public int Limit { get; internal set; }

    /// <summary>The current count.</summary>
    public int Count => Volatile.Read(ref SignalState);

    internal override void Acquire(KThread thread) => SignalState--;
}

/// <summary>A kernel mutex (WDM <c>KMUTEX</c>): owned by one thread, which may acquire it recursively.</summary>
public sealed class KMutex : KDispatcherObject
{
    /// <summary>The owning thread, or null.</summary>
    public KThread? OwnerThread { get; internal set; }

    /// <summary>How many times the owner acquired it.</summary>
    public int RecursionCount { get; internal set; }

    internal override bool IsSignaledFor(KThread thread) => OwnerThread is null || OwnerThread == thread;

    internal override void Acquire(KThread thread)
    {
        OwnerThread = thread;
        RecursionCount++;
        SignalState = 1 - RecursionCount; // as KMUTANT: 0 when owned once, negative when owned recursively
    }
}

/// <summary>How a multiple-object wait is satisfied (WDM <c>WAIT_TYPE</c>).</summary>
public enum WaitType
{
    /// <summary>WaitAll (0): every object must be signaled.</summary>
    WaitAll = 0,

    /// <summary>WaitAny (1): one object suffices; the status says which (STATUS_WAIT_0 + index).</summary>
    WaitAny = 1,
}

/// <summary>WDM <c>KWAIT_REASON</c> (the values drivers use).</summary>
public enum KWaitReason
{
    /// <summary>Executive (0).</summary>
    Executive = 0,

    /// <summary>UserRequest (6).</summary>
    UserRequest = 6,
}

public static partial class Wdm
{
    /// <summary>KeInitializeEvent.</summary>
    /// <remarks>Any IRQL; also outside a routine.</remarks>
    public static void KeInitializeEvent(KEvent eventObject, EventType type, bool state)
    {
        ArgumentNullException.ThrowIfNull(eventObject);
        eventObject.Type = type;
        eventObject.SignalState = state ? 1 : 0;
    }

    /// <summary>KeSetEvent: signals the event, satisfying waits; returns the previous state.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static int KeSetEvent(KEvent eventObject, int increment, bool wait)
    {
        KiSchedulingPoint.Write(eventObject);
        KiChecked.KeSetEvent();
        ArgumentNullException.ThrowIfNull(eventObject);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DispatcherObjectNs);
        var machine = processor.Machine;
        lock (machine.DispatcherLock)
        {
            var previous = eventObject.SignalState;
            eventObject.SignalState = 1;
            machine.KiWaitTest(eventObject);
            return previous;
        }
    }

    /// <summary>KeResetEvent: makes the event not signaled; returns the previous state.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static int KeResetEvent(KEvent eventObject)
    {
        KiSchedulingPoint.Write(eventObject);
        ArgumentNullException.ThrowIfNull(eventObject);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DispatcherObjectNs);
        lock (processor.Machine.DispatcherLock)
        {
            var previous = eventObject.SignalState;
            eventObject.SignalState = 0;
            return previous;
        }
    }

    /// <summary>KeClearEvent: makes the event not signaled.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void KeClearEvent(KEvent eventObject) => KeResetEvent(eventObject);

    /// <summary>KeReadStateEvent: 1 when signaled, else 0.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static int KeReadStateEvent(KEvent eventObject)
    {
        ArgumentNullException.ThrowIfNull(eventObject);
        return eventObject.IsSignaled ? 1 : 0;
    }

    /// <summary>KeInitializeSemaphore.</summary>
    /// <remarks>Any IRQL; also outside a routine.</remarks>
    public static void KeInitializeSemaphore(KSemaphore semaphore, int count, int limit)
    {
        ArgumentNullException.ThrowIfNull(semaphore);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, Math.Max(1, count));
        semaphore.SignalState = count;
        semaphore.Limit = limit;
    }

    /// <summary>
    /// KeReleaseSemaphore: adds <paramref name="adjustment"/> to the count; returns the previous count.
    /// Exceeding the limit (or a negative adjustment) raises STATUS_SEMAPHORE_LIMIT_EXCEEDED as
    /// ExRaiseStatus does: the caller may catch it (<see cref="NtStatusException"/>); unhandled it is
    /// KMODE_EXCEPTION_NOT_HANDLED (0x1E), or SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (0x7E) in a system
    /// thread, with P1 = 0xC0000047. The count is left unchanged.
    /// </summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static int KeReleaseSemaphore(KSemaphore semaphore, int increment, int adjustment, bool wait)
    {
        KiSchedulingPoint.Write(semaphore);
        ArgumentNullException.ThrowIfNull(semaphore);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DispatcherObjectNs);
        var machine = processor.Machine;
        lock (machine.DispatcherLock)
        {
            var previous = semaphore.SignalState;
            if (adjustment < 0 || (long)previous + adjustment > semaphore.Limit)
            {
                // ReactOS KeReleaseSemaphore: ExRaiseStatus(STATUS_SEMAPHORE_LIMIT_EXCEEDED), after dropping the dispatcher lock.
                throw new NtStatusException(NtStatus.SemaphoreLimitExceeded);
            }
            semaphore.SignalState = previous + adjustment;
            machine.KiWaitTest(semaphore);
            return previous;
        }
    }

    /// <summary>KeInitializeMutex: a free mutex.</summary>
    /// <remarks>Any IRQL; also outside a routine.</remarks>
    public static void KeInitializeMutex(KMutex mutex, int level)
    {
        ArgumentNullException.ThrowIfNull(mutex);
        mutex.OwnerThread = null;
        mutex.RecursionCount = 0;
        mutex.SignalState = 1;
    }

    /// <summary>
    /// KeReleaseMutex: releases one level of ownership; the mutex is free when the owner released it
    /// as often as it acquired it. A thread that does not own it bugchecks THREAD_NOT_MUTEX_OWNER (0x11).
    /// </summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL, called by the owning thread.</remarks>
    public static int KeReleaseMutex(KMutex mutex, bool wait)
    {
        KiSchedulingPoint.Write(mutex);
        ArgumentNullException.ThrowIfNull(mutex);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DispatcherObjectNs);
        var machine = processor.Machine;
        var thread = processor.Top?.Thread;
        lock (machine.DispatcherLock)
        {
            if (mutex.OwnerThread is null || mutex.OwnerThread != thread)
            {
                throw processor.KiBugCheck(processor.Top, BugCheckCode.ThreadNotMutexOwner, mutex.EnsureAddress(machine),
                    thread?.EnsureAddress(machine) ?? 0, mutex.OwnerThread?.EnsureAddress(machine) ?? 0, 0,
                    $"{processor.Top?.RoutineName} released a mutex it does not own");
            }
            // KeReleaseMutant returns the previous signal state: 0 when this release frees the mutex.
            var previous = mutex.SignalState;
            mutex.SignalState = 1 - --mutex.RecursionCount;
            if (mutex.RecursionCount == 0)
            {
                mutex.OwnerThread = null;
                Verifier.VfDeadlockDetection.KiMutexReleased(mutex, thread); // deadlock detection: no longer held
                machine.KiWaitTest(mutex);
            }
            return previous;
        }
    }

    /// <summary>KeReadStateMutex: the signal state: 1 when free, 0 when owned once, negative when owned recursively.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static int KeReadStateMutex(KMutex mutex)
    {
        ArgumentNullException.ThrowIfNull(mutex);
        return mutex.SignalState;
    }
}
