using ActorKernel.Actors;

namespace ActorKernel.Drivers.Network;

// The adapter's power state and what the driver saved before D3.
public sealed partial class NicExtension
{
    /// <summary>The device power state the driver last set.</summary>
    public DevicePowerState PowerState { get; internal set; } = DevicePowerState.PowerDeviceD0;

    // RDH, RDT, TDH, TDT at the moment the power went.
    internal uint[]? SavedRegisters { get; set; }
}
