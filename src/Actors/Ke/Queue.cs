using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>
/// A kernel queue (WDM <c>KQUEUE</c>), the object under I/O completion ports and the system worker
/// queues. Entries are removed in FIFO order (KeInsertHeadQueue puts one in front); waiting threads
/// are released LIFO (the most recent waiter takes the next entry, so a hot thread keeps running).
/// <see cref="MaximumCount"/> is the concurrency value: an entry is handed to a thread only while
/// fewer than that many threads associated with the queue run. A thread becomes associated by
/// removing from the queue (KTHREAD.Queue); when it blocks on anything else it stops counting
/// (KiActivateWaiterQueue may then release a waiter), and counts again when it wakes.
/// SignalState is the number of entries queued. Everything is guarded by the machine's dispatcher lock.
/// </summary>
public sealed class KQueue : KDispatcherObject
{
    private object?[] _entries = new object?[16];
    private int _head;
    private int _maximumCount;
    private uint _requestedCount;

    internal int CurrentCountValue;
    internal readonly List<KThread> ThreadList = [];

    // Guards the queue before it is bound to a machine (then the dispatcher lock does).
    internal readonly Lock UnboundGate = new();
    internal Machine? Machine;

    /// <summary>The concurrency value (0 until a queue initialised with count 0 is first used on a machine, then its processor count).</summary>
    public int MaximumCount => Volatile.Read(ref _maximumCount);

    /// <summary>Associated threads running now (not waiting). A racy read, for tests and inspection.</summary>
    public int CurrentCount => Volatile.Read(ref CurrentCountValue);

    /// <summary>Entries queued (the signal state). A racy read, for tests and inspection.</summary>
    public int EntryCount => Volatile.Read(ref SignalState);

    /// <summary>Threads associated with the queue now (a snapshot taken under the dispatcher lock when the queue is bound to a machine).</summary>
    public IReadOnlyList<KThread> AssociatedThreads
    {
        get
        {
            lock (Machine?.DispatcherLock ?? UnboundGate)
            {
                return [.. ThreadList];
            }
        }
    }

    /// <summary>Generic waits (KeWaitForSingleObject on the queue) see it signaled while entries are queued; KeRemoveQueue waiters are served by KiInsertQueue only.</summary>
    internal override bool IsSignaledFor(KThread thread) => !thread.WaitingOnQueue && SignalState > 0;

    internal void KiInitialize(uint count)
    {
        _requestedCount = count;
        SignalState = 0;
        CurrentCountValue = 0;
        _head = 0;
        Array.Clear(_entries);
        ThreadList.Clear();
        _maximumCount = count == 0 ? Machine?.ProcessorCount ?? 0 : (int)Math.Min(count, int.MaxValue);
    }

    /// <summary>Binds the queue to the machine it is used on (resolving a count of 0). Caller holds the dispatcher lock or runs before any use.</summary>
    internal void KiBind(Machine machine)
    {
        if (Machine is null)
        {
            Machine = machine;
            if (_requestedCount == 0)
            {
                _maximumCount = machine.ProcessorCount;
            }
        }
        else if (Machine != machine)
        {
            throw new InvalidOperationException("A KQUEUE belongs to one machine.");
        }
    }

    /// <summary>Adds an entry at the tail (or head). Caller holds the dispatcher lock.</summary>
    internal void KiEnqueue(object entry, bool head)
    {
        var count = SignalState;
        if (count == _entries.Length)
        {
            var grown = new object?[count * 2];
            for (var i = 0; i < count; i++)
            {
                grown[i] = _entries[(_head + i) % count];
            }
            _entries = grown;
            _head = 0;
        }
        if (head)
        {
            _head = (_head - 1 + _entries.Length) % _entries.Length;
            _entries[_head] = entry;
        }
        else
        {
            _entries[(_head + count) % _entries.Length] = entry;
        }
        SignalState = count + 1;
    }

    /// <summary>Takes the entry at the head. Caller holds the dispatcher lock and checked SignalState &gt; 0.</summary>
    internal object KiDequeue()
    {
        Debug.Assert(SignalState > 0, "an entry is dequeued only when one is queued");
        var entry = _entries[_head]!;
        _entries[_head] = null;
        _head = (_head + 1) % _entries.Length;
        SignalState--;
        return entry;
    }

    /// <summary>The most recent KeRemoveQueue waiter (LIFO), or null. Caller holds the dispatcher lock.</summary>
    internal KThread? KiLastRemoveWaiter()
    {
        for (var i = WaitList.Count - 1; i >= 0; i--)
        {
            if (WaitList[i].WaitingOnQueue)
            {
                return WaitList[i];
            }
        }
        return null;
    }

