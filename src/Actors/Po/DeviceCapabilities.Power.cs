namespace ActorKernel.Actors;

// DEVICE_CAPABILITIES' power fields (wdm.h): the bus driver fills them at IRP_MN_QUERY_CAPABILITIES,
// the drivers above may lower them on the way up; the power policy owner maps an S-IRP to a D-IRP
// with DeviceState[S] (Microsoft "Reporting Device Power Capabilities").
public sealed partial class DeviceCapabilities
{
    /// <summary>
    /// DeviceState[PowerSystemMaximum]: for each system state, the highest-powered device state the
    /// device can be in then. PowerDeviceUnspecified where the bus reported nothing.
    /// </summary>
    public DevicePowerState[] DeviceState { get; } = new DevicePowerState[(int)SystemPowerState.PowerSystemMaximum];

    /// <summary>SystemWake: the lowest system state the device can wake the machine from (Unspecified: none).</summary>
    public SystemPowerState SystemWake { get; set; }

    /// <summary>DeviceWake: the lowest device state it can signal wake from (Unspecified: none).</summary>
    public DevicePowerState DeviceWake { get; set; }

    /// <summary>DeviceD1: the device supports D1.</summary>
    public bool DeviceD1 { get; set; }

    /// <summary>DeviceD2: the device supports D2.</summary>
    public bool DeviceD2 { get; set; }

    /// <summary>
    /// The device state a power policy owner asks for when the system enters <paramref name="system"/>:
    /// D0 for S0; otherwise DeviceState[S], or D3 where the bus reported nothing (the WDK's default).
    /// </summary>
    /// <param name="system">The system state of an S-IRP.</param>
    /// <returns>The D-state for the D-IRP.</returns>
    public DevicePowerState PoMapSystemState(SystemPowerState system)
    {
        if (system == SystemPowerState.PowerSystemWorking)
        {
            return DevicePowerState.PowerDeviceD0;
        }
        var index = (int)system;
        var mapped = index is > 0 and < (int)SystemPowerState.PowerSystemMaximum ? DeviceState[index] : DevicePowerState.PowerDeviceUnspecified;
        return mapped == DevicePowerState.PowerDeviceUnspecified ? DevicePowerState.PowerDeviceD3 : mapped;
    }
}
