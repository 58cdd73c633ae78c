using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// The I/O manager's file system database (ntoskrnl/io/iomgr/volume.c): the queues of registered file
// systems by kind, and the mount of a volume the first time a file on it is opened (IopMountVolume).
public sealed partial class IoManager
{
    // IopDiskFileSystemQueueHead, IopCdRomFileSystemQueueHead, IopTapeFileSystemQueueHead,
    // IopNetworkFileSystemQueueHead: the control device objects, first tried first.
    private readonly List<DeviceObject> _diskFileSystems = [];
    private readonly List<DeviceObject> _cdRomFileSystems = [];
    private readonly List<DeviceObject> _tapeFileSystems = [];
    private readonly List<DeviceObject> _networkFileSystems = [];

    // IopFsRegistrationOps: bumped at each (un)registration, so a mount that raced one starts over.
    private int _fileSystemRegistrationOps;

    /// <summary>The registered disk file systems (FILE_DEVICE_DISK_FILE_SYSTEM control devices), in the order a mount tries them.</summary>
    public IReadOnlyList<DeviceObject> DiskFileSystems
    {
        get
        {
            lock (_diskFileSystems)
            {
                return [.. _diskFileSystems];
            }
        }
    }

    private List<DeviceObject>? IopFileSystemQueue(DeviceType fileSystemType) => fileSystemType switch
    {
        DeviceType.DiskFileSystem => _diskFileSystems,
        DeviceType.CdRomFileSystem => _cdRomFileSystems,
        DeviceType.TapeFileSystem => _tapeFileSystems,
        DeviceType.NetworkFileSystem => _networkFileSystems,
        _ => null,
    };

    internal void IopRegisterFileSystem(DeviceObject deviceObject)
    {
        var queue = IopFileSystemQueue(deviceObject.DeviceType);
        if (queue is not null)
        {
            lock (_diskFileSystems)
            {
                if ((deviceObject.Flags & DeviceObjectFlags.LowPriorityFileSystem) != 0)
                {
                    queue.Add(deviceObject);
                }
                else
                {
                    queue.Insert(0, deviceObject);
                }
                _fileSystemRegistrationOps++;
            }
        }
        deviceObject.Flags &= ~DeviceObjectFlags.DeviceInitializing;
    }

    internal void IopUnregisterFileSystem(DeviceObject deviceObject)
    {
        var queue = IopFileSystemQueue(deviceObject.DeviceType);
        if (queue is not null)
        {
            lock (_diskFileSystems)
            {
                queue.Remove(deviceObject);
                _fileSystemRegistrationOps++;
            }
        }
    }

    /// <summary>
    /// IopCheckVpbMounted: the VPB of <paramref name="device"/> once a file system has it mounted
    /// (mounting it now if none has), referenced for the open (VPB.ReferenceCount).
    /// </summary>
    /// <returns>STATUS_SUCCESS with the VPB; STATUS_ACCESS_DENIED for a locked volume (VPB_LOCKED); the mount's failure.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    internal async ValueTask<(NtStatus Status, Vpb? Vpb)> IopCheckVpbMounted(DeviceObject device, bool allowRawMount)
    {
        var vpb = device.Vpb!;
        while ((vpb.Flags & VpbFlags.Mounted) == 0)
        {
            var (status, mounted) = await IopMountVolume(device, allowRawMount).ConfigureAwait(false);
            if (!status.IsSuccess())
            {
                return (status, null);
            }
            if (mounted is not null)
            {
                return (NtStatus.Success, mounted); // referenced by the mount for this open
            }
        }
        lock (vpb)
        {
            if ((vpb.Flags & VpbFlags.Locked) != 0)
            {
                return (NtStatus.AccessDenied, null);
            }
            vpb.ReferenceCountField++;
            return (NtStatus.Success, vpb);
        }
    }

    /// <summary>IopDereferenceVpbAndFree: an open of a file on the volume was closed.</summary>
    internal static void IopDereferenceVpb(Vpb vpb)
    {
        lock (vpb)
        {
            vpb.ReferenceCountField--;
        }
    }

