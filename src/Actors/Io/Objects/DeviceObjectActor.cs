using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>Told to a device object's actor when IoCallDriver delivers an IRP to the device (the hop).</summary>
/// <param name="Irp">The IRP's address.</param>
/// <param name="MajorFunction">The major function of the device's stack location.</param>
/// <param name="Location">The stack location the device got.</param>
/// <param name="Processor">The processor whose caller sent it (where the dispatch routine runs).</param>
/// <param name="Irql">The IRQL the dispatch routine runs at.</param>
/// <param name="TimeNs">Simulated time of the hop.</param>
public sealed record IrpArrived(ulong Irp, IrpMajorFunction MajorFunction, int Location, int Processor, Irql Irql, long TimeNs);

/// <summary>Told to a device object's actor when completion passes the device's stack location on its way up.</summary>
/// <param name="Irp">The IRP's address.</param>
/// <param name="Status">Irp-&gt;IoStatus.Status at that point.</param>
/// <param name="PendingReturned">Whether the device's location was marked pending.</param>
/// <param name="TimeNs">Simulated time.</param>
public sealed record IrpPassed(ulong Irp, NtStatus Status, bool PendingReturned, long TimeNs);

/// <summary>Asks a device object's actor for its <see cref="DeviceStatistics"/>.</summary>
public sealed record GetDeviceStatistics
{
    /// <summary>The one instance.</summary>
    public static GetDeviceStatistics Instance { get; } = new();
}

/// <summary>What a device object's actor saw.</summary>
/// <param name="Device">The device's name (or address).</param>
/// <param name="Arrived">IRPs delivered to the device, by major function (IRP_MJ_* names).</param>
/// <param name="Passed">
/// Completions that passed a stack location of this device (a device that handed its own location
/// down with IoSkipCurrentIrpStackLocation is not passed: the location belongs to the device below).
/// </param>
public sealed record DeviceStatistics(string Device, IReadOnlyDictionary<string, long> Arrived, long Passed);

/// <summary>
/// The actor of a device object: every IRP delivered to the device and every completion passing
/// it arrive here as messages, in order, so the device's traffic can be watched (and, later,
/// inspected) without touching the processors that run the routines.
/// </summary>
internal sealed class DeviceObjectActor : ReceiveActor
{
    // Sorted: statistics list the same way in every run.
    private readonly SortedDictionary<string, long> _arrived = new(StringComparer.Ordinal);
    private long _passed;

    public DeviceObjectActor(string name)
    {
        Receive<IrpArrived>(arrived =>
        {
            var major = arrived.MajorFunction.ToDisplayString();
            _arrived[major] = _arrived.GetValueOrDefault(major) + 1;
        });
        Receive<IrpPassed>(_ => _passed++);
        Receive<GetDeviceStatistics>(_ => Sender.Tell(new DeviceStatistics(name, new SortedDictionary<string, long>(_arrived, StringComparer.Ordinal), _passed), Self));
    }
}
