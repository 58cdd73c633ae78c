using System.Diagnostics;

namespace ActorKernel.Runtime;

/// <summary>
/// One thread, virtual time, and a seeded choice of which ready actor delivers next. The same
/// program and seed give the same deliveries in the same order at the same virtual times, so a
/// failing run replays exactly. Time jumps to the next timer only when no actor has mail.
/// </summary>
/// <remarks>
/// Not thread-safe by design: drive it (<see cref="Step"/>, <see cref="RunUntilQuiescent"/>,
/// <see cref="RunFor"/>, <see cref="RunUntil"/>) from one thread at a time, and Tell from that
/// thread or while it is not running.
/// </remarks>
public sealed class DeterministicDispatcher : Dispatcher
{
    private readonly VirtualScheduler _scheduler = new();
    private readonly DeterministicRandom _random;
    private Mailbox[] _ready = new Mailbox[64];
    private int _readyCount;
    private bool _running;
    private Mailbox? _current;
    private int _nesting;
    private int[] _candidateIds = new int[8];
    private Mailbox?[] _candidates = new Mailbox?[8];

    internal DeterministicDispatcher(ulong seed, DeliveryLog? log) : base(1)
    {
        Seed = seed;
        _random = new DeterministicRandom(seed).Derive("dispatcher");
        Log = log;
    }

    /// <summary>The seed that steers the choice of the next actor; print it with any failure.</summary>
    public ulong Seed { get; }

    /// <inheritdoc />
    public override IScheduler Scheduler => _scheduler;

    /// <inheritdoc />
    public override DispatcherKind Kind => DispatcherKind.Deterministic;

    /// <summary>The delivery log, when the system was created with recording on.</summary>
    public DeliveryLog? DeliveryLog => Log;

    /// <summary>Deliveries made so far (one per step).</summary>
    public long Deliveries { get; private set; }

    /// <summary>Virtual nanoseconds since start.</summary>
    public long NowNanoseconds => _scheduler.NowNanoseconds;

    /// <summary>Actors with work right now.</summary>
    public int ReadyActors => _readyCount;

    /// <summary>
    /// The strategy that makes every scheduling choice (a stress explorer's), or null for the seeded
    /// choice. With one attached, <see cref="Interleave"/> at a scheduling point may run other actors
    /// before the paused one continues.
    /// </summary>
    public ISchedulingStrategy? Strategy { get; set; }

    /// <summary>
    /// How far virtual time may run past a scheduling point while the actor paused there waits (the
    /// strategy chose <see cref="ISchedulingStrategy.LetTimePass"/>); default 50 µs.
    /// </summary>
    public long StallWindowNanoseconds { get; set; } = 50_000;

    /// <summary>Turns of other actors run inside scheduling points so far.</summary>
    public long InterleavedDeliveries { get; private set; }

    /// <summary>Whether no actor has mail and no timer is pending.</summary>
    public bool IsQuiescent => _readyCount == 0 && _scheduler.NextDueNanoseconds == long.MaxValue;

    /// <summary>
    /// Delivers once: picks a ready actor with the seeded generator and runs its system messages and
    /// one user message. With no actor ready, first jumps the clock to the next timers.
    /// </summary>
    /// <returns>False when nothing was ready and no timer was pending.</returns>
    public bool Step()
    {
        EnterRun();
        try
        {
            return StepCore(long.MaxValue);
        }
        finally
        {
            _running = false;
        }
    }

    /// <summary>Runs until no actor has mail and no timer is pending, or <paramref name="maxDeliveries"/> were made.</summary>
    /// <returns>Deliveries made.</returns>
    /// <exception cref="InvalidOperationException">When the budget ran out first (a periodic timer or a message loop).</exception>
    public long RunUntilQuiescent(long maxDeliveries = 100_000_000)
    {
        EnterRun();
        try
        {
            var start = Deliveries;
            while (StepCore(long.MaxValue))
            {
                if (Deliveries - start >= maxDeliveries && !IsQuiescent)
                {
                    throw new InvalidOperationException(
                        $"Not quiescent after {maxDeliveries} deliveries at virtual time {NowNanoseconds} ns (seed {Seed}): a periodic timer or a message loop keeps it busy; use RunFor.");
                }
            }
            return Deliveries - start;
        }
        finally
        {
            _running = false;
        }
    }

    /// <summary>Runs everything due within the next <paramref name="span"/> of virtual time, then sets the clock to its end.</summary>
    public long RunFor(TimeSpan span) => RunForNanoseconds(span.Ticks * 100);

