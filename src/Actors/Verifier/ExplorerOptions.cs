namespace ActorKernel.Actors.Verifier;

/// <summary>How the stress explorer searches: strategy, seed, budgets, faults, where replay files go.</summary>
public sealed record ExplorerOptions
{
    /// <summary>The search strategy.</summary>
    public ExplorationStrategyKind Strategy { get; init; } = ExplorationStrategyKind.Random;

    /// <summary>The root seed; schedule i runs with a seed derived from it and i.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The budget in schedules (schedule numbers 0 .. Schedules - 1, before sharding).</summary>
    public int Schedules { get; init; } = 1000;

    /// <summary>The budget in wall time (null: none). Only the budget reads the wall clock; no run does.</summary>
    public TimeSpan? WallTimeBudget { get; init; }

    /// <summary>The clock the wall-time budget is measured on.</summary>
    public TimeProvider WallClock { get; init; } = TimeProvider.System;

    /// <summary>This process runs shard <see cref="ShardIndex"/> of <see cref="ShardCount"/>: the schedule numbers n with n mod ShardCount = ShardIndex.</summary>
    public int ShardIndex { get; init; }

    /// <summary>The number of shards the schedule numbers are split into.</summary>
    public int ShardCount { get; init; } = 1;

    /// <summary>PCT's depth d (d - 1 priority-change points).</summary>
    public int PctDepth { get; init; } = 3;

    /// <summary>PCT's k: the number of choices over which change points are drawn.</summary>
    public int PctSteps { get; init; } = 400;

    /// <summary>Random: the probability that a scheduling point switches to another actor.</summary>
    public double SwitchProbability { get; init; } = 0.25;

    /// <summary>Exhaustive: how many choices of a schedule branch (later ones take the default).</summary>
    public int ExhaustiveDepth { get; init; } = 12;

    /// <summary>Faults the explorer may inject.</summary>
    public IReadOnlySet<KiFault> Faults { get; init; } = new HashSet<KiFault>();

    /// <summary>The probability of injecting an enabled fault at each fault point (random and PCT).</summary>
    public double FaultProbability { get; init; } = 0.05;

    /// <summary>How far virtual time may run while a processor is paused at a scheduling point.</summary>
    public long StallWindowNanoseconds { get; init; } = 50_000;

    /// <summary>Whether every run's machine is the checked build (its services assert their IRQL and parameters); recorded in the replay file.</summary>
    public bool CheckedBuild { get; init; }

    /// <summary>Where the replay file (and the crash dump beside it) of a failure is written; null: not written.</summary>
    public string? ReplayDirectory { get; init; }

    /// <summary>Whether a failure's trace is shortened before it is written.</summary>
    public bool Shrink { get; init; } = true;

    /// <summary>The most replays the shrink step may spend.</summary>
    public int ShrinkBudget { get; init; } = 48;

    /// <summary>The commit the replay file names (the host fills it from git).</summary>
    public string Commit { get; init; } = "unknown";

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (Schedules <= 0)
        {
            throw new ArgumentException($"Schedules must be positive, not {Schedules}.");
        }
        if (ShardCount <= 0 || ShardIndex < 0 || ShardIndex >= ShardCount)
        {
            throw new ArgumentException($"Shard {ShardIndex}/{ShardCount} is not a shard: it must be i/N with 0 <= i < N.");
        }
        if (PctDepth < 1 || PctSteps < 1)
        {
            throw new ArgumentException("PCT needs a depth of at least 1 and at least 1 step.");
        }
    }
}
