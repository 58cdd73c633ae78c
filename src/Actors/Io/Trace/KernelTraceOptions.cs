namespace ActorKernel.Actors;

/// <summary>Which requests a <see cref="IoTraceRecorder"/> keeps.</summary>
public enum TraceSampling
{
    /// <summary>No request is kept (metrics and the processor timeline still are).</summary>
    Off,

    /// <summary>A fixed share of requests, chosen by trace id (as OpenTelemetry's TraceIdRatioBased sampler).</summary>
    Ratio,

    /// <summary>Every request.</summary>
    Always,

    /// <summary>Tail sampling decided at the request's end: only requests that failed or were slow.</summary>
    ErrorsAndSlow,
}

/// <summary>How a run is traced.</summary>
public sealed record KernelTraceOptions
{
    /// <summary>2026-01-01T00:00:00Z in Unix nanoseconds: simulated time zero, so exported timestamps are fixed, not the wall clock.</summary>
    public const long DefaultEpochUnixNs = 1_767_225_600_000_000_000;

    /// <summary>Which requests are kept.</summary>
    public TraceSampling Sampling { get; init; } = TraceSampling.Always;

    /// <summary>The share of requests kept with <see cref="TraceSampling.Ratio"/> (0..1).</summary>
    public double Ratio { get; init; } = 1.0;

    /// <summary>A request at least this long (simulated nanoseconds) is "slow" for <see cref="TraceSampling.ErrorsAndSlow"/>.</summary>
    public long SlowRequestNs { get; init; } = 1_000_000;

    /// <summary>The seed trace and span ids derive from (the scenario's seed): the same seed, the same ids.</summary>
    public ulong Seed { get; init; }

    /// <summary>The Unix time, in nanoseconds, simulated time zero maps to in exports.</summary>
    public long EpochUnixNs { get; init; } = DefaultEpochUnixNs;

    /// <summary>Whether the per-processor timeline (IRQL changes, ISR/DPC slices, spin waits) for the Chrome trace is kept.</summary>
    public bool Timeline { get; init; } = true;

    /// <summary>At most this many timeline events are kept (later ones are counted, not kept), so a long run stays bounded.</summary>
    public int MaxTimelineEvents { get; init; } = 2_000_000;

    /// <summary>Whether finished traces are kept in memory for the file exports (<see cref="IoTraceRecorder.GetTraces"/>); off when they only go to <see cref="IoTraceRecorder.TraceFinished"/> (live export).</summary>
    public bool KeepTraces { get; init; } = true;

    /// <summary>At most this many finished traces are kept in memory for the file exports (later ones are counted, not kept).</summary>
    public int MaxTraces { get; init; } = 200_000;
}
