/*++

Module Name:

    AkfsWrite.cs

Abstract:

    IRP_MJ_WRITE (write.c). A write that ends past end of file extends it: the allocation grows
    first (whole clusters, STATUS_DISK_FULL when it cannot), the new FileSize is written to the
    inode and told to the cache manager (CcSetFileSizes); a write past end of file leaves the gap
    reading as what the clusters held (akfs keeps no ValidDataLength on disk: left out).

    Cached writes copy into the cache (CcCopyWrite); the cache manager writes the pages back as
    paging writes at flush and at the last cleanup. Non-cached writes (and paging writes) need whole
    sectors (STATUS_INVALID_PARAMETER) and go to the volume asynchronously; a paging write never
    extends the file: it is cut at end of file rounded up to a sector.

Environment:

    Kernel mode, PASSIVE_LEVEL in the requester's thread.

--*/

using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.FileSystem;

public static partial class Akfs
{
    /// <summary>IRP_MJ_WRITE.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per request
    private static async ValueTask<NtStatus> AkfsFsdWrite(DeviceObject deviceObject, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        if (deviceObject.DeviceExtension is not AkfsVcb vcb || stack.FileObject?.FsContext is not AkfsFcb fcb || fcb.IsDirectory)
        {
            return await AkfsCompleteRequest(irp, NtStatus.InvalidDeviceRequest);
        }
        var file = stack.FileObject;
        var ccb = (AkfsCcb)file.FsContext2!;
        var offset = stack.Parameters.Write.ByteOffset;
        var length = stack.Parameters.Write.Length;
        var paging = (irp.Flags & IrpFlags.PagingIo) != 0;
        var nonCached = paging || (irp.Flags & IrpFlags.NoCache) != 0 || ccb.NonCached;
        if (length == 0)
        {
            return await AkfsCompleteRequest(irp, NtStatus.Success);
        }
        if (offset < 0 || (nonCached && (offset % SectorSize != 0 || length % SectorSize != 0)))
        {
            return await AkfsCompleteRequest(irp, NtStatus.InvalidParameter);
        }
        if (paging)
        {
            // The cache manager writes pages back; what lies past end of file is not written.
            var inside = (fcb.FileSize - offset + SectorSize - 1) / SectorSize * SectorSize;
            if (inside <= 0)
            {
                return await AkfsCompleteRequest(irp, NtStatus.Success, length);
            }
            var transfer = (uint)Math.Min(length, inside);
            var lockedPage = await AkfsLockUserBuffer(irp, LockOperation.IoReadAccess, transfer);
            return lockedPage.IsSuccess()
                ? await AkfsNonCachedIo(fcb, irp, IrpMajorFunction.Write, offset, transfer, length)
                : await AkfsCompleteRequest(irp, lockedPage);
        }
        var end = offset + length;
        if (end > fcb.FileSize)
        {
            var extended = await AkfsExtendFile(vcb, fcb, file, end);
            if (!extended.IsSuccess())
            {
                return await AkfsCompleteRequest(irp, extended);
            }
        }
        fcb.LastWriteTime = KeQuerySystemTime();
        file.Flags |= FileObjectFlags.FileModified;
        if (!nonCached)
        {
            AkfsInitializeCacheMap(fcb, file);
            try
            {
                await CcCopyWrite(file, offset, length, true, irp.UserBuffer!);
            }
            catch (NtStatusException e)
            {
                return await AkfsCompleteRequest(irp, e.Status);
            }
            return await AkfsCompleteRequest(irp, NtStatus.Success, length);
        }
        var locked = await AkfsLockUserBuffer(irp, LockOperation.IoReadAccess, length);
        return locked.IsSuccess()
            ? await AkfsNonCachedIo(fcb, irp, IrpMajorFunction.Write, offset, length, length)
            : await AkfsCompleteRequest(irp, locked);
    }

    /// <summary>Grows the file to <paramref name="end"/>: allocation, FileSize, the inode, the cache's sizes.</summary>
    private static async ValueTask<NtStatus> AkfsExtendFile(AkfsVcb vcb, AkfsFcb fcb, FileObject file, long end)
    {
        await AkfsAcquireVcb(vcb);
        try
        {
            if (end <= fcb.FileSize)
            {
                return NtStatus.Success; // another write extended it meanwhile
            }
            if (end > fcb.AllocationSize)
            {
                var status = await AkfsSetAllocation(fcb, end);
                if (!status.IsSuccess())
                {
                    return status;
                }
            }
            fcb.FileSize = end;
            fcb.ValidDataLength = end;
            fcb.ChangeTime = KeQuerySystemTime();
            if (file.SectionObjectPointer?.SharedCacheMap is not null)
            {
                CcSetFileSizes(file, CcFileSizes.From(fcb));
            }
            return await AkfsWriteInode(fcb);
        }
        finally
        {
            AkfsReleaseVcb(vcb);
        }
    }
}