    /// <summary>
    /// IopMountVolume: under the device's lock, offers the volume of <paramref name="device"/> to each
    /// registered file system of its kind in turn (IRP_MJ_FILE_SYSTEM_CONTROL / IRP_MN_MOUNT_VOLUME,
    /// Parameters.MountVolume.Vpb and .DeviceObject = the top of the device's stack) until one succeeds;
    /// STATUS_UNRECOGNIZED_VOLUME moves to the next. A success marks the VPB mounted (VPB_MOUNTED), sets
    /// the volume device object's StackSize to the storage stack's + 1 and references the VPB.
    /// </summary>
    /// <returns>The status and, when this call mounted the volume, its VPB (referenced once); a volume already mounted gives STATUS_SUCCESS and no VPB.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    internal async ValueTask<(NtStatus Status, Vpb? Vpb)> IopMountVolume(DeviceObject device, bool allowRawMount)
    {
        var vpb = device.Vpb!;
        var deviceLock = vpb.IopDeviceLock;
        await Wdm.KeWaitForSingleObject(deviceLock, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        try
        {
            if ((vpb.Flags & VpbFlags.RemovePending) != 0)
            {
                return (NtStatus.DeviceDoesNotExist, null);
            }
            if ((vpb.Flags & VpbFlags.Mounted) != 0)
            {
                return (NtStatus.Success, null); // someone mounted it while this open waited for the lock
            }
            var attached = Wdm.IoGetAttachedDevice(device);
            var queue = IopFileSystemQueue(device.DeviceType switch
            {
                DeviceType.CdRom => DeviceType.CdRomFileSystem,
                DeviceType.Tape => DeviceType.TapeFileSystem,
                _ => DeviceType.DiskFileSystem,
            })!;
            List<DeviceObject> candidates;
            int registrationOps;
            lock (_diskFileSystems)
            {
                candidates = [.. queue];
                registrationOps = _fileSystemRegistrationOps;
            }
            // No RAW file system here: a volume no file system recognizes stays unmounted.
            var status = NtStatus.UnrecognizedVolume;
            for (var i = 0; i < candidates.Count; i++)
            {
                status = await IopSendMountVolume(candidates[i], vpb, attached, allowRawMount).ConfigureAwait(false);
                if (status.IsSuccess())
                {
                    // A file system that says it mounted but left Vpb->DeviceObject NULL mounted nothing.
                    return IopMountInitializeVpb(vpb, attached) is { } mounted ? (NtStatus.Success, mounted) : (NtStatus.Unsuccessful, null);
                }
                lock (_diskFileSystems)
                {
                    if (registrationOps != _fileSystemRegistrationOps)
                    {
                        // A file system (un)registered meanwhile: start over with the queue as it is now.
                        candidates = [.. queue];
                        registrationOps = _fileSystemRegistrationOps;
                        i = -1;
                        status = NtStatus.UnrecognizedVolume;
                        continue;
                    }
                }
                if (!allowRawMount && status != NtStatus.UnrecognizedVolume && FsRtlIsTotalDeviceFailure(status))
                {
                    break; // the device itself failed: no other file system would read it either
                }
            }
            return (status, null);
        }
        finally
        {
            Wdm.KeSetEvent(deviceLock, (int)PriorityBoost.IoNoIncrement, false);
        }
    }

    /// <summary>IopMountInitializeVpb: VPB_MOUNTED, the volume device's StackSize, a reference for the open that mounted it.</summary>
    private static Vpb? IopMountInitializeVpb(Vpb vpb, DeviceObject attached)
    {
        lock (vpb)
        {
            if (vpb.DeviceObject is not { } volumeDevice)
            {
                return null;
            }
            volumeDevice.StackSize = (sbyte)(attached.StackSize + 1);
            vpb.Flags |= VpbFlags.Mounted;
            vpb.MountCount++;
            vpb.ReferenceCountField++;
            return vpb;
        }
    }

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private async ValueTask<NtStatus> IopSendMountVolume(DeviceObject fileSystem, Vpb vpb, DeviceObject attached, bool allowRawMount)
    {
        var top = Wdm.IoGetAttachedDevice(fileSystem);
        var overhead = 1;
        for (var d = fileSystem; d.AttachedDevice is not null; d = d.AttachedDevice)
        {
            overhead++;
        }
        var irp = Wdm.IoAllocateIrp(this, (sbyte)(attached.StackSize + overhead), false);
        var done = new KEvent();
        Wdm.KeInitializeEvent(done, EventType.NotificationEvent, false);
        var iosb = new IoStatusBlock();
        irp.UserIosb = iosb;
        irp.UserEvent = done.IoSignal;
        irp.Thread = Processor.CurrentOrNull?.KiCurrentThread;
        irp.ThreadedByIoManager = true;
        irp.RequestorMode = KProcessorMode.KernelMode;
        irp.Flags = IrpFlags.MountCompletion | IrpFlags.SynchronousPagingIo;
        IopRequestIssued(irp, "IopMountVolume");
        var next = irp.NextStackLocation;
        next.MajorFunction = IrpMajorFunction.FileSystemControl;
        next.MinorFunction = (byte)FileSystemControlMinorFunction.MountVolume;
        next.Flags = allowRawMount ? (byte)1 : (byte)0;
        next.Parameters.MountVolume.Vpb = vpb;
        next.Parameters.MountVolume.DeviceObject = attached;
        var status = await Wdm.IoCallDriver(top, irp).ConfigureAwait(false);
        if (status == NtStatus.Pending)
        {
            await Wdm.KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            status = iosb.Status;
        }
        return status;
    }

    /// <summary>FsRtlIsTotalDeviceFailure: an error that says the device, not the volume's format, failed (anything but a CRC or data error).</summary>
    private static bool FsRtlIsTotalDeviceFailure(NtStatus status) =>
        status.IsError() && status != NtStatus.CrcError && status != NtStatus.DeviceDataError;
}
