/*++

Module Name:

    AkfsFastIo.cs

Abstract:

    The FAST_IO_DISPATCH of akfs (fatinit.c's FatFastIoDispatch): FastIoRead and FastIoWrite are
    FsRtlCopyRead and FsRtlCopyWrite, which copy from and to the cache without an IRP when the file
    object is cached and the FCB's header says fast I/O is possible, and decline (FALSE: the I/O
    manager builds an IRP) otherwise. FastIoCheckIfPossible says yes (akfs has no byte-range locks);
    the query routines answer FileBasicInformation and FileStandardInformation from the FCB.
    The dispatch is offered only when the driver's FastIo parameter is on. Each routine counts what
    it did in the VCB (FastIoReads / FastIoDeclined) for tests and the benchmark.

Environment:

    Kernel mode, PASSIVE_LEVEL in the requester's thread.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.FileSystem;

public static partial class Akfs
{
    private static readonly FastIoDispatch AkfsFastIoDispatch = new()
    {
        FastIoCheckIfPossible = AkfsFastIoCheckIfPossible,
        FastIoRead = AkfsFastIoRead,
        FastIoWrite = FsRtlCopyWrite,
        FastIoQueryBasicInfo = AkfsFastQueryBasicInfo,
        FastIoQueryStandardInfo = AkfsFastQueryStdInfo,
    };

    /// <summary>FatFastIoCheckIfPossible: no byte-range locks to get in the way.</summary>
    private static bool AkfsFastIoCheckIfPossible(FileObject fileObject, long fileOffset, uint length, bool wait, uint lockKey, bool checkForReadOperation,
        IoStatusBlock ioStatus, DeviceObject deviceObject)
    {
        _ = (fileOffset, length, wait, lockKey, checkForReadOperation, ioStatus, deviceObject);
        return fileObject.FsContext is AkfsFcb { IsDirectory: false, DeletePending: false };
    }

    /// <summary>FsRtlCopyRead, counted in the VCB.</summary>
    private static async ValueTask<bool> AkfsFastIoRead(FileObject fileObject, long fileOffset, uint length, bool wait, uint lockKey, UserBuffer buffer,
        IoStatusBlock ioStatus, DeviceObject deviceObject)
    {
        var taken = await FsRtlCopyRead(fileObject, fileOffset, length, wait, lockKey, buffer, ioStatus, deviceObject);
        if (fileObject.FsContext is AkfsFcb fcb)
        {
            Interlocked.Increment(ref taken ? ref fcb.Vcb.FastIoReads : ref fcb.Vcb.FastIoDeclined);
        }
        return taken;
    }

    /// <summary>FatFastQueryBasicInfo.</summary>
    private static bool AkfsFastQueryBasicInfo(FileObject fileObject, bool wait, out FileBasicInformation buffer, IoStatusBlock ioStatus, DeviceObject deviceObject)
    {
        _ = (wait, deviceObject);
        if (fileObject.FsContext is not AkfsFcb fcb)
        {
            buffer = default;
            return false;
        }
        buffer = AkfsBasicInformation(fcb);
        ioStatus.Status = NtStatus.Success;
        ioStatus.Information = FileBasicInformation.Size;
        return true;
    }

    /// <summary>FatFastQueryStdInfo.</summary>
    private static bool AkfsFastQueryStdInfo(FileObject fileObject, bool wait, out FileStandardInformation buffer, IoStatusBlock ioStatus, DeviceObject deviceObject)
    {
        _ = (wait, deviceObject);
        if (fileObject.FsContext is not AkfsFcb fcb)
        {
            buffer = default;
            return false;
        }
        buffer = AkfsStandardInformation(fcb);
        ioStatus.Status = NtStatus.Success;
        ioStatus.Information = FileStandardInformation.Size;
        return true;
    }
}
