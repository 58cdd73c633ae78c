namespace ActorKernel.Host;

/// <summary>What one boot of a machine did, returned by <see cref="ISimulation.Complete"/>; the host merges boots.</summary>
public sealed class SimulationResult
{
    /// <summary>Run time when the machine stopped.</summary>
    public long EndNanoseconds { get; init; }

    /// <summary>Per workload counters and latencies, in scenario order.</summary>
    public IReadOnlyList<WorkloadResult> Workloads { get; init; } = [];

    /// <summary>Per processor figures (empty until a runner models processors).</summary>
    public IReadOnlyList<ProcessorResult> Processors { get; init; } = [];

    /// <summary>Other counters by name (e.g. <c>interrupts.spurious</c>); the host sums them over boots and sorts them by name.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Counters { get; init; } = [];

    /// <summary>Remarks for the summary (e.g. a fault this runner does not model).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The machine's device tree at the end of the boot, as <c>!devnode 0 1</c> prints it (PnpDump), or null when the runner has none.</summary>
    public string? DeviceTree { get; init; }

    /// <summary>Broken invariants the runner found (e.g. an IRP completed twice without a bugcheck, an IRP lost); any one makes the run exit 1.</summary>
    public IReadOnlyList<string> Violations { get; init; } = [];

    /// <summary><c>!verifier</c>-style figures per verified driver (empty when none is verified).</summary>
    public IReadOnlyList<VerifierSummary> Verifier { get; init; } = [];

    /// <summary>The system event log's entries drivers wrote this boot (IoWriteErrorLogEntry), oldest first, boot number not yet set.</summary>
    public IReadOnlyList<EventLogSummary> EventLog { get; init; } = [];

    /// <summary>The bugcheck that stopped this boot, if any.</summary>
    public CrashReport? Crash { get; init; }
}
