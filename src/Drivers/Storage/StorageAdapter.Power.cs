using ActorKernel.Actors;

namespace ActorKernel.Drivers.Storage;

// The adapter's power state (the port is the device's power policy owner); its fields change under TagLock.
public sealed partial class StorageAdapter
{
    /// <summary>The device power state the port last set (D0 after start).</summary>
    public DevicePowerState DevicePower { get; internal set; } = DevicePowerState.PowerDeviceD0;

    /// <summary>The system state of the last system IRP_MN_SET_POWER.</summary>
    public SystemPowerState SystemPower { get; internal set; } = SystemPowerState.PowerSystemWorking;

    /// <summary>
    /// The power policy's "turn off the disk after" time in seconds: with a value the port registers the
    /// device for idle detection (PoRegisterDeviceForIdleDetection, D3) at its next request; 0 never.
    /// </summary>
    public uint PowerIdleTime { get; set; }

    /// <summary>Requests that arrived while the device was not in D0 (or going down), started again after D0.</summary>
    public int HeldRequests => HeldIrps.Count;

    /// <summary>Times the port saved the adapter and let it go to D3.</summary>
    public int PowerDowns { get; internal set; }

    /// <summary>Times the port brought the adapter back from D3 (HwInitialize again).</summary>
    public int PowerUps { get; internal set; }

    internal List<Irp> HeldIrps { get; } = [];

    // A D-IRP for D3 is draining the adapter: new requests are held.
    internal bool PowerDownInProgress { get; set; }

    // A D0 request is out (from a held request or the S0 S-IRP).
    internal bool PowerUpRequested { get; set; }

    internal PoIdleCounter? IdleCounter { get; set; }

    // Requests between the hold check and the return of IoStartPacket (a power-down waits for them).
    internal int PacketsStarting { get; set; }

    internal DeviceCapabilities? PowerCapabilities { get; set; }

    // The port's own flush before D3 passes the hold.
    internal Irp? PowerFlushIrp { get; set; }
}