    [Conditional("DEBUG")]
    internal void AssertInvariants()
    {
        Debug.Assert(SignalState >= 0, "the signal state counts queued entries, never below zero");
        Debug.Assert(SignalState == 0 || CurrentCountValue >= MaximumCount || KiLastRemoveWaiter() is null,
            "entries wait in the queue only while the concurrency is used up or no thread waits to remove");
    }
}

/// <summary>
/// What <see cref="Wdm.KeRemoveQueue"/> returns: completes at once when an entry was there and the
/// concurrency allowed it (or a poll failed); otherwise the thread blocks until an entry is handed
/// to it or the timeout expires. The result is (STATUS_SUCCESS, entry) or (STATUS_TIMEOUT, null).
/// </summary>
/// <remarks>Await it at once, exactly once.</remarks>
public readonly struct KQueueRemoval : ICriticalNotifyCompletion
{
    private readonly KThread? _blocking;
    private readonly NtStatus _status;
    private readonly object? _entry;

    internal KQueueRemoval(KThread? blocking, NtStatus status, object? entry)
    {
        _blocking = blocking;
        _status = status;
        _entry = entry;
    }

    /// <summary>Whether the removal finished without blocking.</summary>
    public bool IsCompleted => _blocking is null;

    /// <summary>The awaiter (this value).</summary>
    public KQueueRemoval GetAwaiter() => this;

    /// <summary>The status and the entry removed (null on STATUS_TIMEOUT).</summary>
    public (NtStatus Status, object? Entry) GetResult()
    {
        if (_blocking is null)
        {
            return (_status, _entry);
        }
        var entry = _blocking.QueueEntry;
        _blocking.QueueEntry = null;
        return (_blocking.WaitStatus, entry);
    }

    /// <inheritdoc />
    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    /// <inheritdoc />
    public void UnsafeOnCompleted(Action continuation) => _blocking!.Processor!.KiBlockThread(_blocking, continuation);
}

public static partial class Wdm
{
    /// <summary>
    /// KeInitializeQueue: an empty queue whose concurrency value is <paramref name="count"/>
    /// (0 = the machine's processor count).
    /// </summary>
    /// <remarks>Any IRQL; also outside a routine.</remarks>
    public static void KeInitializeQueue(KQueue queue, uint count)
    {
        ArgumentNullException.ThrowIfNull(queue);
        queue.KiInitialize(count);
        if (Processor.CurrentOrNull is { } processor)
        {
            queue.KiBind(processor.Machine);
        }
    }

    /// <summary>
    /// KeInsertQueue: queues <paramref name="entry"/> at the tail, or hands it straight to the most
    /// recent waiter when the concurrency allows. Returns the previous signal state (entries queued).
    /// </summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL (above it bugchecks IRQL_NOT_LESS_OR_EQUAL, P1 = the queue, P2 = IRQL).</remarks>
    public static int KeInsertQueue(KQueue queue, object entry) => KiInsertQueueService(KiSchedulingPoint.Written(queue, queue), entry, head: false, nameof(KeInsertQueue));

    /// <summary>KeInsertHeadQueue: as KeInsertQueue, but a queued entry goes to the head (removed next).</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static int KeInsertHeadQueue(KQueue queue, object entry) => KiInsertQueueService(KiSchedulingPoint.Written(queue, queue), entry, head: true, nameof(KeInsertHeadQueue));

    /// <summary>
    /// KeRemoveQueue: the calling thread becomes associated with the queue and takes the head entry
    /// when one is there and fewer than MaximumCount associated threads run; otherwise it waits (LIFO
    /// among waiters). <paramref name="timeout"/> as KeWaitForSingleObject: 100 ns units, negative =
    /// relative, positive = absolute, 0 = poll, null = forever. Await it for (STATUS_SUCCESS, entry)
    /// or (STATUS_TIMEOUT, null).
    /// </summary>
    /// <remarks>
    /// IRQL &lt;= APC_LEVEL, or DISPATCH_LEVEL with a zero timeout; a null or non-zero timeout at
    /// DISPATCH_LEVEL or above bugchecks IRQL_NOT_LESS_OR_EQUAL (0xA; P1 = the queue, P2 = IRQL, P3 = 0,
    /// P4 = KeRemoveQueue's address). Outside a thread (a DPC polling) no thread is associated.
    /// </remarks>
    public static KQueueRemoval KeRemoveQueue(KQueue queue, KProcessorMode waitMode, long? timeout)
    {
        KiSchedulingPoint.Write(queue);
        ArgumentNullException.ThrowIfNull(queue);
        var processor = Processor.Current;
        return processor.Machine.KiRemoveQueue(processor, queue, timeout);
    }

