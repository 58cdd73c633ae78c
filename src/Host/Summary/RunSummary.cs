using ActorKernel.Actors;

namespace ActorKernel.Host;

/// <summary>
/// The deterministic summary of a run, written as summary.json: nothing here depends on the wall
/// clock, so the same scenario and seed on the deterministic dispatcher give the same bytes.
/// </summary>
public sealed record RunSummary(
    string Scenario,
    string ScenarioHash,
    string Runner,
    string Dispatcher,
    ulong Seed,
    int ProcessorCount,
    string Duration,
    long SimulatedNanoseconds,
    string StopReason,
    int Boots,
    TotalsSummary Totals,
    IReadOnlyList<DeviceSummary> Devices,
    IReadOnlyList<WorkloadSummary> Workloads,
    IReadOnlyList<ProcessorResult> Processors,
    IReadOnlyDictionary<string, long> Counters,
    IReadOnlyList<CrashSummary> Crashes,
    IReadOnlyList<string> Violations,
    IReadOnlyList<string> Notes,
    int ExitCode)
{
    /// <summary><c>!verifier</c>-style figures per verified driver; absent (null) when no driver is verified.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<VerifierSummary>? Verifier { get; init; }

    /// <summary>The system event log's entries drivers wrote (IoWriteErrorLogEntry), over every boot; absent (null) when there are none.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<EventLogSummary>? EventLog { get; init; }
}

/// <summary>
/// One system event log entry as Event Viewer shows it: the source (the driver's service), the event
/// ID (the low word of the IO_ERR_* code), the message with the device's name, and the packet's status.
/// </summary>
public sealed record EventLogSummary(int Boot, long AtNanoseconds, string Source, int EventId, string Code, string? Device, string Message, string FinalStatus, uint UniqueErrorValue)
{
    /// <summary>The summary of an entry of the I/O manager's error log.</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="atNanoseconds">Its time on the run's clock.</param>
    /// <returns>The summary (boot 0 until the host numbers it).</returns>
    public static EventLogSummary From(IoErrorLogEntry entry, long atNanoseconds) => new(
        0, atNanoseconds, entry.Source, entry.EventId, IoErrorLogCode.NameOf(entry.Packet.ErrorCode), entry.Device, entry.Message,
        entry.Packet.FinalStatus.ToDisplayString(), entry.Packet.UniqueErrorValue);
}

/// <summary>
/// One verified driver as <c>!verifier</c> shows it: the option flags (verifier /flags bits) and the
/// pool counters of its verifier entry.
/// </summary>
public sealed record VerifierSummary(
    string Driver, string Flags, IReadOnlyList<string> Options, int Loads, int Unloads,
    long AllocationsAttempted, long AllocationsSucceeded, long AllocationsSucceededSpecialPool, long AllocationsFailed,
    long CurrentPagedAllocations, long CurrentPagedBytes, long PeakPagedAllocations, long PeakPagedBytes,
    long CurrentNonPagedAllocations, long CurrentNonPagedBytes, long PeakNonPagedAllocations, long PeakNonPagedBytes)
{
    /// <summary>From the memory manager's verifier entry.</summary>
    public static VerifierSummary From(VerifierDriverStatistics s) => new(
        s.Module, "0x" + ((uint)s.Options).ToString("X8", System.Globalization.CultureInfo.InvariantCulture),
        [.. Enum.GetValues<VerifierOptions>().Where(o => o != VerifierOptions.None && System.Numerics.BitOperations.IsPow2((uint)o) && (s.Options & o) != 0).Select(o => o.ToString())],
        s.Loads, s.Unloads, s.AllocationsAttempted, s.AllocationsSucceeded, s.AllocationsSucceededSpecialPool, s.AllocationsFailed,
        s.CurrentPagedAllocations, s.CurrentPagedBytes, s.PeakPagedAllocations, s.PeakPagedBytes,
        s.CurrentNonPagedAllocations, s.CurrentNonPagedBytes, s.PeakNonPagedAllocations, s.PeakNonPagedBytes)
    {
        AllocationsFailedDeliberately = s.AllocationsFailedDeliberately,
    };

    /// <summary>Of the failed allocations, the ones Low Resources Simulation failed on purpose.</summary>
    public long AllocationsFailedDeliberately { get; init; }
}

/// <summary>Request counts over every workload and boot; <see cref="Consistent"/> checks issued = completed + failed + inFlight.</summary>
public sealed record TotalsSummary(long Issued, long Completed, long Failed, long Cancelled, long LostInCrash, long InFlight, long Bytes, double RequestsPerSimulatedSecond, bool Consistent);

/// <summary>One device's requests and latency.</summary>
public sealed record DeviceSummary(string Name, string Type, int Irq, string Driver, IReadOnlyList<string> Stack, long Issued, long Completed, long Failed, long InFlight, LatencySummary Latency);

/// <summary>One workload's requests and latency.</summary>
public sealed record WorkloadSummary(string Name, string Device, long Issued, long Completed, long Failed, long Cancelled, long LostInCrash, long InFlight, long Reads, long Writes, long Ioctls, long Bytes, double RequestsPerSimulatedSecond, LatencySummary Latency);

/// <summary>Latency percentiles in simulated nanoseconds.</summary>
public sealed record LatencySummary(long Count, long Min, long P50, long P90, long P99, long Max, long Mean)
{
    /// <summary>Summarises <paramref name="h"/>.</summary>
    public static LatencySummary From(LatencyHistogram h)
    {
        ArgumentNullException.ThrowIfNull(h);
        return new(h.Count, h.Min, h.Percentile(50), h.Percentile(90), h.Percentile(99), h.Max, h.Mean);
    }
}

/// <summary>One crash: the bugcheck, when, who, and its dump file.</summary>
public sealed record CrashSummary(int Boot, long AtNanoseconds, string Code, string Name, IReadOnlyList<string> Parameters, string? FaultingDriver, string? FaultingDevice, long PendingRequests, string? Dump)
{
    /// <summary>The routine that was running, when the runner knows it (the kernel runner does).</summary>
    public string? FaultingRoutine { get; init; }

    /// <summary>Of <see cref="PendingRequests"/> (the workloads' requests in flight, lost in the crash), the IRPs still held in a device stack.</summary>
    public int PendingIrps { get; init; }

    /// <summary>The scenario's fault that injected the bugcheck, or null when the machine found it.</summary>
    public string? InjectedBy { get; init; }
}

/// <summary>Wall-clock figures of a run: they vary run to run, so they live in wallclock.json, apart from the summary.</summary>
public sealed record WallClockSummary(double WallSeconds, double SimulatedSecondsPerWallSecond, double RequestsPerWallSecond, string Note)
{
    /// <summary>Per workload that recorded them (the io runner's user programs), request latencies in wall-clock nanoseconds.</summary>
    public IReadOnlyList<WallLatencySummary> Workloads { get; init; } = [];
}

/// <summary>One workload's request latencies in wall-clock time (issue to the program seeing the completion).</summary>
public sealed record WallLatencySummary(string Name, LatencySummary Latency);
