/*++

Module Name:

    AkfsRead.cs

Abstract:

    IRP_MJ_READ (read.c). A read of a directory or of the volume open is
    STATUS_INVALID_DEVICE_REQUEST; a read at or past end of file STATUS_END_OF_FILE; a read that
    runs past it is cut there (Information is what was read).

    Cached (the open is cached and the IRP is not IRP_NOCACHE): the first read of the file object
    initializes its cache map (CcInitializeCacheMap) and CcCopyRead copies from the cache, whose
    missing pages come back into akfs as paging reads.

    Non-cached (FILE_NO_INTERMEDIATE_BUFFERING, the driver's Cached parameter off, or the cache
    manager's paging read: IRP_PAGING_IO | IRP_NOCACHE): the offset and length must be whole
    sectors (else STATUS_INVALID_PARAMETER; paging I/O always is); the length is cut at end of file
    rounded up to a sector; the file range becomes volume ranges through the extents and goes to the
    volume asynchronously (AkfsDeviceIo.cs).

Environment:

    Kernel mode, PASSIVE_LEVEL in the requester's thread (paging reads in the thread the cache
    manager faults in).

--*/

using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.FileSystem;

public static partial class Akfs
{
    /// <summary>IRP_MJ_READ.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per request
    private static async ValueTask<NtStatus> AkfsFsdRead(DeviceObject deviceObject, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        if (deviceObject.DeviceExtension is not AkfsVcb || stack.FileObject?.FsContext is not AkfsFcb fcb || fcb.IsDirectory)
        {
            return await AkfsCompleteRequest(irp, NtStatus.InvalidDeviceRequest);
        }
        var file = stack.FileObject;
        var ccb = (AkfsCcb)file.FsContext2!;
        var offset = stack.Parameters.Read.ByteOffset;
        var length = stack.Parameters.Read.Length;
        var paging = (irp.Flags & IrpFlags.PagingIo) != 0;
        Interlocked.Increment(ref paging ? ref fcb.Vcb.PagingReads : ref fcb.Vcb.IrpReads);
        var nonCached = paging || (irp.Flags & IrpFlags.NoCache) != 0 || ccb.NonCached;
        if (length == 0)
        {
            return await AkfsCompleteRequest(irp, NtStatus.Success);
        }
        if (nonCached && (offset % SectorSize != 0 || length % SectorSize != 0))
        {
            return await AkfsCompleteRequest(irp, NtStatus.InvalidParameter);
        }
        var fileSize = fcb.FileSize;
        if (offset < 0 || offset >= fileSize)
        {
            return await AkfsCompleteRequest(irp, NtStatus.EndOfFile);
        }
        var wanted = (uint)Math.Min(length, fileSize - offset);
        if (!nonCached)
        {
            return await AkfsCachedRead(fcb, file, irp, offset, wanted);
        }
        // Whole sectors up to end of file (the last one may hold bytes past it: inside the allocation).
        var transfer = (uint)Math.Min(length, (wanted + SectorSize - 1) / SectorSize * SectorSize);
        var locked = await AkfsLockUserBuffer(irp, LockOperation.IoWriteAccess, transfer);
        if (!locked.IsSuccess())
        {
            return await AkfsCompleteRequest(irp, locked);
        }
        return await AkfsNonCachedIo(fcb, irp, IrpMajorFunction.Read, offset, transfer, paging ? transfer : wanted);
    }

    /// <summary>The cached read: CcInitializeCacheMap at the file object's first, then CcCopyRead into the caller's buffer.</summary>
    private static async ValueTask<NtStatus> AkfsCachedRead(AkfsFcb fcb, FileObject file, Irp irp, long offset, uint length)
    {
        AkfsInitializeCacheMap(fcb, file);
        var iosb = new IoStatusBlock();
        try
        {
            await CcCopyRead(file, offset, length, true, irp.UserBuffer!, iosb);
        }
        catch (NtStatusException e)
        {
            return await AkfsCompleteRequest(irp, e.Status);
        }
        fcb.LastAccessTime = KeQuerySystemTime();
        return await AkfsCompleteRequest(irp, iosb.Status, iosb.Information);
    }

    /// <summary>FastFAT's "if (FileObject->PrivateCacheMap == NULL) CcInitializeCacheMap(...)".</summary>
    internal static void AkfsInitializeCacheMap(AkfsFcb fcb, FileObject file)
    {
        if (file.PrivateCacheMap is null)
        {
            CcInitializeCacheMap(file, CcFileSizes.From(fcb), false, null, fcb);
        }
    }
}
