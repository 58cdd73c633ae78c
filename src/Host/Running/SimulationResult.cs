using ActorKernel.Actors;

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

    /// <summary>The bugcheck that stopped this boot, if any.</summary>
    public CrashReport? Crash { get; init; }
}

/// <summary>One workload's counters. Every issued request is exactly one of completed, failed or in flight.</summary>
public sealed class WorkloadResult
{
    /// <summary>The workload's name.</summary>
    public required string Name { get; init; }

    /// <summary>Its target device.</summary>
    public required string Device { get; init; }

    /// <summary>Requests issued.</summary>
    public long Issued { get; set; }

    /// <summary>Requests completed with success.</summary>
    public long Completed { get; set; }

    /// <summary>Requests completed with an error status (includes <see cref="Cancelled"/> and <see cref="LostInCrash"/>).</summary>
    public long Failed { get; set; }

    /// <summary>Failed requests cancelled (STATUS_CANCELLED) because the drain deadline passed.</summary>
    public long Cancelled { get; set; }

    /// <summary>Failed requests that were in flight when the machine crashed (listed in the crash dump).</summary>
    public long LostInCrash { get; set; }

    /// <summary>Requests still in flight when the run stopped (0 after a graceful drain).</summary>
    public long InFlight { get; set; }

    /// <summary>Reads, writes and device controls issued.</summary>
    public long Reads { get; set; }

    /// <summary>Writes issued.</summary>
    public long Writes { get; set; }

    /// <summary>Device I/O controls issued.</summary>
    public long Ioctls { get; set; }

    /// <summary>Bytes transferred by successful requests.</summary>
    public long Bytes { get; set; }

    /// <summary>Simulated latency of every completed or failed request (cancelled and lost ones excluded).</summary>
    public LatencyHistogram Latency { get; init; } = new();

    /// <summary>Adds <paramref name="other"/>'s counts (another boot of the same workload).</summary>
    public void Add(WorkloadResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Issued += other.Issued;
        Completed += other.Completed;
        Failed += other.Failed;
        Cancelled += other.Cancelled;
        LostInCrash += other.LostInCrash;
        InFlight += other.InFlight;
        Reads += other.Reads;
        Writes += other.Writes;
        Ioctls += other.Ioctls;
        Bytes += other.Bytes;
        Latency.Add(other.Latency);
    }
}

/// <summary>One processor's figures over a boot; the kernel runner fills these.</summary>
/// <param name="Number">The processor number.</param>
/// <param name="Utilisation">Share of simulated time it was busy, 0..1.</param>
/// <param name="IrqlResidencyNanoseconds">Simulated time at each IRQL, by display name, in IRQL order.</param>
/// <param name="Interrupts">Interrupts it took.</param>
/// <param name="Dpcs">DPCs it ran.</param>
/// <param name="MaxDpcQueueDepth">The deepest its DPC queue got.</param>
public sealed record ProcessorResult(
    int Number,
    double Utilisation,
    IReadOnlyList<KeyValuePair<string, long>> IrqlResidencyNanoseconds,
    long Interrupts,
    long Dpcs,
    int MaxDpcQueueDepth);

/// <summary>What a crash dump holds: the bugcheck, where and when, and what was pending.</summary>
/// <param name="Code">The stop code.</param>
/// <param name="Parameters">Its four parameters.</param>
/// <param name="AtNanoseconds">Run time of the crash.</param>
/// <param name="FaultingDriver">The driver whose routine was running, if known.</param>
/// <param name="FaultingDevice">The device that driver served, if known.</param>
/// <param name="PendingRequests">Every request in flight at the crash, by id.</param>
/// <param name="Processors">Each processor's state (empty until the kernel runner fills it).</param>
/// <param name="DeviceTree">The device stacks, one line per device object, top first.</param>
public sealed record CrashReport(
    BugCheckCode Code,
    IReadOnlyList<ulong> Parameters,
    long AtNanoseconds,
    string? FaultingDriver,
    string? FaultingDevice,
    IReadOnlyList<PendingRequest> PendingRequests,
    IReadOnlyList<ProcessorCrashState> Processors,
    IReadOnlyList<string> DeviceTree);

/// <summary>A request in flight at a crash.</summary>
/// <param name="Id">Its id within its workload.</param>
/// <param name="Workload">The workload that issued it.</param>
/// <param name="Device">Its target device.</param>
/// <param name="MajorFunction">IRP_MJ_READ, IRP_MJ_WRITE or IRP_MJ_DEVICE_CONTROL.</param>
/// <param name="IssuedAtNanoseconds">Run time it was issued.</param>
/// <param name="Location">Which device object held it.</param>
public sealed record PendingRequest(long Id, string Workload, string Device, string MajorFunction, long IssuedAtNanoseconds, string Location);

/// <summary>A processor's state at a crash.</summary>
/// <param name="Number">The processor number.</param>
/// <param name="Irql">Its IRQL, as a display name.</param>
/// <param name="RunningRoutine">The routine it was running, if any.</param>
/// <param name="HeldLocks">Spin locks it held.</param>
public sealed record ProcessorCrashState(int Number, string Irql, string? RunningRoutine, IReadOnlyList<string> HeldLocks);
