/*++

Module Name:

    AkfsDeviceIo.cs

Abstract:

    Device I/O support (deviosup): how akfs reaches the volume below it.

    Metadata (the superblock at mount, bitmap and inode sectors, directory sectors) is read and
    written synchronously from a kernel buffer with IoBuildSynchronousFsdRequest, waiting on an
    event when the volume pends, as FastFAT's FatPerformVerifyDiskRead does.

    File data that bypasses the cache (non-cached opens, the cache manager's paging I/O) is sent
    asynchronously, as FatSingleAsync / FatMultipleAsync do: the request's user buffer is locked
    (FatLockUserBuffer: IoAllocateMdl + MmProbeAndLockPages, unless the IRP already carries an MDL,
    as paging I/O does), the IRP is marked pending, and
      - when the range lies in one extent, the IRP itself goes down to the volume with the next
        stack location set to the translated volume offset (the VDO's StackSize is the volume's + 1);
      - when it spans extents, one associated IRP per extent run (IoMakeAssociatedIrp), each with a
        partial MDL of the master's (IoBuildPartialMdl); the I/O manager completes the master after
        the last, the first error winning.

Environment:

    Kernel mode, PASSIVE_LEVEL in the requester's thread; completion routines at DISPATCH_LEVEL or below.

--*/

using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.FileSystem;

public static partial class Akfs
{
    // Made once: a method group passed as a delegate allocates on every call.
    private static readonly IoCompletionRoutine SingleAsyncDone = AkfsSingleAsyncCompletionRoutine;
    private static readonly IoCompletionRoutine MultipleAsyncDone = AkfsMultipleAsyncCompletionRoutine;
    private static readonly IoCompletionRoutine VolumeIoDone = AkfsVolumeIoCompletionRoutine;

    private const uint AkfsPoolTag = 0x7366_6B41; // 'Akfs'

    /// <summary>What a master carries while its associated IRPs are out: the first failure and the bytes to report.</summary>
    private sealed class AkfsIoContext
    {
        public required Irp Master { get; init; }

        public ulong Information;

        public int FirstError;
    }

    /// <summary>
    /// Reads or writes whole sectors of the volume synchronously through nonpaged pool: the bytes go
    /// through a pool buffer described by an MDL (MmBuildMdlForNonPagedPool), since the storage
    /// stack below DMAs to page frames; the IRP (IoAllocateIrp, a completion routine that keeps it)
    /// is waited for, as disk.sys reads its sector 0.
    /// </summary>
    /// <param name="target">The volume's device.</param>
    /// <param name="major">IRP_MJ_READ or IRP_MJ_WRITE.</param>
    /// <param name="offset">The volume offset (whole sectors).</param>
    /// <param name="buffer">The data (whole sectors).</param>
    /// <returns>The status.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    internal static async ValueTask<NtStatus> AkfsVolumeIo(DeviceObject target, IrpMajorFunction major, long offset, Memory<byte> buffer)
    {
        var length = (uint)buffer.Length;
        var pool = ExAllocatePoolWithTag(PoolType.NonPagedPool, length, AkfsPoolTag);
        if (pool == 0)
        {
            return NtStatus.InsufficientResources;
        }
        var mdl = IoAllocateMdl(pool, length);
        if (mdl is null)
        {
            ExFreePoolWithTag(pool, AkfsPoolTag);
            return NtStatus.InsufficientResources;
        }
        MmBuildMdlForNonPagedPool(mdl);
        if (major == IrpMajorFunction.Write)
        {
            await RtlCopyMemory(pool, buffer.Span);
        }
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var irp = IoAllocateIrp(target.StackSize, false);
        irp.MdlAddress = mdl;
        irp.Flags |= major == IrpMajorFunction.Read ? IrpFlags.ReadOperation : IrpFlags.WriteOperation;
        var next = IoGetNextIrpStackLocation(irp);
        next.MajorFunction = major;
        next.Parameters.Read.Length = length;
        next.Parameters.Read.ByteOffset = offset;
        IoSetCompletionRoutine(irp, VolumeIoDone, done, true, true, true);
        await IoCallDriver(target, irp);
        await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        var status = irp.IoStatus.Status;
        irp.MdlAddress = null;
        IoFreeIrp(irp);
        if (status.IsSuccess() && major == IrpMajorFunction.Read)
        {
            await RtlCopyMemory(buffer.Span, pool);
        }
        IoFreeMdl(mdl);
        ExFreePoolWithTag(pool, AkfsPoolTag);
        return status;
    }

