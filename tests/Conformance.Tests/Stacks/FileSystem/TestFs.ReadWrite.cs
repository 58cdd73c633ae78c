using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

// IRP_MJ_READ and IRP_MJ_WRITE of testfs<tag>.sys: cached through the cache manager, or non-cached
// (FO_NO_INTERMEDIATE_BUFFERING opens, and the cache's own IRP_PAGING_IO | IRP_NOCACHE requests)
// straight to the file's extent on the volume (through a bounce buffer: a test file system).
internal sealed partial class TestFs
{
    private async ValueTask<NtStatus> TestFsReadWrite(DeviceObject deviceObject, Irp irp)
    {
        Log(deviceObject, irp);
        var stack = IoGetCurrentIrpStackLocation(irp);
        var file = stack.FileObject!;
        if (file.FsContext is not TestFcb { IsDirectory: false } fcb)
        {
            return await Complete(irp, NtStatus.InvalidDeviceRequest);
        }
        var read = stack.MajorFunction == IrpMajorFunction.Read;
        var offset = stack.Parameters.Read.ByteOffset;
        var length = (long)stack.Parameters.Read.Length;
        var paging = (irp.Flags & IrpFlags.PagingIo) != 0;
        var noCache = paging || (irp.Flags & IrpFlags.NoCache) != 0 || (file.Flags & FileObjectFlags.NoIntermediateBuffering) != 0;
        if (noCache && !paging && ((offset | length) & 511) != 0)
        {
            return await Complete(irp, NtStatus.InvalidParameter); // non-cached I/O is whole sectors
        }
        if (paging)
        {
            // The cache's pages: trimmed at the file's extent (as FastFAT trims paging I/O at the allocation).
            length = Math.Max(0, Math.Min(length, fcb.AllocationSize - offset));
        }
        else if (read)
        {
            if (offset >= fcb.FileSize)
            {
                return await Complete(irp, NtStatus.EndOfFile);
            }
            length = Math.Min(length, fcb.FileSize - offset);
        }
        else if (offset + length > fcb.AllocationSize)
        {
            return await Complete(irp, NtStatus.DiskFull);
        }
        if (!noCache)
        {
            return await TestFsCached(irp, file, fcb, read, offset, (uint)length);
        }
        var volume = deviceObject.GetExtension<TestFsVolume>();
        var bounce = new byte[(length + 511) & ~511];
        var volumeOffset = ((long)fcb.Slot * SlotSize) + offset;
        NtStatus status;
        if (read)
        {
            status = bounce.Length == 0 ? NtStatus.Success : await TestFsVolumeIo(volume.Target, IrpMajorFunction.Read, bounce, volumeOffset);
            if (status.IsSuccess())
            {
                // What lies past ValidDataLength was never written: zeros, whatever the volume holds.
                var valid = Math.Max(0, fcb.ValidDataLength - offset);
                if (valid < bounce.Length)
                {
                    bounce.AsSpan((int)valid).Clear();
                }
                await CopyToRequester(irp, bounce.AsMemory(0, (int)length));
            }
        }
        else
        {
            await CopyFromRequester(irp, bounce.AsMemory(0, (int)length));
            status = bounce.Length == 0 ? NtStatus.Success : await TestFsVolumeIo(volume.Target, IrpMajorFunction.Write, bounce, volumeOffset);
            if (status.IsSuccess() && !paging)
            {
                fcb.FileSize = Math.Max(fcb.FileSize, offset + length);
                fcb.ValidDataLength = Math.Max(fcb.ValidDataLength, offset + length);
                if (fcb.SectionObjectPointers.SharedCacheMap is not null)
                {
                    // Keep the cache coherent with the volume: the pages this write bypassed go.
                    CcPurgeCacheSection(fcb.SectionObjectPointers, offset, (uint)length, false);
                    CcSetFileSizes(file, CcFileSizes.From(fcb));
                }
            }
        }
        return await Complete(irp, status, status.IsSuccess() ? (ulong)length : 0);
    }

    private static async ValueTask<NtStatus> TestFsCached(Irp irp, FileObject file, TestFcb fcb, bool read, long offset, uint length)
    {
        if (file.PrivateCacheMap is null)
        {
            // FastFAT initializes caching at the first cached transfer of a file object.
            CcInitializeCacheMap(file, CcFileSizes.From(fcb), false, null, fcb);
            fcb.IsFastIoPossible = FastIoPossible.FastIoIsPossible;
        }
        try
        {
            if (read)
            {
                await CcCopyRead(file, offset, length, true, irp.UserBuffer!, irp.IoStatus);
                return await Complete(irp, irp.IoStatus.Status, irp.IoStatus.Information);
            }
            var end = offset + length;
            if (end > fcb.FileSize)
            {
                fcb.FileSize = end;
                CcSetFileSizes(file, CcFileSizes.From(fcb));
            }
            await CcCopyWrite(file, offset, length, true, irp.UserBuffer!);
            if (end > fcb.ValidDataLength)
            {
                fcb.ValidDataLength = end;
                CcSetFileSizes(file, CcFileSizes.From(fcb));
            }
            file.Flags |= FileObjectFlags.FileModified;
            return await Complete(irp, NtStatus.Success, length);
        }
        catch (NtStatusException e)
        {
            // The cache's paging I/O failed: FastFAT's exception filter turns it into the request's status.
            return await Complete(irp, e.Status);
        }
    }

    /// <summary>Copies into the requester's buffer: the MDL (scatter reads, the cache's pages) or Irp-&gt;UserBuffer.</summary>
    private static async ValueTask CopyToRequester(Irp irp, ReadOnlyMemory<byte> data)
    {
        if (irp.MdlAddress is { } mdl)
        {
            await RtlCopyMemory(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority), data.Span);
        }
        else
        {
            await RtlCopyMemory(irp.UserBuffer!, data.Span);
        }
    }

    private static async ValueTask CopyFromRequester(Irp irp, Memory<byte> data)
    {
        if (irp.MdlAddress is { } mdl)
        {
            await RtlCopyMemory(data.Span, MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority));
        }
        else
        {
            await RtlCopyMemory(data.Span, irp.UserBuffer!);
        }
    }
}
