using ActorKernel.Actors;

namespace ActorKernel.Host;

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
    IReadOnlyList<string> DeviceTree)
{
    /// <summary>The routine that was running when the machine stopped (<c>TimerDpcRoutine</c>), if known.</summary>
    public string? FaultingRoutine { get; init; }

    /// <summary>The simulated machine's own crash dump as JSON (frames, DPC queues, IRQL history), embedded whole under <c>machine</c>.</summary>
    public string? DumpJson { get; init; }

    /// <summary>The kernel debugger's model of the stopped machine (the dump's <c>kd</c> section, read by <c>kd --dump</c>), as JSON.</summary>
    public string? DebuggerJson { get; init; }

    /// <summary>The seed of the boot that crashed (replay it with <c>--seed</c> for boot 0).</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Requests the workloads had in flight at the crash (issued, result not yet taken): the summary's
    /// "lost in crash" for this boot. <see cref="PendingRequests"/> lists the IRPs among them that the
    /// I/O manager still had outstanding; the rest had completed but were not yet reaped by their thread.
    /// </summary>
    public long InFlightRequests { get; init; }

    /// <summary>The boot that crashed (0 for the first).</summary>
    public int Boot { get; init; }

    /// <summary>The scenario's fault that injected this bugcheck (<c>$.faults[0] ...</c>), or null when the machine found it: an injected crash blames no driver.</summary>
    public string? InjectedBy { get; init; }
}

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
