namespace ActorKernel.Actors;

/// <summary>VPB.Flags (<c>VPB_*</c> in <c>ntifs.h</c>).</summary>
[Flags]
public enum VpbFlags : ushort
{
    /// <summary>No flag: the volume is not mounted.</summary>
    None = 0,

    /// <summary>VPB_MOUNTED (0x0001): a file system mounted the volume; <see cref="Vpb.DeviceObject"/> is its volume device object.</summary>
    Mounted = 0x0001,

    /// <summary>VPB_LOCKED (0x0002): the volume is locked (FSCTL_LOCK_VOLUME); opens fail with STATUS_ACCESS_DENIED.</summary>
    Locked = 0x0002,

    /// <summary>VPB_PERSISTENT (0x0004): the VPB stays with the device even when the volume dismounts.</summary>
    Persistent = 0x0004,

    /// <summary>VPB_REMOVE_PENDING (0x0008): the volume's device is being removed; no new mount.</summary>
    RemovePending = 0x0008,

    /// <summary>VPB_RAW_MOUNT (0x0010): the RAW file system mounted the volume (not modelled: no RAW here).</summary>
    RawMount = 0x0010,

    /// <summary>VPB_DIRECT_WRITES_ALLOWED (0x0020).</summary>
    DirectWritesAllowed = 0x0020,
}

/// <summary>
/// VPB, the volume parameter block: the link between a storage device that can hold a volume (a
/// FILE_DEVICE_DISK, CD_ROM, TAPE or VIRTUAL_DISK device: IoCreateDevice gives it one) and the volume
/// device object of the file system that mounted it. IopParseDevice follows <see cref="DeviceObject"/>
/// for every open with a name under the device; <see cref="RealDevice"/> is the storage device.
/// </summary>
/// <remarks>
/// The mount (IopMountVolume) holds the VPB's lock; the file system's IRP_MN_MOUNT_VOLUME sets
/// <see cref="DeviceObject"/>, <see cref="VolumeLabel"/> and <see cref="SerialNumber"/>, and the I/O
/// manager sets <see cref="VpbFlags.Mounted"/> when the mount succeeds.
/// </remarks>
public sealed class Vpb
{
    internal Vpb(DeviceObject realDevice) => RealDevice = realDevice;

    /// <summary>VPB.Type: IO_TYPE_VPB (10).</summary>
    public const short IoTypeVpb = 10;

    /// <summary>VPB.Flags (VPB_*).</summary>
    public VpbFlags Flags
    {
        get => (VpbFlags)Volatile.Read(ref _flags);
        set => Volatile.Write(ref _flags, (int)value);
    }

    private int _flags;

    /// <summary>VPB.VolumeLabel (at most MAXIMUM_VOLUME_LABEL_LENGTH / 2 = 32 characters); the file system sets it at mount.</summary>
    public string VolumeLabel { get; set; } = "";

    /// <summary>VPB.SerialNumber; the file system sets it at mount.</summary>
    public uint SerialNumber { get; set; }

    /// <summary>VPB.DeviceObject: the file system's volume device object (null while not mounted).</summary>
    public DeviceObject? DeviceObject { get; set; }

    /// <summary>VPB.RealDevice: the storage device the VPB belongs to (the device IoCreateDevice made it for).</summary>
    public DeviceObject RealDevice { get; }

    /// <summary>VPB.ReferenceCount: opens of files on the volume not yet closed (the I/O manager counts them; a dismount waits for zero).</summary>
    public int ReferenceCount => Volatile.Read(ref ReferenceCountField);

    internal int ReferenceCountField;

    /// <summary>Mounts of this VPB (IRP_MN_MOUNT_VOLUME that succeeded), for tests and <c>!vpb</c>.</summary>
    public int MountCount { get; internal set; }

    // DEVICE_OBJECT.DeviceLock of the real device (a synchronization event, signalled while free):
    // IopMountVolume holds it, so one mount at a time; an open that waited finds the volume mounted.
    internal KEvent IopDeviceLock { get; } = CreateDeviceLock();

    private static KEvent CreateDeviceLock()
    {
        var deviceLock = new KEvent();
        Wdm.KeInitializeEvent(deviceLock, EventType.SynchronizationEvent, true);
        return deviceLock;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"VPB {RealDevice.Name ?? "(unnamed)"} flags {Flags} -> {DeviceObject?.ToString() ?? "(not mounted)"} label '{VolumeLabel}' serial {SerialNumber:X8} refs {ReferenceCount}";
}
