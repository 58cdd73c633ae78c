using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// Told to a device object's actor when IoCallDriver delivers an IRP to the device from outside
/// the processor model (a caller on no simulated processor, where IoCallDriver is a direct call).
/// On a processor the delivery is the hop itself (an internal message the actor answers by
/// resuming the caller), and this record is not sent.
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

/// <summary>
/// The hop of IoCallDriver (pooled per processor): the IRP on its way to <see cref="Device"/>, told
/// to the device's actor while the caller's frame waits. It is also the call itself (the task the
/// caller awaits and the dispatch routine's arguments): Io/Engine/IoManager.Hop.cs.
/// </summary>
internal sealed partial class IopIrpHop(Processor processor) : KiHop(processor)
{
    public DeviceObject Device = null!;
    public ulong Irp;
    public IrpMajorFunction MajorFunction;
    public int Location;
    public Irql Irql;
    public long TimeNs;

    // For the caller's processor (the device's actor does not read these).
    public DriverDispatch Dispatch = null!;
    public Irp Request = null!;
    public IoStackLocation StackLocation = null!;
    public bool Verify;
}

/// <summary>Told by IoDeleteDevice: the actor stops once no hop to the device is in flight.</summary>
internal sealed class IopDeviceDeleted
{
    public static readonly IopDeviceDeleted Instance = new();
}

/// <summary>
/// The actor of a device object. IoCallDriver on a processor is a message to it (the hop): it
/// counts the arrival and resumes the caller's processor, which then runs the driver's dispatch
/// routine at the caller's IRQL. Completion counts what passed on the device; the actor takes that
/// count when asked for its statistics. It stops after IoDeleteDevice.
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
    private bool _deleted;

    public DeviceObjectActor(string name, DeviceObject device)
    {
        _name = name;
        _device = device;
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case IopIrpHop hop:
                Count(hop.MajorFunction);
                hop.KiResume(Self); // last use of the hop: the processor may reuse it once resumed
                if (_device.IopEndHop() && _deleted)
                {
                    Context.Stop(Self);
                }
                return true;
            case IrpArrived arrived:
                Count(arrived.MajorFunction);
                return true;
            case IopDeviceDeleted:
                _deleted = true;
                if (_device.IopNoHopInFlight)
                {
                    Context.Stop(Self);
                }
                return true;
            case GetDeviceStatistics:
                _passed += _device.IopTakePassed();
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
