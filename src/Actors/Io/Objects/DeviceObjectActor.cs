using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// Told to a device object's actor when IoCallDriver delivers an IRP to the device from outside
/// the processor model (a caller on no simulated processor, where IoCallDriver is a direct call).
/// On a processor IoCallDriver counts the arrival on the device object (the actor takes the count
/// when asked for its statistics), and this record is not sent.
/// </summary>
/// <param name="Irp">The IRP's address.</param>
/// <param name="MajorFunction">The major function of the device's stack location.</param>
/// <param name="Location">The stack location the device got.</param>
/// <param name="Processor">The processor number the caller reported (where the dispatch routine runs).</param>
/// <param name="Irql">The IRQL the dispatch routine runs at.</param>
/// <param name="TimeNs">Simulated time of the delivery.</param>
public sealed record IrpArrived(ulong Irp, IrpMajorFunction MajorFunction, int Location, int Processor, Irql Irql, long TimeNs);

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

/// <summary>Told by IoDeleteDevice: the actor stops.</summary>
internal sealed class IopDeviceDeleted
{
    public static readonly IopDeviceDeleted Instance = new();
}

/// <summary>
/// The actor of a device object: it keeps the device's statistics (the IRPs that arrived by major
/// function, the completions that passed) and stops after IoDeleteDevice. IoCallDriver on a processor
/// is not a message to it: the hop is the caller's processor's own Continue after IoCallDriver's
/// charge (one delivery), and both IoCallDriver and completion count on the device object, which
/// the actor takes when asked for its statistics. Off a processor it is told <see cref="IrpArrived"/>.
/// </summary>
/// <remarks>
/// It checks nothing that must bugcheck: those checks (NO_MORE_IRP_STACK_LOCATIONS, the verifier's
/// 0xC9) run on the caller's processor before the hop, so the dump names the calling driver.
/// </remarks>
internal sealed class DeviceObjectActor : ActorBase
{
    private readonly string _name;
    private readonly DeviceObject _device;
    private readonly long[] _arrived = new long[(int)IrpMajorFunction.MaximumFunction + 1];
    private long _passed;

    public DeviceObjectActor(string name, DeviceObject device)
    {
        _name = name;
        _device = device;
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case IrpArrived arrived:
                Count(arrived.MajorFunction);
                return true;
            case IopDeviceDeleted:
                Context.Stop(Self);
                return true;
            case GetDeviceStatistics:
                _passed += _device.IopTakePassed();
                _device.IopTakeArrived(_arrived);
                Sender.Tell(new DeviceStatistics(_name, Snapshot(), _passed), Self);
                return true;
            default:
                return false;
        }
    }

    private void Count(IrpMajorFunction major)
    {
        var index = (int)major;
        if ((uint)index < (uint)_arrived.Length)
        {
            _arrived[index]++;
        }
    }

    private SortedDictionary<string, long> Snapshot()
    {
        // Sorted: statistics list the same way in every run.
        var arrived = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < _arrived.Length; i++)
        {
            if (_arrived[i] != 0)
            {
                arrived[((IrpMajorFunction)i).ToDisplayString()] = _arrived[i];
            }
        }
        return arrived;
    }
}
