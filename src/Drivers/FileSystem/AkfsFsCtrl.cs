/*++

Module Name:

    AkfsFsCtrl.cs

Abstract:

    IRP_MJ_FILE_SYSTEM_CONTROL (fsctrl.c): IRP_MN_MOUNT_VOLUME, sent by the I/O manager to the
    file system's CDO when a name under an unmounted volume is opened (IopMountVolume). akfs reads
    sector 0 through the volume (IoBuildSynchronousFsdRequest); without its signature the answer is
    STATUS_UNRECOGNIZED_VOLUME and the I/O manager tries the next file system. Otherwise it reads the
    bitmap and the inode table, creates the volume device object (unnamed, FILE_DEVICE_DISK_FILE_SYSTEM,
    StackSize the volume's + 1 so an IRP it receives can go on down), builds the VCB and the root's
    DCB, and points the VPB at the VDO (Vpb->DeviceObject, the label and serial number); the I/O
    manager marks the VPB mounted when the IRP succeeds.

    Left out: IRP_MN_VERIFY_VOLUME (removable media), FSCTL_LOCK/DISMOUNT_VOLUME and the other user
    FSCTLs (STATUS_INVALID_DEVICE_REQUEST), remounting a VPB whose VCB survived a dismount.

Environment:

    Kernel mode, PASSIVE_LEVEL (the I/O manager's mount runs in the opener's thread).

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.FileSystem;

public static partial class Akfs
{
    /// <summary>IRP_MJ_FILE_SYSTEM_CONTROL: the mount on the CDO; everything else is STATUS_INVALID_DEVICE_REQUEST.</summary>
    private static async ValueTask<NtStatus> AkfsFsdFileSystemControl(DeviceObject deviceObject, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        if (deviceObject.DeviceExtension is AkfsData data && (FileSystemControlMinorFunction)stack.MinorFunction == FileSystemControlMinorFunction.MountVolume)
        {
            var status = await AkfsMountVolume(deviceObject, data, stack.Parameters.MountVolume.DeviceObject!, stack.Parameters.MountVolume.Vpb!);
            return await AkfsCompleteRequest(irp, status);
        }
        return await AkfsCompleteRequest(irp, NtStatus.InvalidDeviceRequest);
    }

    /// <summary>FatMountVolume: recognize the volume, build the VCB and the VDO, fill the VPB.</summary>
    private static async ValueTask<NtStatus> AkfsMountVolume(DeviceObject cdo, AkfsData data, DeviceObject target, Vpb vpb)
    {
        var boot = new byte[SectorSize];
        var status = await AkfsVolumeIo(target, IrpMajorFunction.Read, 0, boot);
        if (!status.IsSuccess())
        {
            return status;
        }
        if (AkfsSuperblock.TryRead(boot) is not { } superblock)
        {
            Interlocked.Increment(ref data.UnrecognizedVolumes);
            return NtStatus.UnrecognizedVolume;
        }
        var bitmap = new byte[superblock.BitmapClusters * (long)superblock.BytesPerCluster];
        status = await AkfsVolumeIo(target, IrpMajorFunction.Read, superblock.ClusterOffset(superblock.BitmapCluster), bitmap);
        if (!status.IsSuccess())
        {
            return status;
        }
        var table = new byte[superblock.InodeTableClusters * (long)superblock.BytesPerCluster];
        status = await AkfsVolumeIo(target, IrpMajorFunction.Read, superblock.ClusterOffset(superblock.InodeTableCluster), table);
        if (!status.IsSuccess())
        {
            return status;
        }
        var vcb = new AkfsVcb(superblock, bitmap, table, target);
        var root = vcb.ReadInode(AkfsFormatConstants.RootInode);
        if (!root.InUse || !root.IsDirectory)
        {
            return NtStatus.FileCorruptError; // the signature is ours, the root is not: STATUS_FILE_CORRUPT_ERROR
        }
        vcb.RootDcb = new AkfsFcb(vcb, AkfsFormatConstants.RootInode, root, null, "") { OpenCount = 1 };
        vcb.AddFcb(vcb.RootDcb);
        status = await AkfsLoadDirectory(vcb.RootDcb);
        if (!status.IsSuccess())
        {
            return status;
        }
        status = IoCreateDevice(cdo.DriverObject, vcb, null, DeviceType.DiskFileSystem, 0, false, out var vdo);
        if (!status.IsSuccess())
        {
            return status;
        }
        // Before DO_DEVICE_INITIALIZING clears: an IRP sent to the VDO must have a location left for the volume.
        vdo!.StackSize = (sbyte)(target.StackSize + 1);
        vdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        vcb.VolumeDeviceObject = vdo;
        vcb.Vpb = vpb;
        vdo.Vpb = vpb;
        vpb.DeviceObject = vdo;
        vpb.VolumeLabel = superblock.Label;
        vpb.SerialNumber = superblock.SerialNumber;
        data.AddVcb(vcb);
        return NtStatus.Success;
    }

    /// <summary>Reads a directory's entries from the volume into its DCB (once).</summary>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    internal static async ValueTask<NtStatus> AkfsLoadDirectory(AkfsFcb dcb)
    {
        if (dcb.Entries is not null)
        {
            return NtStatus.Success;
        }
        var size = (dcb.FileSize + SectorSize - 1) / SectorSize * SectorSize;
        var data = new byte[size];
        for (long done = 0; done < size;)
        {
            var (at, run) = dcb.Map(done);
            if (at < 0)
            {
                return NtStatus.FileCorruptError;
            }
            var piece = (int)Math.Min(run, size - done);
            var status = await AkfsVolumeIo(dcb.Vcb.TargetDevice, IrpMajorFunction.Read, at, data.AsMemory((int)done, piece));
            if (!status.IsSuccess())
            {
                return status;
            }
            done += piece;
        }
        dcb.Entries = AkfsDirectory.Parse(data, dcb.FileSize);
        return NtStatus.Success;
    }
}
