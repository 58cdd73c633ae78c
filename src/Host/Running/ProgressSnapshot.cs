namespace ActorKernel.Host;

/// <summary>A live view of a running machine.</summary>
/// <param name="SimulatedNanoseconds">Run time now.</param>
/// <param name="Issued">Requests issued so far (this boot).</param>
/// <param name="Completed">Requests completed with success.</param>
/// <param name="Failed">Requests completed with an error status (cancelled ones included).</param>
/// <param name="InFlight">Requests issued and not yet completed.</param>
/// <param name="Devices">Per target device: completions and latency percentiles.</param>
/// <param name="Processors">Per processor: IRQL, utilisation, DPC queue (empty until a runner models processors).</param>
public sealed record ProgressSnapshot(
    long SimulatedNanoseconds,
    long Issued,
    long Completed,
    long Failed,
    long InFlight,
    IReadOnlyList<DeviceProgress> Devices,
    IReadOnlyList<ProcessorProgress> Processors);

/// <summary>One device in the live view.</summary>
/// <param name="Name">The device's name.</param>
/// <param name="Completed">Requests it completed (success or error).</param>
/// <param name="P50Nanoseconds">Median request latency (simulated).</param>
/// <param name="P99Nanoseconds">99th percentile latency.</param>
/// <param name="MaxNanoseconds">Largest latency.</param>
public sealed record DeviceProgress(string Name, long Completed, long P50Nanoseconds, long P99Nanoseconds, long MaxNanoseconds);

/// <summary>One processor in the live view; the kernel runner fills these.</summary>
/// <param name="Number">The processor number (KeGetCurrentProcessorNumber).</param>
/// <param name="Irql">Its IRQL now, as a display name (<c>DISPATCH_LEVEL</c>).</param>
/// <param name="Utilisation">Share of simulated time it was busy, 0..1.</param>
/// <param name="IrqlResidency">Share of simulated time spent at each IRQL, by display name, in IRQL order.</param>
/// <param name="DpcQueueDepth">DPCs queued on it now.</param>
public sealed record ProcessorProgress(
    int Number,
    string Irql,
    double Utilisation,
    IReadOnlyList<KeyValuePair<string, double>> IrqlResidency,
    int DpcQueueDepth);