    /// <summary>Completion routine of a waited-for volume IRP: signals the event and keeps the IRP (the waiter frees it).</summary>
    private static ValueTask<NtStatus> AkfsVolumeIoCompletionRoutine(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = (deviceObject, irp);
        KeSetEvent((KEvent)context!, 0, false);
        return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
    }

    /// <summary>Sends IRP_MJ_FLUSH_BUFFERS to the volume and waits.</summary>
    internal static async ValueTask<NtStatus> AkfsFlushVolume(DeviceObject target)
    {
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var iosb = new IoStatusBlock();
        var irp = IoBuildSynchronousFsdRequest(IrpMajorFunction.FlushBuffers, target, null, 0, 0, done.IoSignal, iosb);
        if (irp is null)
        {
            return NtStatus.InsufficientResources;
        }
        var status = await IoCallDriver(target, irp);
        if (status == NtStatus.Pending)
        {
            await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            status = iosb.Status;
        }
        return status;
    }

    /// <summary>
    /// FatLockUserBuffer: gives <paramref name="irp"/> an MDL over its user buffer, probed and locked
    /// for <paramref name="operation"/> in the requester's context (the I/O manager unlocks and frees
    /// it when the IRP completes). An IRP that has one already (paging I/O) keeps it.
    /// </summary>
    /// <returns>STATUS_SUCCESS, or the status of the probe (STATUS_ACCESS_VIOLATION) or STATUS_INSUFFICIENT_RESOURCES.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per non-cached request
    internal static async ValueTask<NtStatus> AkfsLockUserBuffer(Irp irp, LockOperation operation, uint length)
    {
        if (irp.MdlAddress is not null)
        {
            return NtStatus.Success;
        }
        if (irp.UserBuffer is not { } buffer || buffer.Length < length)
        {
            return NtStatus.InvalidUserBuffer;
        }
        if (!buffer.IsProcessBacked)
        {
            // A kernel caller's managed buffer: its MDL has no page frames (IsManaged), so the transfer is bounced.
            irp.MdlAddress = IoAllocateMdl(buffer, length, operation);
            return irp.MdlAddress is null ? NtStatus.InsufficientResources : NtStatus.Success;
        }
        var mdl = IoAllocateMdl(buffer.Address, length);
        if (mdl is null)
        {
            return NtStatus.InsufficientResources;
        }
        try
        {
            await MmProbeAndLockPages(mdl, irp.RequestorMode, operation);
        }
        catch (NtStatusException e)
        {
            IoFreeMdl(mdl);
            return e.Status;
        }
        irp.MdlAddress = mdl;
        return NtStatus.Success;
    }

