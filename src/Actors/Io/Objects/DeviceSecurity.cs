namespace ActorKernel.Actors;

/// <summary>
/// A device object's security descriptor, reduced to the few SDDL strings drivers pass to
/// IoCreateDeviceSecure (<c>wdmsec.h</c>). The I/O manager checks a user-mode open's desired access
/// against it before IRP_MJ_CREATE is sent (IopParseDevice: SeAccessCheck); kernel-mode opens are not checked.
/// </summary>
public enum DeviceSecurity
{
    /// <summary>Any user-mode caller may open it with any access (a device without a restrictive descriptor).</summary>
    WorldAll = 0,

    /// <summary>SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_R_RES_R: user mode may open it to read (FILE_GENERIC_READ, FILE_GENERIC_EXECUTE) only.</summary>
    WorldReadOnly = 1,

    /// <summary>SDDL_DEVOBJ_SYS_ALL: only the kernel opens it; every user-mode open is denied.</summary>
    SystemOnly = 2,
}
