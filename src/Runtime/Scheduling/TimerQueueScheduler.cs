using System.Diagnostics;

namespace ActorKernel.Runtime;

/// <summary>
/// The timer queue both schedulers share: entries ordered by due time, then by a sequence number,
/// so that timers due at the same instant fire in the order they were set (never hash order).
/// </summary>
public abstract partial class TimerQueueScheduler : IScheduler
{
    private readonly TimerHeap _queue = new();
    private long _sequence;
    private long _actionFailures;

    // False for the virtual scheduler: the deterministic dispatcher that fires its timers is driven from
    // one thread, and timers, like Tells, are set from that thread or while it is not running, so the
    // queue needs no lock (four lock round trips per timer were a tenth of an IRP hop's cost there).
    private readonly bool _synchronized;

    /// <summary>A queue that any thread may use (the wall-clock scheduler's).</summary>
    protected TimerQueueScheduler()
        : this(synchronized: true)
    {
    }

    private protected TimerQueueScheduler(bool synchronized) => _synchronized = synchronized;

    private protected Lock Gate { get; } = new();

    /// <inheritdoc />
    public abstract long NowNanoseconds { get; }

    /// <inheritdoc />
    public abstract TimeProvider TimeProvider { get; }

    /// <summary>How many timers are waiting (cancelled ones included until their time comes or a compaction drops them).</summary>
    public int PendingTimers
    {
        get
        {
            if (!_synchronized)
            {
                return _queue.Count;
            }
            lock (Gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>How many <see cref="ScheduleOnce"/> actions threw; their exceptions were dropped.</summary>
    public long ActionFailures => Interlocked.Read(ref _actionFailures);

    /// <inheritdoc />
    public ICancelable ScheduleTellOnce(TimeSpan delay, IActorRef receiver, object message, IActorRef? sender)
    {
        var handle = new Cancelable();
        Add(new TimerEntry(receiver, message, sender, null, handle, 0), ToNanoseconds(delay));
        return handle;
    }

    /// <inheritdoc />
    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, IActorRef receiver, object message, IActorRef? sender)
    {
        var intervalNs = ToNanoseconds(interval);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(intervalNs, nameof(interval));
        var handle = new Cancelable();
        Add(new TimerEntry(receiver, message, sender, null, handle, intervalNs), ToNanoseconds(initialDelay));
        return handle;
    }

    /// <inheritdoc />
    public ICancelable ScheduleOnce(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return ScheduleCallbackOnce(ToNanoseconds(delay), static a => ((Action)a)(), action);
    }

    /// <summary>
    /// The cheap form for runtime internals (Ask timeouts): a static callback and its state, no closure;
    /// cancelling releases <paramref name="state"/> immediately.
    /// </summary>
    internal ICancelable ScheduleCallbackOnce(long delayNanoseconds, Action<object> callback, object state)
    {
        var handle = new ScheduledCallback(callback, state, this);
        Add(new TimerEntry(null, null, null, handle, handle, 0), delayNanoseconds);
        return handle;
    }

    /// <inheritdoc />
    public void ScheduleTellOnce(long delayNanoseconds, IActorRef receiver, object message, IActorRef? sender) =>
        Add(new TimerEntry(receiver, message, sender, null, null, 0), delayNanoseconds);

    /// <summary>Due time of the earliest timer, or <see cref="long.MaxValue"/> when none.</summary>
    private protected long NextDue()
    {
        if (!_synchronized)
        {
            return NextDueCore();
        }
        lock (Gate)
        {
            return NextDueCore();
        }
    }

    private long NextDueCore()
    {
        // A cancelled timer at the head must not move virtual time or keep a run from being quiescent.
        while (_queue.HeadHandle is { IsCancellationRequested: true })
        {
            _queue.Dequeue();
        }
        return _queue.HeadDue;
    }

    /// <summary>Fires, in order, every timer due at or before <paramref name="now"/>; returns how many fired.</summary>
    private protected int FireDue(long now)
    {
        var fired = 0;
        while (true)
        {
            TimerEntry entry;
            if (!_synchronized)
            {
                if (!TryTakeDue(now, out entry))
                {
                    return fired;
                }
            }
            else
            {
                lock (Gate)
                {
                    if (!TryTakeDue(now, out entry))
                    {
                        return fired;
                    }
                }
            }
            if (entry.Handle is { IsCancellationRequested: true })
            {
                continue;
            }
            if (entry.Callback is { } callback)
            {
                try
                {
                    fired += callback.TryRun() ? 1 : 0; // false when a Cancel won the race since the check above
                }
                catch (Exception)
                {
                    // A user callback must not kill the timer thread (or abort a deterministic run midway).
                    Interlocked.Increment(ref _actionFailures);
                }
                continue;
            }
            fired++;
            entry.Receiver!.Tell(entry.Message!, entry.Sender);
        }
    }

    /// <summary>Takes the earliest timer if it is due at <paramref name="now"/> (a periodic one is queued again); under <see cref="Gate"/> when synchronized.</summary>
    private bool TryTakeDue(long now, out TimerEntry entry)
    {
        var due = _queue.HeadDue;
        if (due > now)
        {
            entry = default;
            return false;
        }
        entry = _queue.Dequeue();
        if (entry.Interval > 0 && entry.Handle is { IsCancellationRequested: false })
        {
            _queue.Enqueue(entry, due + entry.Interval, _sequence++);
        }
        return true;
    }

    private void Add(in TimerEntry entry, long delayNanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(delayNanoseconds);
        if (!_synchronized)
        {
            // The virtual scheduler's clock is its dispatcher's: no other thread's timer can come first meanwhile.
            AddCore(entry, NowNanoseconds + delayNanoseconds);
            return;
        }
        long due;
        bool earliest;
        lock (Gate)
        {
            due = NowNanoseconds + delayNanoseconds;
            earliest = AddCore(entry, due);
        }
        if (earliest)
        {
            OnEarliestChanged(due);
        }
    }

    /// <summary>Queues <paramref name="entry"/> at <paramref name="due"/>; whether it now comes first.</summary>
    private bool AddCore(in TimerEntry entry, long due)
    {
        if (Volatile.Read(ref _cancelledSinceCompaction) >= CompactionThreshold)
        {
            CompactIfMostlyCancelled();
        }
        var earliest = due < _queue.HeadDue;
        _queue.Enqueue(entry, due, _sequence++);
        return earliest;
    }

    /// <summary>A timer now comes first; a sleeping timer thread must wake earlier.</summary>
    private protected virtual void OnEarliestChanged(long due) { }

    private protected static long ToNanoseconds(TimeSpan span) => checked(span.Ticks * 100);

    [DebuggerDisplay("{Message ?? Callback} -> {Receiver}")]
    private readonly record struct TimerEntry(IActorRef? Receiver, object? Message, IActorRef? Sender, ScheduledCallback? Callback, ICancelable? Handle, long Interval);
}
