namespace ActorKernel.Actors.Verifier;

/// <summary>What one schedule did: its failure (if any), its trace and its fingerprints.</summary>
public sealed record ScheduleOutcome
{
    /// <summary>The schedule number.</summary>
    public required int Schedule { get; init; }

    /// <summary>The schedule's seed.</summary>
    public required ulong Seed { get; init; }

    /// <summary>The failure, or null for a clean run.</summary>
    public ExplorationFailure? Failure { get; init; }

    /// <summary>Every scheduling choice, in order.</summary>
    public required IReadOnlyList<int> Choices { get; init; }

    /// <summary>Every fault decision, in order.</summary>
    public required IReadOnlyList<FaultDecision> Faults { get; init; }

    /// <summary>The delivery log's hash (the event log fingerprint).</summary>
    public ulong EventLogHash { get; init; }

    /// <summary>Deliveries made.</summary>
    public long EventLogCount { get; init; }

    /// <summary>Dispatcher turns (every actor turn, user message or not, including those inside scheduling points).</summary>
    public long Turns { get; init; }

    /// <summary>Virtual time at the end of the run.</summary>
    public long VirtualTimeNanoseconds { get; init; }

    /// <summary>The crash dump as JSON, or null when the machine did not stop.</summary>
    public string? CrashDumpJson { get; init; }

    /// <summary>The crash dump's analysis text, or null.</summary>
    public string? CrashAnalysis { get; init; }
}

/// <summary>Why an exploration stopped.</summary>
public enum ExplorationStop
{
    /// <summary>A schedule failed.</summary>
    Failure,

    /// <summary>The schedule budget was spent, clean.</summary>
    ScheduleBudget,

    /// <summary>The wall-time budget was spent, clean.</summary>
    WallTimeBudget,

    /// <summary>Exhaustive search tried every branch, clean.</summary>
    Exhausted,
}

/// <summary>The result of <see cref="Explorer.Explore"/>.</summary>
public sealed record ExplorationReport
{
    /// <summary>The scenario.</summary>
    public required string Scenario { get; init; }

    /// <summary>The options it ran with.</summary>
    public required ExplorerOptions Options { get; init; }

    /// <summary>Schedules run.</summary>
    public required int SchedulesRun { get; init; }

    /// <summary>The schedule numbers run, in order (what shards cover).</summary>
    public required IReadOnlyList<int> ScheduleNumbers { get; init; }

    /// <summary>Why it stopped.</summary>
    public required ExplorationStop Stop { get; init; }

    /// <summary>The failing schedule (after shrinking), or null.</summary>
    public ScheduleOutcome? Failure { get; init; }

    /// <summary>The schedule number of the first failure, as found (1-based count of schedules to find it is <see cref="SchedulesRun"/>).</summary>
    public int? FailingSchedule { get; init; }

    /// <summary>The replay file written, or null.</summary>
    public string? ReplayPath { get; init; }

    /// <summary>Replays the shrink step spent and how many choices it removed.</summary>
    public int ShrinkRuns { get; init; }
}
