namespace ActorKernel.Runtime;

/// <summary>
/// Virtual time for the deterministic dispatcher: the clock moves only when the dispatcher jumps it
/// to the next due timer (or to the end of a <c>RunFor</c>), never by itself.
/// </summary>
public sealed class VirtualScheduler : TimerQueueScheduler
{
    /// <summary>The wall-clock instant that virtual time zero stands for, fixed so runs are reproducible.</summary>
    public static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private long _now;

    internal VirtualScheduler()
        : base(synchronized: false) => TimeProvider = new SchedulerTimeProvider(this, Epoch);

    /// <inheritdoc />
    public override long NowNanoseconds => _now;

    /// <inheritdoc />
    public override TimeProvider TimeProvider { get; }

    internal long NextDueNanoseconds => NextDue();

    /// <summary>Moves the clock forward to <paramref name="now"/> and fires what is due then.</summary>
    internal int AdvanceTo(long now)
    {
        if (now < _now)
        {
            throw new InvalidOperationException($"Virtual time cannot go backwards (now {_now} ns, asked {now} ns).");
        }
        _now = now;
        return FireDue(now);
    }
}