    /// <summary>
    /// Sends the non-cached transfer of <paramref name="length"/> bytes at <paramref name="fileOffset"/>
    /// of <paramref name="fcb"/> to the volume (the IRP's MDL is locked); completes the IRP with
    /// <paramref name="information"/> bytes on success. Returns STATUS_PENDING.
    /// </summary>
    /// <remarks>IRQL = PASSIVE_LEVEL. The range lies inside the file's allocation.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per non-cached request
    internal static async ValueTask<NtStatus> AkfsNonCachedIo(AkfsFcb fcb, Irp irp, IrpMajorFunction major, long fileOffset, uint length, ulong information)
    {
        var vcb = fcb.Vcb;
        Interlocked.Increment(ref vcb.NonCachedTransfers);
        if (irp.MdlAddress!.IsManaged)
        {
            return await AkfsBouncedIo(fcb, irp, major, fileOffset, length, information);
        }
        var (volumeOffset, run) = fcb.Map(fileOffset);
        IoMarkIrpPending(irp);
        if (run >= length)
        {
            // FatSingleAsync: the IRP itself goes down, its next location aimed at the volume offset.
            var next = IoGetNextIrpStackLocation(irp);
            next.MajorFunction = major;
            next.MinorFunction = 0;
            next.Parameters.Read.Length = length;
            next.Parameters.Read.ByteOffset = volumeOffset;
            // The bytes to report ride in this driver's own stack location: no per-request context object.
            IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length = (uint)information;
            IoSetCompletionRoutine(irp, SingleAsyncDone, null, true, true, true);
            await IoCallDriver(vcb.TargetDevice, irp);
            return NtStatus.Pending;
        }
        // FatMultipleAsync: one associated IRP per run, IrpCount set before the first goes.
        var runs = new List<(long VolumeOffset, uint Offset, uint Length)>();
        for (uint done = 0; done < length;)
        {
            var (at, left) = fcb.Map(fileOffset + done);
            var piece = (uint)Math.Min(left, length - done);
            runs.Add((at, done, piece));
            done += piece;
        }
        var context = new AkfsIoContext { Master = irp, Information = information };
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = information;
        irp.AssociatedIrpCount = runs.Count;
        var va = MmGetMdlVirtualAddress(irp.MdlAddress!);
        foreach (var (at, offset, piece) in runs)
        {
            var child = IoMakeAssociatedIrp(irp, vcb.TargetDevice.StackSize);
            var mdl = IoAllocateMdl(va + offset, piece)!;
            IoBuildPartialMdl(irp.MdlAddress!, mdl, va + offset, piece);
            child.MdlAddress = mdl;
            var next = IoGetNextIrpStackLocation(child);
            next.MajorFunction = major;
            next.Parameters.Read.Length = piece;
            next.Parameters.Read.ByteOffset = at;
            IoSetCompletionRoutine(child, MultipleAsyncDone, context, true, true, true);
            await IoCallDriver(vcb.TargetDevice, child);
        }
        return NtStatus.Pending;
    }

    /// <summary>
    /// A transfer whose MDL has no page frames (a kernel caller's managed buffer): the storage stack
    /// below DMAs, so the data goes through nonpaged pool run by run (AkfsVolumeIo) and is copied to or
    /// from the MDL's mapping; the IRP completes here.
    /// </summary>
    private static async ValueTask<NtStatus> AkfsBouncedIo(AkfsFcb fcb, Irp irp, IrpMajorFunction major, long fileOffset, uint length, ulong information)
    {
        var mapping = MmGetSystemAddressForMdlSafe(irp.MdlAddress!, 0);
        var data = new byte[length];
        if (major == IrpMajorFunction.Write)
        {
            await RtlCopyMemory(data.AsSpan(), mapping);
        }
        var status = NtStatus.Success;
        for (uint done = 0; done < length && status.IsSuccess();)
        {
            var (at, run) = fcb.Map(fileOffset + done);
            var piece = (int)Math.Min(run, length - done);
            status = await AkfsVolumeIo(fcb.Vcb.TargetDevice, major, at, data.AsMemory((int)done, piece));
            done += (uint)piece;
        }
        if (status.IsSuccess() && major == IrpMajorFunction.Read)
        {
            await RtlCopyMemory(mapping, data);
        }
        return await AkfsCompleteRequest(irp, status, status.IsSuccess() ? information : 0);
    }

    /// <summary>FatSingleAsyncCompletionRoutine: a successful transfer reports the bytes the caller asked for (clipped at end of file).</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    private static ValueTask<NtStatus> AkfsSingleAsyncCompletionRoutine(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = deviceObject;
        _ = context;
        if (irp.IoStatus.Status.IsSuccess())
        {
            irp.IoStatus.Information = IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length;
        }
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>FatMultipleAsyncCompletionRoutine: the first failure becomes the master's status; the I/O manager does the rest.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    private static ValueTask<NtStatus> AkfsMultipleAsyncCompletionRoutine(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = deviceObject;
        var io = (AkfsIoContext)context!;
        var status = irp.IoStatus.Status;
        if (!status.IsSuccess() && Interlocked.CompareExchange(ref io.FirstError, (int)status, 0) == 0)
        {
            io.Master.IoStatus.Status = status;
            io.Master.IoStatus.Information = 0;
        }
        return ValueTask.FromResult(NtStatus.Success);
    }
}