    /// <summary>
    /// KeRundownQueue: empties the queue, returning the entries that were left (in order), and ends
    /// every thread's association with it. No thread may be waiting on it.
    /// </summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL; also outside a routine.</remarks>
    public static IReadOnlyList<object> KeRundownQueue(KQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        if (Processor.CurrentOrNull is { } processor)
        {
            processor.KiCharge(processor.Costs.DispatcherObjectNs);
            queue.KiBind(processor.Machine);
        }
        lock (queue.Machine?.DispatcherLock ?? queue.UnboundGate)
        {
            Debug.Assert(queue.KiLastRemoveWaiter() is null, "KeRundownQueue: no thread may be waiting on the queue (a remover holds a reference to its port)");
            var left = new object[queue.SignalState];
            for (var i = 0; i < left.Length; i++)
            {
                left[i] = queue.KiDequeue();
            }
            foreach (var thread in queue.ThreadList)
            {
                thread.Queue = null;
            }
            queue.ThreadList.Clear();
            return left;
        }
    }

    /// <summary>KeReadStateQueue: the number of entries queued.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static int KeReadStateQueue(KQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.EntryCount;
    }

    private static int KiInsertQueueService(KQueue queue, object entry, bool head, string service)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(entry);
        var processor = Processor.CurrentOrNull;
        if (processor is not null)
        {
            processor.KiCharge(processor.Costs.DispatcherObjectNs);
            var machine = processor.Machine;
            if (processor.Irql > Irql.DispatchLevel)
            {
                throw processor.KiBugCheck(processor.Top, BugCheckCode.IrqlNotLessOrEqual, queue.EnsureAddress(machine), (ulong)processor.Irql, 0,
                    machine.RoutineAddress(KernelModule.Kernel, service), $"{processor.Top?.RoutineName} called {service} at {processor.Irql.ToDisplayString()}");
            }
            lock (machine.DispatcherLock)
            {
                queue.KiBind(machine);
                return machine.KiInsertQueue(queue, entry, head);
            }
        }
        // Outside any routine (a test or the host feeding the queue): the machine it was used on serves its waiters.
        var bound = queue.Machine;
        if (bound is null)
        {
            lock (queue.ThreadList)
            {
                var previous = queue.SignalState;
                queue.KiEnqueue(entry, head);
                return previous;
            }
        }
        lock (bound.DispatcherLock)
        {
            return bound.KiInsertQueue(queue, entry, head);
        }
    }
}

public sealed partial class Machine
{
    /// <summary>KiInsertQueue: hands the entry to the most recent waiter if the concurrency allows, else queues it. Caller holds the dispatcher lock.</summary>
    internal int KiInsertQueue(KQueue queue, object entry, bool head)
    {
        queue.AssertInvariants();
        var previous = queue.SignalState;
        if (queue.CurrentCountValue < queue.MaximumCount && queue.KiLastRemoveWaiter() is { } waiter)
        {
            // KiEndWait counts the waiter as running again (it is associated with this queue).
            waiter.QueueEntry = entry;
            KiEndWait(waiter, NtStatus.Success);
        }
        else
        {
            queue.KiEnqueue(entry, head);
            if (queue.WaitList.Count > 0)
            {
                KiWaitTest(queue); // generic waiters (KeWaitForSingleObject on the queue) only
            }
        }
        return previous;
    }

    /// <summary>
    /// KiActivateWaiterQueue: an associated thread stops running (it blocks on another object, moves to
    /// another queue or ends): it no longer counts, and a waiter may take the head entry. Caller holds the dispatcher lock.
    /// </summary>
    internal void KiActivateWaiterQueue(KQueue queue)
    {
        queue.CurrentCountValue--;
        if (queue.CurrentCountValue < queue.MaximumCount && queue.SignalState > 0 && queue.KiLastRemoveWaiter() is { } waiter)
        {
            waiter.QueueEntry = queue.KiDequeue();
            KiEndWait(waiter, NtStatus.Success);
        }
    }

    /// <summary>An associated thread terminates: it leaves the queue's thread list and stops counting. Caller holds the dispatcher lock.</summary>
    internal void KiRundownThreadQueue(KThread thread)
    {
        if (thread.Queue is { } queue)
        {
            thread.Queue = null;
            queue.ThreadList.Remove(thread);
            KiActivateWaiterQueue(queue);
        }
    }

