using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>A demo I/O request: the message that travels down a device stack and back up, as an IRP does.</summary>
internal sealed class DemoRequest
{
    public long Id;
    public int Slot;
    public IrpMajorFunction MajorFunction;
    public long Length;
    public long IssuedAtNanoseconds;
    public NtStatus Status = NtStatus.Pending;

    /// <summary>Index in <see cref="DeviceStack.Layers"/> of the device object holding it (0 = top).</summary>
    public int Location;

    /// <summary>False while going down the stack, true once the device completed it and it travels up.</summary>
    public bool Completing;

    /// <summary>Set when the device model has it and its interrupt is scheduled.</summary>
    public bool AtDevice;

    /// <summary>Set when the workload gave up on it (drain deadline); its late completion is ignored.</summary>
    public bool Cancelled;

    public required IActorRef Workload;
}

/// <summary>One device's stack of device objects, top first: upper filters, function, lower filters, device.</summary>
internal sealed class DeviceStack(string device, string[] names)
{
    public string Device { get; } = device;

    public string[] Names { get; } = names;

    public IActorRef[] Layers { get; } = new IActorRef[names.Length];

    public int Function { get; set; }
}

/// <summary>Messages of the demo machine's actors.</summary>
internal static class DemoMessages
{
    public static readonly object Start = new StartMessage();
    public static readonly object IssueOne = new IssueOneMessage();
    public static readonly object Tick = new TickMessage();
    public static readonly object StopIssuing = new StopIssuingMessage();
    public static readonly object CancelAll = new CancelAllMessage();
    public static readonly object SpuriousInterrupt = new SpuriousInterruptMessage();

    public sealed record PlantedBugCheck(BugCheckCode Code, ulong P1, ulong P2, ulong P3, ulong P4);

    public sealed record StormStart(long IntervalNanoseconds, long DurationNanoseconds);

    private sealed record StartMessage;

    private sealed record IssueOneMessage;

    private sealed record TickMessage;

    private sealed record StopIssuingMessage;

    private sealed record CancelAllMessage;

    private sealed record SpuriousInterruptMessage;
}
