namespace ActorKernel.Actors;

/// <summary>
/// IRP major function codes (<c>IRP_MJ_*</c> in <c>wdm.h</c>); the index into <c>DRIVER_OBJECT.MajorFunction</c>.
/// </summary>
public enum IrpMajorFunction : byte
{
    /// <summary>IRP_MJ_CREATE (0x00): open a file object on the device.</summary>
    Create = 0x00,

    /// <summary>IRP_MJ_CREATE_NAMED_PIPE (0x01): create a named pipe (file systems only).</summary>
    CreateNamedPipe = 0x01,

    /// <summary>IRP_MJ_CLOSE (0x02): the last reference to the file object was released.</summary>
    Close = 0x02,

    /// <summary>IRP_MJ_READ (0x03): transfer data from the device.</summary>
    Read = 0x03,

    /// <summary>IRP_MJ_WRITE (0x04): transfer data to the device.</summary>
    Write = 0x04,

    /// <summary>IRP_MJ_QUERY_INFORMATION (0x05): query file information.</summary>
    QueryInformation = 0x05,

    /// <summary>IRP_MJ_SET_INFORMATION (0x06): set file information.</summary>
    SetInformation = 0x06,

    /// <summary>IRP_MJ_QUERY_EA (0x07): query extended attributes.</summary>
    QueryEa = 0x07,

    /// <summary>IRP_MJ_SET_EA (0x08): set extended attributes.</summary>
    SetEa = 0x08,

    /// <summary>IRP_MJ_FLUSH_BUFFERS (0x09): flush cached data to the device.</summary>
    FlushBuffers = 0x09,

    /// <summary>IRP_MJ_QUERY_VOLUME_INFORMATION (0x0A): query volume information.</summary>
    QueryVolumeInformation = 0x0A,

    /// <summary>IRP_MJ_SET_VOLUME_INFORMATION (0x0B): set volume information.</summary>
    SetVolumeInformation = 0x0B,

    /// <summary>IRP_MJ_DIRECTORY_CONTROL (0x0C): directory enumeration / change notification.</summary>
    DirectoryControl = 0x0C,

    /// <summary>IRP_MJ_FILE_SYSTEM_CONTROL (0x0D): FSCTL requests and mount/verify.</summary>
    FileSystemControl = 0x0D,

    /// <summary>IRP_MJ_DEVICE_CONTROL (0x0E): IOCTL requests (DeviceIoControl).</summary>
    DeviceControl = 0x0E,

    /// <summary>IRP_MJ_INTERNAL_DEVICE_CONTROL (0x0F): kernel-only IOCTLs between drivers.</summary>
    InternalDeviceControl = 0x0F,

    /// <summary>IRP_MJ_SCSI (0x0F): alias of <see cref="InternalDeviceControl"/> used by storage class/port drivers.</summary>
    Scsi = 0x0F,

    /// <summary>IRP_MJ_SHUTDOWN (0x10): system shutdown notification (IoRegisterShutdownNotification).</summary>
    Shutdown = 0x10,

    /// <summary>IRP_MJ_LOCK_CONTROL (0x11): byte-range lock requests.</summary>
    LockControl = 0x11,

    /// <summary>IRP_MJ_CLEANUP (0x12): the last handle to the file object was closed; cancel its queued IRPs.</summary>
    Cleanup = 0x12,

    /// <summary>IRP_MJ_CREATE_MAILSLOT (0x13): create a mailslot (file systems only).</summary>
    CreateMailslot = 0x13,

    /// <summary>IRP_MJ_QUERY_SECURITY (0x14): query a security descriptor.</summary>
    QuerySecurity = 0x14,

    /// <summary>IRP_MJ_SET_SECURITY (0x15): set a security descriptor.</summary>
    SetSecurity = 0x15,

    /// <summary>IRP_MJ_POWER (0x16): power management requests (see <see cref="PowerMinorFunction"/>).</summary>
    Power = 0x16,

    /// <summary>IRP_MJ_SYSTEM_CONTROL (0x17): WMI requests.</summary>
    SystemControl = 0x17,

    /// <summary>IRP_MJ_DEVICE_CHANGE (0x18): device change notification (obsolete).</summary>
    DeviceChange = 0x18,

    /// <summary>IRP_MJ_QUERY_QUOTA (0x19): query quota information.</summary>
    QueryQuota = 0x19,

    /// <summary>IRP_MJ_SET_QUOTA (0x1A): set quota information.</summary>
    SetQuota = 0x1A,

    /// <summary>IRP_MJ_PNP (0x1B): Plug and Play requests (see <see cref="PnpMinorFunction"/>).</summary>
    Pnp = 0x1B,

    /// <summary>IRP_MJ_MAXIMUM_FUNCTION (0x1B): the highest major function code; the dispatch table has MaximumFunction + 1 entries.</summary>
    MaximumFunction = 0x1B,
}
