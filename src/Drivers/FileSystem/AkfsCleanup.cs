/*++

Module Name:

    AkfsCleanup.cs

Abstract:

    IRP_MJ_CLEANUP (cleanup.c) and IRP_MJ_CLOSE (close.c).

    Cleanup comes when the last handle to a file object closes: its share access leaves the FCB
    (IoRemoveShareAccess); FILE_DELETE_ON_CLOSE marks the FCB delete-pending; the file object's
    cache map is uninitialized (CcUninitializeCacheMap: the last one writes the dirty pages back, or,
    for a file about to be deleted, cuts the stream at 0 so nothing is written); when it was the
    FCB's last handle and the FCB is delete-pending, the file is deleted (its entry, clusters and
    inode freed). FO_CLEANUP_COMPLETE is set.

    Close comes when the last reference to the file object goes: the FCB's open count drops and the
    FCB leaves the VCB's table at zero (the root's DCB stays while the volume is mounted).

Environment:

    Kernel mode, PASSIVE_LEVEL (close may run in a system worker thread).

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.FileSystem;

public static partial class Akfs
{
    /// <summary>IRP_MJ_CLEANUP.</summary>
    private static async ValueTask<NtStatus> AkfsFsdCleanup(DeviceObject deviceObject, Irp irp)
    {
        var file = IoGetCurrentIrpStackLocation(irp).FileObject!;
        if (deviceObject.DeviceExtension is not AkfsVcb vcb || file.FsContext is not AkfsFcb fcb)
        {
            file.Flags |= FileObjectFlags.CleanupComplete;
            return await AkfsCompleteRequest(irp, NtStatus.Success);
        }
        var ccb = (AkfsCcb)file.FsContext2!;
        await AkfsAcquireVcb(vcb);
        var status = NtStatus.Success;
        try
        {
            IoRemoveShareAccess(file, fcb.ShareAccess);
            if (ccb.DeleteOnClose)
            {
                fcb.DeletePending = true;
            }
            fcb.UncleanCount--;
            if (fcb.UncleanCount == 0 && fcb.DeletePending && fcb.IsDirectory && (await AkfsLoadDirectory(fcb)).IsSuccess() && !AkfsDirectory.IsEmpty(fcb.Entries!))
            {
                fcb.DeletePending = false; // FILE_DELETE_ON_CLOSE on a directory that gained entries: it stays
            }
            var delete = fcb.UncleanCount == 0 && fcb.DeletePending && !fcb.Deleted;
            await CcUninitializeCacheMap(file, delete ? 0 : null);
            if (delete)
            {
                status = await AkfsDeleteFile(fcb);
            }
            else if ((file.Flags & FileObjectFlags.FileModified) != 0 && !fcb.Deleted)
            {
                fcb.ChangeTime = fcb.LastWriteTime;
                status = await AkfsWriteInode(fcb);
            }
            file.Flags |= FileObjectFlags.CleanupComplete;
        }
        finally
        {
            AkfsReleaseVcb(vcb);
        }
        return await AkfsCompleteRequest(irp, status);
    }

    /// <summary>IRP_MJ_CLOSE.</summary>
    private static async ValueTask<NtStatus> AkfsFsdClose(DeviceObject deviceObject, Irp irp)
    {
        var file = IoGetCurrentIrpStackLocation(irp).FileObject!;
        if (deviceObject.DeviceExtension is AkfsVcb vcb && file.FsContext is AkfsFcb fcb)
        {
            await AkfsAcquireVcb(vcb);
            try
            {
                fcb.OpenCount--;
                if (fcb.OpenCount == 0 && fcb != vcb.RootDcb)
                {
                    vcb.RemoveFcb(fcb);
                }
            }
            finally
            {
                AkfsReleaseVcb(vcb);
            }
        }
        return await AkfsCompleteRequest(irp, NtStatus.Success);
    }

    /// <summary>IRP_MJ_FLUSH_BUFFERS (flush.c): the file's dirty cache pages (CcFlushCache), its inode, then the volume (FatHijackIrpAndFlushDevice).</summary>
    private static async ValueTask<NtStatus> AkfsFsdFlushBuffers(DeviceObject deviceObject, Irp irp)
    {
        var file = IoGetCurrentIrpStackLocation(irp).FileObject!;
        if (deviceObject.DeviceExtension is not AkfsVcb vcb)
        {
            return await AkfsCompleteRequest(irp, NtStatus.InvalidDeviceRequest);
        }
        var status = NtStatus.Success;
        if (file.FsContext is AkfsFcb { IsDirectory: false, Deleted: false } fcb)
        {
            var iosb = new IoStatusBlock();
            await CcFlushCache(fcb.SectionObjectPointers, null, 0, iosb);
            status = iosb.Status;
            if (status.IsSuccess())
            {
                // The sizes a fast write moved live in the FCB until written: the inode goes with the data.
                await AkfsAcquireVcb(vcb);
                try
                {
                    status = await AkfsWriteInode(fcb);
                }
                finally
                {
                    AkfsReleaseVcb(vcb);
                }
            }
        }
        if (status.IsSuccess())
        {
            status = await AkfsFlushVolume(vcb.TargetDevice);
        }
        return await AkfsCompleteRequest(irp, status);
    }
}
