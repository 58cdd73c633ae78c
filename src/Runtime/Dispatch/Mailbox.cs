using System.Collections.Concurrent;
using System.Diagnostics;

namespace ActorKernel.Runtime;

/// <summary>
/// An actor's two queues and its run loop, shared by both dispatchers: system messages first, then
/// user messages up to a budget, re-draining system messages after each user message.
/// </summary>
internal sealed class Mailbox : IThreadPoolWorkItem
{
    private const int Scheduled = 1;
    private const int Closed = 2;

    // One consumer: the actor's turn; once closed, whoever drains to dead letters, under _drainGate.
    private readonly MpscQueue<Envelope> _user;
    private readonly Lock _drainGate = new();
    private readonly ConcurrentQueue<SystemMessage> _system = new();
    private readonly Dispatcher _dispatcher;

    // Scheduled/Closed bits; touched only through Interlocked so a Tell racing the end of a turn is never lost.
    private int _statusDoNotCallMeDirectly;

    // System messages enqueued and not yet dequeued. Raised after the enqueue, so a non-zero count means
    // one is there; the hot path reads this int instead of asking the queue, which costs more when empty.
    private int _systemCount;

    public Mailbox(ActorCell cell, Dispatcher dispatcher)
    {
        Cell = cell;
        _dispatcher = dispatcher;
        // The deterministic dispatcher's Tells never overlap (its thread, or while it is not running): no CAS per Tell.
        _user = new MpscQueue<Envelope>(0, singleProducer: dispatcher is DeterministicDispatcher);
        Id = dispatcher.NextActorId();
    }

    /// <summary>A stable number for the actor, in creation order (deterministic on the deterministic dispatcher): what a scheduling strategy sees.</summary>
    public int Id { get; }

    public ActorCell Cell { get; }

    /// <summary>Slot in the deterministic dispatcher's ready set; -1 when not in it.</summary>
    public int ReadyIndex { get; set; } = -1;

    public bool IsClosed => (Volatile.Read(ref _statusDoNotCallMeDirectly) & Closed) != 0;

    public bool HasUserMessages => !_user.IsEmpty;

    public bool HasSystemMessages => Volatile.Read(ref _systemCount) != 0;

    /// <summary>Whether a turn would do anything now.</summary>
    public bool HasWork => HasSystemMessages || (!IsClosed && Cell.SuspendCount == 0 && (!_user.IsEmpty || Cell.HasUnstashed));

    /// <summary>Enqueues and makes the actor runnable; false if the mailbox was already closed (the caller reroutes).</summary>
    public bool Post(in Envelope envelope) => Post(envelope, ask: false);

    /// <summary>As <see cref="Post(in Envelope)"/>; an Ask's question (<paramref name="ask"/>) may run the turn on the asking thread (<see cref="Dispatcher.ScheduleForAsk"/>).</summary>
    public bool Post(in Envelope envelope, bool ask)
    {
        _user.Enqueue(envelope);
        if (IsClosed)
        {
            return false;
        }
        if (ask)
        {
            _dispatcher.ScheduleForAsk(this);
        }
        else
        {
            _dispatcher.Schedule(this);
        }
        return true;
    }

    public bool PostSystem(SystemMessage message)
    {
        _system.Enqueue(message);
        Interlocked.Increment(ref _systemCount); // full fence: a turn ending now sees it (see Execute)
        if (IsClosed)
        {
            return false;
        }
        _dispatcher.Schedule(this);
        return true;
    }

    /// <summary>
    /// The actor's turn takes messages without a lock: only that turn dequeues while the mailbox is open,
    /// and only that turn closes it. Once closed, the turn's own final drain and any Tell that finds the
    /// mailbox closed may drain at the same time, so they take turns under a lock.
    /// </summary>
    public bool TryDequeueUser(out Envelope envelope)
    {
        if (!IsClosed)
        {
            return _user.TryDequeue(out envelope);
        }
        lock (_drainGate)
        {
            return _user.TryDequeue(out envelope);
        }
    }

    public bool TryDequeueSystem([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out SystemMessage message)
    {
        if (Volatile.Read(ref _systemCount) == 0 || !_system.TryDequeue(out message))
        {
            message = null;
            return false;
        }
        Interlocked.Decrement(ref _systemCount);
        return true;
    }

    /// <summary>Claims the right to run (concurrent dispatcher); false if already scheduled or closed.</summary>
    public bool TrySetScheduled()
    {
        while (true)
        {
            var status = Volatile.Read(ref _statusDoNotCallMeDirectly);
            if ((status & (Scheduled | Closed)) != 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _statusDoNotCallMeDirectly, status | Scheduled, status) == status)
            {
                return true;
            }
        }
    }

    public void SetIdle() => Interlocked.And(ref _statusDoNotCallMeDirectly, ~Scheduled);

    /// <summary>Whether a run is claimed: queued for a worker or in a turn (a reply sent in a turn can arrive before the turn ends).</summary>
    public bool IsScheduled => (Volatile.Read(ref _statusDoNotCallMeDirectly) & Scheduled) != 0;

    public void Close() => Interlocked.Or(ref _statusDoNotCallMeDirectly, Closed);

    /// <summary>One turn: all system messages, then up to <paramref name="throughput"/> user messages.</summary>
    /// <returns>Whether work remains.</returns>
    public bool Run(int throughput)
    {
        Debug.Assert(throughput > 0, "a turn must be allowed to deliver at least one message");
        var cell = Cell;
        if (HasSystemMessages)
        {
            cell.ProcessSystemMessages();
        }
        for (var delivered = 0; delivered < throughput; delivered++)
        {
            if (IsClosed || cell.SuspendCount != 0 || !cell.TryDequeueNext(out var envelope))
            {
                break;
            }
            cell.Invoke(envelope);
            if (HasSystemMessages)
            {
                cell.ProcessSystemMessages();
            }
        }
        return HasWork;
    }

    /// <summary>Concurrent dispatcher: one turn on a thread-pool thread, then hand back or reschedule.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        var more = false;
        try
        {
            more = Run(_dispatcher.Throughput);
        }
        finally
        {
            if (more && !IsClosed)
            {
                // Still ours (Scheduled stays set, so no Tell can schedule a second run): skip the
                // status round trip, and queue behind the actors already waiting so a busy actor
                // cannot starve them.
                ((ConcurrentDispatcher)_dispatcher).Requeue(this);
            }
            else
            {
                // Idle first, then look again: a Tell that saw Scheduled before SetIdle is seen here.
                SetIdle();
                if (HasWork)
                {
                    _dispatcher.Schedule(this);
                }
            }
        }
    }
}