    /// <summary>Runs everything due within the next <paramref name="nanoseconds"/> of virtual time, then sets the clock to its end.</summary>
    public long RunForNanoseconds(long nanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nanoseconds);
        EnterRun();
        try
        {
            var start = Deliveries;
            var end = checked(NowNanoseconds + nanoseconds);
            while (StepCore(end))
            {
            }
            if (NowNanoseconds < end)
            {
                _scheduler.AdvanceTo(end);
                while (StepCore(end))
                {
                }
            }
            return Deliveries - start;
        }
        finally
        {
            _running = false;
        }
    }

    /// <summary>
    /// Runs until <paramref name="condition"/> holds (checked before each delivery), virtual time
    /// passes <paramref name="timeout"/>, or nothing is left to do.
    /// </summary>
    /// <returns>Whether the condition held.</returns>
    public bool RunUntil(Func<bool> condition, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        EnterRun();
        try
        {
            var end = timeout is { } t ? checked(NowNanoseconds + t.Ticks * 100) : long.MaxValue;
            while (!condition())
            {
                if (!StepCore(end))
                {
                    if (end != long.MaxValue && NowNanoseconds < end)
                    {
                        _scheduler.AdvanceTo(end);
                    }
                    return condition();
                }
            }
            return true;
        }
        finally
        {
            _running = false;
        }
    }

    internal override void Schedule(Mailbox mailbox)
    {
        if (mailbox.ReadyIndex >= 0 || mailbox.IsClosed)
        {
            return;
        }
        if (_readyCount == _ready.Length)
        {
            Array.Resize(ref _ready, _ready.Length * 2);
        }
        mailbox.ReadyIndex = _readyCount;
        _ready[_readyCount++] = mailbox;
    }

    private bool StepCore(long deadline)
    {
        if (_readyCount == 0)
        {
            var due = _scheduler.NextDueNanoseconds;
            if (due == long.MaxValue || due > deadline)
            {
                return false;
            }
            _scheduler.AdvanceTo(Math.Max(due, NowNanoseconds));
            if (_readyCount == 0)
            {
                return true; // the timers ran actions or hit dead actors; time moved, so progress was made
            }
        }

        var index = _readyCount == 1 ? 0 : Strategy is null ? _random.Next(_readyCount) : ChooseWithStrategy();
        var mailbox = _ready[index];
        Deliveries++;
        _current = mailbox;
        if (!mailbox.Run(1))
        {
            RemoveAt(mailbox);
        }
        _current = null;
        return true;
    }

    private int ChooseWithStrategy()
    {
        EnsureCandidateRoom(_readyCount);
        for (var i = 0; i < _readyCount; i++)
        {
            _candidateIds[i] = _ready[i].Id;
        }
        var choice = Strategy!.Choose(_candidateIds.AsSpan(0, _readyCount), -1);
        return (uint)choice < (uint)_readyCount ? choice : throw new InvalidOperationException($"The scheduling strategy chose {choice} of {_readyCount} ready actors.");
    }

    /// <summary>
    /// A scheduling point of the actor whose turn is running: when a <see cref="Strategy"/> is
    /// attached, it chooses between letting the paused actor continue and running one turn of another
    /// ready actor (or letting virtual time pass within <see cref="StallWindowNanoseconds"/>), again
    /// and again until it lets the paused actor continue. The other actors' turns run here, nested in
    /// the paused one's (its mailbox is left out); scheduling points inside them do nothing.
    /// </summary>
    /// <returns>Whether anything else ran.</returns>
    /// <remarks>
    /// Call it only where the paused actor holds no .NET lock and can take others' turns running on
    /// its stack (a kernel service's entry or exit). Without a strategy, outside a turn, or inside a
    /// nested turn it returns false at once.
    /// </remarks>
    public bool Interleave()
    {
        if (Strategy is not { } strategy || _nesting != 0 || _current is not { } paused)
        {
            return false;
        }
        _nesting++;
        var ran = false;
        try
        {
            var stallEnd = NowNanoseconds + StallWindowNanoseconds;
            while (true)
            {
                EnsureCandidateRoom(_readyCount + 2);
                var count = 0;
                _candidates[count] = paused;
                _candidateIds[count++] = paused.Id;
                for (var i = 0; i < _readyCount; i++)
                {
                    if (_ready[i] != paused)
                    {
                        _candidates[count] = _ready[i];
                        _candidateIds[count++] = _ready[i].Id;
                    }
                }
                var due = _scheduler.NextDueNanoseconds;
                if (due <= stallEnd)
                {
                    _candidates[count] = null;
                    _candidateIds[count++] = ISchedulingStrategy.LetTimePass;
                }
                if (count == 1)
                {
                    return ran;
                }
                var choice = strategy.Choose(_candidateIds.AsSpan(0, count), 0);
                if ((uint)choice >= (uint)count)
                {
                    throw new InvalidOperationException($"The scheduling strategy chose {choice} of {count} candidates.");
                }
                if (choice == 0)
                {
                    return ran;
                }
                ran = true;
                if (_candidates[choice] is not { } other)
                {
                    _scheduler.AdvanceTo(Math.Max(due, NowNanoseconds));
                    continue;
                }
                Deliveries++;
                InterleavedDeliveries++;
                _current = other;
                try
                {
                    if (!other.Run(1))
                    {
                        RemoveAt(other);
                    }
                }
                finally
                {
                    _current = paused;
                }
            }
        }
        finally
        {
            _nesting--;
            Array.Clear(_candidates);
        }
    }

    private void EnsureCandidateRoom(int count)
    {
        if (_candidateIds.Length < count)
        {
            var size = Math.Max(count, _candidateIds.Length * 2);
            _candidateIds = new int[size];
            _candidates = new Mailbox?[size];
        }
    }

    private void RemoveAt(Mailbox mailbox)
    {
        // The actor's own turn may have moved it (a removal never happens inside a turn, so it is where it was).
        var index = mailbox.ReadyIndex;
        Debug.Assert(index >= 0 && _ready[index] == mailbox, "a mailbox in the ready set knows its own slot");
        var last = _ready[--_readyCount];
        _ready[index] = last;
        last.ReadyIndex = index;
        _ready[_readyCount] = null!;
        mailbox.ReadyIndex = -1;
    }

    private void EnterRun()
    {
        if (_running)
        {
            throw new InvalidOperationException("The deterministic dispatcher is already running: it cannot be driven re-entrantly or from two threads.");
        }
        _running = true;
    }
}
