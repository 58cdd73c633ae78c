using ActorKernel.Actors;

namespace ActorKernel.Drivers.RamDisk;

// The RAM disk's power state and the requests held while it is not in D0 (under PowerLock).
public sealed partial class RamDiskExtension
{
    /// <summary>The device power state the driver last set.</summary>
    public DevicePowerState PowerState { get; internal set; } = DevicePowerState.PowerDeviceD0;

    /// <summary>The system state of the last system IRP_MN_SET_POWER.</summary>
    public SystemPowerState SystemPower { get; internal set; } = SystemPowerState.PowerSystemWorking;

    /// <summary>Requests waiting for D0.</summary>
    public int HeldRequests => Held.Count;

    internal KSpinLock PowerLock { get; } = new();

    internal List<Irp> Held { get; } = [];

    internal bool PowerUpRequested { get; set; }
}
