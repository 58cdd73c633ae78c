using ActorKernel.Actors;

namespace ActorKernel.Drivers.Serial;

// The port's power state and the UART registers saved across D3.
public sealed partial class SerialExtension
{
    /// <summary>The device power state the driver last set.</summary>
    public DevicePowerState PowerState { get; internal set; } = DevicePowerState.PowerDeviceD0;

    // LCR, DLL, DLM, IER, MCR when the power went (serial.sys's SerialSaveDeviceState).
    internal byte[]? SavedRegisters { get; set; }
}
