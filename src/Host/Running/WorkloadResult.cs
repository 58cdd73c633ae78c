using ActorKernel.Actors;

namespace ActorKernel.Host;

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

    /// <summary>The same in wall-clock time, where the runner measures it (the io runner's user programs); never in the deterministic summary.</summary>
    public LatencyHistogram WallLatency { get; init; } = new();

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
        WallLatency.Add(other.WallLatency);
    }
}
