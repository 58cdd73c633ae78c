namespace ActorKernel.Actors;

/// <summary>
/// A device object's security descriptor, reduced to what the SDDL strings of <c>wdmsec.h</c> grant a
/// user-mode caller (the simulator runs user processes as a standard user: World, not an
/// administrator). The I/O manager checks a user-mode open's desired access against it before
/// IRP_MJ_CREATE is sent (IopParseDevice: SeAccessCheck); kernel-mode opens are not checked.
/// Set it with <see cref="Wdm.IoCreateDeviceSecure"/> or <see cref="DeviceObject.Security"/>.
/// </summary>
public enum DeviceSecurity
{
    /// <summary>World may open it with any access (SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RWX_RES_RWX, or a device with no restrictive descriptor).</summary>
    WorldAll = 0,

    /// <summary>World may open it to read only: FILE_GENERIC_READ and FILE_GENERIC_EXECUTE (SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_R(_RES_R)).</summary>
    WorldReadOnly = 1,

    /// <summary>Only System (and administrators) open it; every user-mode open is denied (SDDL_DEVOBJ_KERNEL_ONLY, SDDL_DEVOBJ_SYS_ALL, SDDL_DEVOBJ_SYS_ALL_ADM_ALL, SDDL_DEVOBJ_SYS_ALL_ADM_RX).</summary>
    SystemOnly = 2,

    /// <summary>World may read and write: FILE_GENERIC_READ and FILE_GENERIC_WRITE, not DELETE, WRITE_DAC or WRITE_OWNER (SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RW_RES_R).</summary>
    WorldReadWrite = 3,
}

/// <summary>The SDDL strings of <c>wdmsec.h</c> that IoCreateDeviceSecure takes.</summary>
public static class DeviceSddl
{
    /// <summary>SDDL_DEVOBJ_KERNEL_ONLY: no ACE; only kernel-mode opens.</summary>
    public const string KernelOnly = "D:P";

    /// <summary>SDDL_DEVOBJ_SYS_ALL: System only.</summary>
    public const string SysAll = "D:P(A;;GA;;;SY)";

    /// <summary>SDDL_DEVOBJ_SYS_ALL_ADM_ALL: System and administrators.</summary>
    public const string SysAllAdmAll = "D:P(A;;GA;;;SY)(A;;GA;;;BA)";

    /// <summary>SDDL_DEVOBJ_SYS_ALL_ADM_RX: System all, administrators read and execute.</summary>
    public const string SysAllAdmRx = "D:P(A;;GA;;;SY)(A;;GRGX;;;BA)";

    /// <summary>SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_R: World reads.</summary>
    public const string SysAllAdmRwxWorldR = "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GR;;;WD)";

    /// <summary>SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_R_RES_R: World and restricted code read.</summary>
    public const string SysAllAdmRwxWorldRResR = "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GR;;;WD)(A;;GR;;;RC)";

    /// <summary>SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RW_RES_R: World reads and writes, restricted code reads.</summary>
    public const string SysAllAdmRwxWorldRwResR = "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGW;;;WD)(A;;GR;;;RC)";

    /// <summary>SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RWX_RES_RWX: everyone reads, writes and executes.</summary>
    public const string SysAllAdmRwxWorldRwxResRwx = "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGWGX;;;WD)(A;;GRGWGX;;;RC)";

    /// <summary>What a string grants World, or null for a string the simulator does not know.</summary>
    /// <param name="sddl">One of the constants above.</param>
    /// <returns>The device security, or null.</returns>
    public static DeviceSecurity? ToDeviceSecurity(string sddl) => sddl switch
    {
        KernelOnly or SysAll or SysAllAdmAll or SysAllAdmRx => DeviceSecurity.SystemOnly,
        SysAllAdmRwxWorldR or SysAllAdmRwxWorldRResR => DeviceSecurity.WorldReadOnly,
        SysAllAdmRwxWorldRwResR => DeviceSecurity.WorldReadWrite,
        SysAllAdmRwxWorldRwxResRwx => DeviceSecurity.WorldAll,
        _ => null,
    };
}

public static partial class Wdm
{
    /// <summary>
    /// IoCreateDeviceSecure (wdmsec): IoCreateDevice with a security descriptor from
    /// <paramref name="defaultSddlString"/> (one of <see cref="DeviceSddl"/>'s strings), checked against
    /// every later user-mode open.
    /// </summary>
    /// <param name="driverObject">The creating driver.</param>
    /// <param name="deviceExtension">The driver's per-device state.</param>
    /// <param name="deviceName">The name, or null.</param>
    /// <param name="deviceType">FILE_DEVICE_*.</param>
    /// <param name="deviceCharacteristics">FILE_* characteristics.</param>
    /// <param name="exclusive">Whether only one handle may be open at a time.</param>
    /// <param name="defaultSddlString">The SDDL string.</param>
    /// <param name="deviceClassGuid">The device class (recorded nowhere; the registry override it names is not modelled).</param>
    /// <param name="deviceObject">The new device object.</param>
    /// <returns>STATUS_SUCCESS; STATUS_INVALID_PARAMETER for an SDDL string the simulator does not know; else as IoCreateDevice.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NtStatus IoCreateDeviceSecure(DriverObject driverObject, object? deviceExtension, string? deviceName, DeviceType deviceType,
        DeviceCharacteristics deviceCharacteristics, bool exclusive, string defaultSddlString, Guid? deviceClassGuid, out DeviceObject? deviceObject)
    {
        ArgumentNullException.ThrowIfNull(defaultSddlString);
        _ = deviceClassGuid;
        deviceObject = null;
        if (DeviceSddl.ToDeviceSecurity(defaultSddlString) is not { } security)
        {
            return NtStatus.InvalidParameter;
        }
        var status = IoCreateDevice(driverObject, deviceExtension, deviceName, deviceType, deviceCharacteristics, exclusive, out deviceObject);
        if (status == NtStatus.Success)
        {
            deviceObject!.Security = security;
        }
        return status;
    }
}
