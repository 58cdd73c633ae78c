using System.Diagnostics;

namespace ActorKernel.Actors;

/// <summary>
/// A workload's counters. Every issued request is exactly one of completed, failed or in flight;
/// a request in flight when the run ends is moved to failed (abandoned, or lost in a crash).
/// </summary>
/// <remarks>One writer per instance (a workload thread); a workload merges its threads' instances on demand.</remarks>
public sealed class WorkloadStatistics
{
    /// <summary>Requests issued.</summary>
    public long Issued { get; internal set; }

    /// <summary>Requests completed with a success status.</summary>
    public long Completed { get; internal set; }

    /// <summary>Requests completed with an error (or given up: <see cref="Abandoned"/>, <see cref="LostInCrash"/>).</summary>
    public long Failed { get; internal set; }

    /// <summary>Requests issued and not yet seen complete.</summary>
    public long InFlight { get; internal set; }

    /// <summary>Reads issued.</summary>
    public long Reads { get; internal set; }

    /// <summary>Writes issued.</summary>
    public long Writes { get; internal set; }

    /// <summary>Device I/O controls issued.</summary>
    public long Ioctls { get; internal set; }

    /// <summary>Bytes moved by successful requests (the drivers' Information).</summary>
    public long Bytes { get; internal set; }

    /// <summary>Successful requests whose data was checked (reads of the region, checked IOCTL replies).</summary>
    public long Verified { get; internal set; }

    /// <summary>Checked requests whose data was wrong.</summary>
    public long Mismatches { get; internal set; }

    /// <summary>The first wrong data, described (device offset, expected and actual byte), or null.</summary>
    public string? FirstMismatch { get; internal set; }

    /// <summary>Completions for a request slot with nothing in flight: a request completed twice.</summary>
    public long DuplicateCompletions { get; internal set; }

    /// <summary>Completion packets whose OVERLAPPED is none of the workload's.</summary>
    public long UnknownCompletions { get; internal set; }

    /// <summary>Failed requests still in flight when the run gave up waiting (a driver lost them).</summary>
    public long Abandoned { get; internal set; }

    /// <summary>Failed requests in flight when the machine crashed.</summary>
    public long LostInCrash { get; internal set; }

    /// <summary>Threads whose CreateFile (or CreateIoCompletionPort) failed: they issued nothing.</summary>
    public long OpenFailures { get; internal set; }

    /// <summary>The NTSTATUS of the last failed open (RtlGetLastNtStatus), or null.</summary>
    public NtStatus? LastOpenStatus { get; internal set; }

    /// <summary>Failures by NTSTATUS (ordered by value): errors returned at issue or at completion.</summary>
    public SortedDictionary<NtStatus, long> Failures { get; } = [];

    /// <summary>Simulated time from issue to the program seeing the completion, for every completed or failed request.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>The same in wall-clock time (empty without a wall clock).</summary>
    public LatencyHistogram WallLatency { get; } = new();

    /// <summary>Adds <paramref name="other"/>'s counts (another thread, or another boot, of the same workload).</summary>
    /// <param name="other">The counts to add.</param>
    public void Add(WorkloadStatistics other)
    {
        AddCounters(other);
        Latency.Add(other.Latency);
        WallLatency.Add(other.WallLatency);
    }

    /// <summary>Adds <paramref name="other"/>'s counts but not its latency histograms (a progress view's cheap snapshot).</summary>
    /// <param name="other">The counts to add.</param>
    public void AddCounters(WorkloadStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Issued += other.Issued;
        Completed += other.Completed;
        Failed += other.Failed;
        InFlight += other.InFlight;
        Reads += other.Reads;
        Writes += other.Writes;
        Ioctls += other.Ioctls;
        Bytes += other.Bytes;
        Verified += other.Verified;
        Mismatches += other.Mismatches;
        FirstMismatch ??= other.FirstMismatch;
        DuplicateCompletions += other.DuplicateCompletions;
        UnknownCompletions += other.UnknownCompletions;
        Abandoned += other.Abandoned;
        OpenFailures += other.OpenFailures;
        LastOpenStatus ??= other.LastOpenStatus;
        LostInCrash += other.LostInCrash;
        // The writer of other may be running (a progress view on the concurrent dispatcher): its failures are read under its lock.
        lock (other.Failures)
        {
            foreach (var (status, count) in other.Failures)
            {
                Failures[status] = Failures.GetValueOrDefault(status) + count;
            }
        }
    }

    /// <summary>Checks, in Debug builds, what every writer keeps true: each issued request is completed, failed or in flight.</summary>
    [Conditional("DEBUG")]
    internal void AssertInvariants() =>
        Debug.Assert(Issued == Completed + Failed + InFlight && InFlight >= 0,
            "every issued request is exactly one of completed, failed or in flight");

    internal void Fail(NtStatus status)
    {
        Failed++;
        lock (Failures)
        {
            Failures[status] = Failures.GetValueOrDefault(status) + 1;
        }
    }
}
