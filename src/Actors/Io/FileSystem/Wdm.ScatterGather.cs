namespace ActorKernel.Actors;

// NtReadFileScatter / NtWriteFileGather: one non-cached transfer between a file and a list of
// page-sized buffers, described to the driver by one MDL over the selected pages.
public static partial class Wdm
{
    /// <summary>
    /// NtReadFileScatter: reads <paramref name="length"/> bytes at <paramref name="byteOffset"/> into the pages
    /// of <paramref name="segmentArray"/> (FILE_SEGMENT_ELEMENT: one page-aligned page each). The file object
    /// must be open for non-cached, asynchronous I/O (FO_NO_INTERMEDIATE_BUFFERING, not FO_SYNCHRONOUS_IO);
    /// the driver gets one IRP_MJ_READ whose Irp-&gt;MdlAddress describes the pages in order
    /// (MmProbeAndLockSelectedPages) and no UserBuffer.
    /// </summary>
    /// <param name="fileObject">The open (stands in for the handle).</param>
    /// <param name="eventObject">The event to signal at completion, or null.</param>
    /// <param name="apcContext">The completion packet's context (the OVERLAPPED), or null.</param>
    /// <param name="ioStatusBlock">Receives the status and the bytes read.</param>
    /// <param name="segmentArray">The user addresses of the pages.</param>
    /// <param name="length">Bytes to read: at most one page per segment, a multiple of the device's alignment.</param>
    /// <param name="byteOffset">Where in the file.</param>
    /// <returns>The dispatch routine's status (STATUS_PENDING while in flight); STATUS_INVALID_PARAMETER for a cached or synchronous file object, a length the segments cannot hold or that is not aligned; STATUS_ACCESS_VIOLATION for a page that is not valid or not aligned; STATUS_ACCESS_DENIED without read access.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static ValueTask<NtStatus> NtReadFileScatter(FileObject fileObject, KEvent? eventObject, object? apcContext, IoStatusBlock ioStatusBlock,
        IReadOnlyList<ulong> segmentArray, uint length, long byteOffset) =>
        IopScatterGather(fileObject, eventObject, apcContext, ioStatusBlock, segmentArray, length, byteOffset, IrpMajorFunction.Read);

    /// <summary>
    /// NtWriteFileGather: writes <paramref name="length"/> bytes from the pages of <paramref name="segmentArray"/>
    /// at <paramref name="byteOffset"/>; the rules of <see cref="NtReadFileScatter"/>, with write access.
    /// </summary>
    /// <param name="fileObject">The open.</param>
    /// <param name="eventObject">The event to signal at completion, or null.</param>
    /// <param name="apcContext">The completion packet's context, or null.</param>
    /// <param name="ioStatusBlock">Receives the status and the bytes written.</param>
    /// <param name="segmentArray">The user addresses of the pages.</param>
    /// <param name="length">Bytes to write.</param>
    /// <param name="byteOffset">Where in the file.</param>
    /// <returns>As <see cref="NtReadFileScatter"/>; STATUS_ACCESS_DENIED without write access.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static ValueTask<NtStatus> NtWriteFileGather(FileObject fileObject, KEvent? eventObject, object? apcContext, IoStatusBlock ioStatusBlock,
        IReadOnlyList<ulong> segmentArray, uint length, long byteOffset) =>
        IopScatterGather(fileObject, eventObject, apcContext, ioStatusBlock, segmentArray, length, byteOffset, IrpMajorFunction.Write);

    private static ValueTask<NtStatus> IopScatterGather(FileObject file, KEvent? eventObject, object? apcContext, IoStatusBlock iosb, IReadOnlyList<ulong> segments,
        uint length, long byteOffset, IrpMajorFunction major)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(iosb);
        ArgumentNullException.ThrowIfNull(segments);
        var read = major == IrpMajorFunction.Read;
        if (read ? !file.ReadAccess : !file.WriteAccess)
        {
            return ValueTask.FromResult(NtStatus.AccessDenied);
        }
        var top = IoGetRelatedDeviceObject(file);
        if ((file.Flags & FileObjectFlags.NoIntermediateBuffering) == 0 || file.SynchronousIo || length == 0
            || (ulong)segments.Count * MmLayout.PageSize < length || (length & top.AlignmentRequirement) != 0 || byteOffset < 0)
        {
            return ValueTask.FromResult(NtStatus.InvalidParameter);
        }
        var manager = file.DeviceObject.DriverObject.Manager;
        var processor = Processor.CurrentOrNull;
        var memory = processor?.Machine.Memory ?? throw new InvalidOperationException("NtReadFileScatter runs on a machine's processor.");
        var context = new MemoryAccessContext(processor.Irql, file.RequestorMode == KProcessorMode.UserMode ? UserProcess.Current?.AddressSpace : null, null, 0);
        var mdl = memory.IoAllocateMdl(context, segments[0], length);
        if (mdl is null)
        {
            return ValueTask.FromResult(NtStatus.InsufficientResources);
        }
        try
        {
            var delay = memory.MmProbeAndLockSelectedPages(context, mdl, segments, file.RequestorMode, read ? LockOperation.IoWriteAccess : LockOperation.IoReadAccess);
            InlineIoProcessor.Current.Charge((mdl.PageCount * 20L) + delay);
        }
        catch (NtStatusException e)
        {
            memory.IoFreeMdl(context, mdl);
            return ValueTask.FromResult(e.Status);
        }
        var irp = IoAllocateIrp(manager, top.StackSize, false);
        irp.MdlAddress = mdl;
        irp.Flags |= read ? IrpFlags.ReadOperation : IrpFlags.WriteOperation;
        var next = irp.NextStackLocation;
        next.MajorFunction = major;
        next.FileObject = file;
        next.Parameters.Read.Length = length;
        next.Parameters.Read.ByteOffset = byteOffset;
        return manager.IopIssueRequest(top, irp, file, iosb, eventObject, apcContext, read ? "NtReadFileScatter" : "NtWriteFileGather", useCurrentOffset: false, advanceOffset: false);
    }
}
