namespace ActorKernel.Runtime;

/// <summary>
/// How a parent handles its children's failures: a decider maps the exception to a
/// <see cref="Directive"/>, and restarts are limited to a number within a time window (on the
/// dispatcher's clock) after which the child is stopped instead.
/// </summary>
public abstract class SupervisorStrategy
{
    private protected SupervisorStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider)
    {
        ArgumentNullException.ThrowIfNull(decider);
        MaxNrOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange;
        Decider = decider;
    }

    /// <summary>Restart on any exception but stop on <see cref="ActorInitializationException"/> and <see cref="ActorKilledException"/>; no limit.</summary>
    public static SupervisorStrategy Default { get; } = new OneForOneStrategy(DefaultDecider);

    /// <summary>Stop on any exception.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>Restarts allowed within <see cref="WithinTimeRange"/>; negative for no limit.</summary>
    public int MaxNrOfRetries { get; }

    /// <summary>The window restarts are counted in; <see langword="null"/> for the child's whole life.</summary>
    public TimeSpan? WithinTimeRange { get; }

    /// <summary>Maps an exception to a directive.</summary>
    public Func<Exception, Directive> Decider { get; }

    /// <summary>Whether the directive applies to every child (all-for-one) or only the failed one.</summary>
    public abstract bool AppliesToAllChildren { get; }

    /// <summary>The default decider: stop on initialization failure and Kill, restart otherwise.</summary>
    public static Directive DefaultDecider(Exception cause) => cause switch
    {
        ActorInitializationException or ActorKilledException => Directive.Stop,
        _ => Directive.Restart,
    };

    /// <summary>Counts one restart of a child; false when the limit is reached and the child must stop.</summary>
    internal bool RequestRestartPermission(ref ChildRestartStats stats, long nowNanoseconds)
    {
        if (MaxNrOfRetries < 0)
        {
            return true;
        }
        if (WithinTimeRange is not { } window)
        {
            stats.Count++;
            return stats.Count <= MaxNrOfRetries;
        }
        var windowNs = window.Ticks * 100;
        if (stats.Count == 0 || nowNanoseconds - stats.WindowStartNanoseconds > windowNs)
        {
            stats.WindowStartNanoseconds = nowNanoseconds;
            stats.Count = 1;
            return stats.Count <= MaxNrOfRetries;
        }
        stats.Count++;
        return stats.Count <= MaxNrOfRetries;
    }
}

/// <summary>Applies the decision to the failed child only.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    /// <summary>Creates the strategy with limits: at most <paramref name="maxNrOfRetries"/> restarts within <paramref name="withinTimeRange"/>.</summary>
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider)
        : base(maxNrOfRetries, withinTimeRange, decider) { }

    /// <summary>Creates the strategy without restart limits.</summary>
    public OneForOneStrategy(Func<Exception, Directive> decider) : base(-1, null, decider) { }

    /// <inheritdoc />
    public override bool AppliesToAllChildren => false;
}

/// <summary>Applies the decision to every child when one fails: siblings that depend on each other restart together.</summary>
public sealed class AllForOneStrategy : SupervisorStrategy
{
    /// <summary>Creates the strategy with limits: at most <paramref name="maxNrOfRetries"/> restarts within <paramref name="withinTimeRange"/>.</summary>
    public AllForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider)
        : base(maxNrOfRetries, withinTimeRange, decider) { }

    /// <summary>Creates the strategy without restart limits.</summary>
    public AllForOneStrategy(Func<Exception, Directive> decider) : base(-1, null, decider) { }

    /// <inheritdoc />
    public override bool AppliesToAllChildren => true;
}

/// <summary>A child's restarts as its supervisor counts them.</summary>
internal struct ChildRestartStats
{
    public int Count;
    public long WindowStartNanoseconds;
}