    internal KQueueRemoval KiRemoveQueue(Processor processor, KQueue queue, long? timeout)
    {
        processor.KiCharge(processor.Costs.DispatcherObjectNs);
        // In a DPC, as any wait there: refused only when it would switch threads (ATTEMPTED_SWITCH_FROM_DPC, below).
        var inDpc = processor.Irql == Irql.DispatchLevel && processor.KiDpcRoutineActive;
        if ((timeout is null || timeout != 0) && processor.Irql >= Irql.DispatchLevel && !inDpc)
        {
            throw processor.KiBugCheck(processor.Top, BugCheckCode.IrqlNotLessOrEqual, queue.EnsureAddress(this), (ulong)processor.Irql, 0,
                RoutineAddress(KernelModule.Kernel, nameof(Wdm.KeRemoveQueue)),
                $"{processor.Top?.RoutineName} called KeRemoveQueue with a {(timeout is null ? "null" : "non-zero")} timeout at {processor.Irql.ToDisplayString()}");
        }
        queue.EnsureAddress(this);
        var thread = processor.Top is { Kind: FrameKind.Thread } top ? top.Thread : null;
        if (thread is not null)
        {
            processor.KiRefuseSecondWait(thread, nameof(Wdm.KeRemoveQueue));
        }
        lock (DispatcherLock)
        {
            queue.KiBind(this);
            queue.AssertInvariants();
            if (thread is not null)
            {
                var previousQueue = thread.Queue;
                if (previousQueue != queue)
                {
                    if (previousQueue is not null)
                    {
                        previousQueue.ThreadList.Remove(thread);
                        KiActivateWaiterQueue(previousQueue);
                    }
                    thread.Queue = queue;
                    queue.ThreadList.Add(thread);
                }
                else
                {
                    // Removing again: the thread's previous entry is done; it counts once, below, when it takes the next one.
                    queue.CurrentCountValue--;
                }
            }
            if (queue.CurrentCountValue < queue.MaximumCount && queue.SignalState > 0)
            {
                var entry = queue.KiDequeue();
                if (thread is not null)
                {
                    queue.CurrentCountValue++;
                }
                return new KQueueRemoval(null, NtStatus.Success, entry);
            }
            if (timeout == 0)
            {
                if (thread is not null)
                {
                    queue.CurrentCountValue++; // the poll failed: the thread runs on, counted
                }
                return new KQueueRemoval(null, NtStatus.Timeout, null);
            }
            if (thread is null && inDpc)
            {
                throw processor.KiAttemptedSwitchFromDpc(nameof(Wdm.KeRemoveQueue));
            }
            if (thread is null)
            {
                throw new InvalidOperationException($"KeRemoveQueue must block, but {processor.Top?.RoutineName} is not running in a thread.");
            }
            thread.WaitObjects = queue.AsWaitObjects;
            thread.WaitKind = WaitType.WaitAny;
            thread.WaitSatisfied = false;
            thread.Blocked = false;
            thread.WaitingOnQueue = true;
            thread.QueueEntry = null;
            thread.WaitGeneration++;
            queue.WaitList.Add(thread);
            if (timeout is { } t)
            {
                var delayNs = t < 0 ? -t * 100 : Math.Max(0, KiInterruptTimeNsOf(t) - NowNanoseconds);
                System.Scheduler.ScheduleTellOnce(delayNs, processor.Self, new KiWaitTimeout(thread, thread.WaitGeneration), processor.Self);
            }
            return new KQueueRemoval(thread, default, null);
        }
    }

    /// <summary>
    /// Ends the wait of every thread blocked in KeRemoveQueue on <paramref name="queue"/> with
    /// <paramref name="status"/> and no entry, and ends their association with it (the last handle
    /// of a completion port closed: STATUS_ABANDONED_WAIT_0). Caller holds the dispatcher lock.
    /// </summary>
    /// <returns>How many waiters were released.</returns>
    internal int KiAbandonQueueWaiters(KQueue queue, NtStatus status)
    {
        var released = 0;
        while (queue.KiLastRemoveWaiter() is { } waiter)
        {
            waiter.QueueEntry = null;
            KiEndWait(waiter, status);
            if (waiter.Queue == queue)
            {
                waiter.Queue = null;
                queue.ThreadList.Remove(waiter);
                queue.CurrentCountValue--;
            }
            released++;
        }
        return released;
    }

    /// <summary>Takes the head entry without waiting, whatever the concurrency (KeRemoveQueueEx after its first entry: the caller already counts as running).</summary>
    internal object? KiRemoveQueueNoWait(Processor processor, KQueue queue)
    {
        processor.KiCharge(processor.Costs.DispatcherObjectNs);
        lock (DispatcherLock)
        {
            return queue.SignalState > 0 ? queue.KiDequeue() : null;
        }
    }
}
