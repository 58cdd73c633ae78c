namespace ActorKernel.Actors;

/// <summary>SYSTEM_POWER_STATE (wdm.h): the machine's power states, S0 (working) to S5 (off).</summary>
public enum SystemPowerState
{
    /// <summary>PowerSystemUnspecified (0).</summary>
    PowerSystemUnspecified = 0,

    /// <summary>PowerSystemWorking (1): S0.</summary>
    PowerSystemWorking = 1,

    /// <summary>PowerSystemSleeping1 (2): S1.</summary>
    PowerSystemSleeping1 = 2,

    /// <summary>PowerSystemSleeping2 (3): S2.</summary>
    PowerSystemSleeping2 = 3,

    /// <summary>PowerSystemSleeping3 (4): S3, suspend to RAM.</summary>
    PowerSystemSleeping3 = 4,

    /// <summary>PowerSystemHibernate (5): S4, suspend to disk.</summary>
    PowerSystemHibernate = 5,

    /// <summary>PowerSystemShutdown (6): S5, soft off.</summary>
    PowerSystemShutdown = 6,

    /// <summary>PowerSystemMaximum (7): the size of DEVICE_CAPABILITIES.DeviceState.</summary>
    PowerSystemMaximum = 7,
}

/// <summary>DEVICE_POWER_STATE (wdm.h): D0 (fully on) to D3 (off).</summary>
public enum DevicePowerState
{
    /// <summary>PowerDeviceUnspecified (0).</summary>
    PowerDeviceUnspecified = 0,

    /// <summary>PowerDeviceD0 (1).</summary>
    PowerDeviceD0 = 1,

    /// <summary>PowerDeviceD1 (2).</summary>
    PowerDeviceD1 = 2,

    /// <summary>PowerDeviceD2 (3).</summary>
    PowerDeviceD2 = 3,

    /// <summary>PowerDeviceD3 (4).</summary>
    PowerDeviceD3 = 4,

    /// <summary>PowerDeviceMaximum (5).</summary>
    PowerDeviceMaximum = 5,
}

/// <summary>POWER_STATE_TYPE (wdm.h): which half of <see cref="PowerState"/> a power IRP carries.</summary>
public enum PowerStateType
{
    /// <summary>SystemPowerState (0): an S-IRP.</summary>
    SystemPowerState = 0,

    /// <summary>DevicePowerState (1): a D-IRP.</summary>
    DevicePowerState = 1,
}

/// <summary>POWER_ACTION (ntpoapi.h): why the system changes state (Parameters.Power.ShutdownType).</summary>
public enum PowerAction
{
    /// <summary>PowerActionNone (0).</summary>
    PowerActionNone = 0,

    /// <summary>PowerActionReserved (1).</summary>
    PowerActionReserved = 1,

    /// <summary>PowerActionSleep (2).</summary>
    PowerActionSleep = 2,

    /// <summary>PowerActionHibernate (3).</summary>
    PowerActionHibernate = 3,

    /// <summary>PowerActionShutdown (4).</summary>
    PowerActionShutdown = 4,

    /// <summary>PowerActionShutdownReset (5).</summary>
    PowerActionShutdownReset = 5,

    /// <summary>PowerActionShutdownOff (6).</summary>
    PowerActionShutdownOff = 6,

    /// <summary>PowerActionWarmEject (7).</summary>
    PowerActionWarmEject = 7,
}

/// <summary>POWER_STATE (wdm.h): a union of a system and a device power state.</summary>
/// <param name="SystemState">The system state (an S-IRP).</param>
/// <param name="DeviceState">The device state (a D-IRP).</param>
public readonly record struct PowerState(SystemPowerState SystemState, DevicePowerState DeviceState)
{
    /// <summary>A POWER_STATE holding a system state.</summary>
    /// <param name="state">The state.</param>
    /// <returns>The union.</returns>
    public static PowerState System(SystemPowerState state) => new(state, DevicePowerState.PowerDeviceUnspecified);

    /// <summary>A POWER_STATE holding a device state.</summary>
    /// <param name="state">The state.</param>
    /// <returns>The union.</returns>
    public static PowerState Device(DevicePowerState state) => new(SystemPowerState.PowerSystemUnspecified, state);
}

/// <summary>
/// The Windows release the machine's power manager behaves as. Before Windows Vista the power manager
/// serialises power IRPs (one S-IRP and one D-IRP active per device object) and every driver must call
/// PoStartNextPowerIrp once per IRP_MN_QUERY_POWER / IRP_MN_SET_POWER and pass power IRPs with
/// PoCallDriver; from Vista on PoStartNextPowerIrp does nothing and PoCallDriver is IoCallDriver.
/// </summary>
public enum NtPowerVersion
{
    /// <summary>Windows 2000 (5.0).</summary>
    Windows2000 = 0x0500,

    /// <summary>Windows XP (5.1).</summary>
    WindowsXP = 0x0501,

    /// <summary>Windows Server 2003 (5.2).</summary>
    WindowsServer2003 = 0x0502,

    /// <summary>Windows Vista (6.0).</summary>
    WindowsVista = 0x0600,

    /// <summary>Windows 7 (6.1): the first with nt!TRIAGE_9F_POWER in 0x9F subcode 3's third parameter.</summary>
    Windows7 = 0x0601,

    /// <summary>Windows 10 (10.0).</summary>
    Windows10 = 0x0A00,
}

/// <summary>
/// REQUEST_POWER_COMPLETE: the callback PoRequestPowerIrp runs when the IRP it sent completes, at
/// the IRQL the IRP completed at (&lt;= DISPATCH_LEVEL).
/// </summary>
/// <param name="deviceObject">The device the IRP was requested for.</param>
/// <param name="minorFunction">IRP_MN_SET_POWER, IRP_MN_QUERY_POWER or IRP_MN_WAIT_WAKE.</param>
/// <param name="powerState">The state the IRP asked for.</param>
/// <param name="context">The caller's context.</param>
/// <param name="ioStatus">The IRP's final IoStatus.</param>
/// <returns>A task that ends when the callback returns.</returns>
public delegate ValueTask RequestPowerComplete(DeviceObject deviceObject, PowerMinorFunction minorFunction, PowerState powerState, object? context, IoStatusBlock ioStatus);
