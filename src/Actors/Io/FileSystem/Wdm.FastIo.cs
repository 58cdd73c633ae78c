using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// The I/O manager's fast I/O path in NtReadFile / NtWriteFile (iofunc.c): for a cached file object
// the file system's FastIoRead / FastIoWrite is called before any IRP is built; the IRP follows only
// when it returns FALSE (or a status the fast path may not report).
public static partial class Wdm
{
    /// <summary>
    /// Whether NtReadFile / NtWriteFile try fast I/O: a synchronous file object (the fast path runs in
    /// the caller's wait, Wait = TRUE) that the file system caches (FO_CACHE_SUPPORTED, never with
    /// FO_NO_INTERMEDIATE_BUFFERING) and whose cache it has initialized (PrivateCacheMap), on a driver
    /// with the routine.
    /// </summary>
    private static bool IopFastIoPossible(FileObject file, DeviceObject top, IrpMajorFunction major, UserBuffer? buffer)
    {
        if (buffer is null || !file.SynchronousIo || file.PrivateCacheMap is null)
        {
            return false;
        }
        var flags = file.Flags;
        if ((flags & FileObjectFlags.CacheSupported) == 0 || (flags & FileObjectFlags.NoIntermediateBuffering) != 0)
        {
            return false;
        }
        var dispatch = top.DriverObject.FastIoDispatch;
        return major == IrpMajorFunction.Read ? dispatch?.FastIoRead is not null : dispatch?.FastIoWrite is not null;
    }

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<NtStatus> IopFastIoReadWrite(FileObject file, DeviceObject top, KEvent? eventObject, object? apcContext, IoStatusBlock iosb,
        IrpMajorFunction major, UserBuffer buffer, uint length, long? byteOffset)
    {
        var read = major == IrpMajorFunction.Read;
        var routine = read ? top.DriverObject.FastIoDispatch!.FastIoRead! : top.DriverObject.FastIoDispatch!.FastIoWrite!;
        var locked = Processor.CurrentOrNull?.KiCurrentThread is not null && file.RequestorMode == KProcessorMode.UserMode;
        if (locked)
        {
            // IopAcquireFileObjectLock: the synchronous requests of the file take turns, fast or not.
            await KeWaitForSingleObject(file.Lock, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            if (file.CleanupComplete || file.CloseSent)
            {
                KeSetEvent(file.Lock, (int)PriorityBoost.IoNoIncrement, false);
                return NtStatus.FileClosed;
            }
        }
        var offset = byteOffset ?? file.CurrentByteOffset;
        var local = new IoStatusBlock();
        var done = await routine(file, offset, length, true, 0, buffer, local, top).ConfigureAwait(false);
        // Only a plain outcome is reported from the fast path (iofunc.c): anything else goes as an IRP.
        var accepted = done && (local.Status == NtStatus.Success || local.Status == NtStatus.BufferOverflow || local.Status == NtStatus.EndOfFile);
        var statistics = top.DriverObject.FastIoStatistics;
        if (read)
        {
            statistics.IopCountRead(accepted);
        }
        else
        {
            statistics.IopCountWrite(accepted);
        }
        if (accepted)
        {
            iosb.Status = local.Status;
            iosb.Information = local.Information;
            if (local.Status != NtStatus.EndOfFile)
            {
                file.CurrentByteOffset = offset + (long)local.Information;
            }
            if (eventObject is not null)
            {
                KeSetEvent(eventObject, (int)PriorityBoost.IoNoIncrement, false);
            }
        }
        if (locked)
        {
            KeSetEvent(file.Lock, (int)PriorityBoost.IoNoIncrement, false);
        }
        if (accepted)
        {
            return local.Status;
        }
        return await IopIrpReadWrite(file, top, eventObject, apcContext, iosb, major, buffer, length, byteOffset).ConfigureAwait(false);
    }
}
