namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// NtCreateFile on a device name (<c>\Device\RamDisk0</c> or a link such as <c>\??\RamDisk0</c>):
    /// sends IRP_MJ_CREATE to the top of the device's stack and returns the open.
    /// </summary>
    /// <param name="manager">The I/O manager.</param>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="requestorMode">UserMode opens have their later requests' buffers probed.</param>
    /// <param name="readAccess">Open for reading (FILE_READ_DATA).</param>
    /// <param name="writeAccess">Open for writing (FILE_WRITE_DATA).</param>
    /// <returns>The status and, on success, the file object (the handle's object).</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL. An unknown name gives STATUS_OBJECT_NAME_NOT_FOUND; a second open of an exclusive device STATUS_ACCESS_DENIED.</remarks>
    public static async ValueTask<(NtStatus Status, FileObject? File)> NtCreateFile(IoManager manager, string deviceName, KProcessorMode requestorMode, bool readAccess, bool writeAccess)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var status = manager.Objects.Lookup<DeviceObject>(deviceName, out var device);
        if (status != NtStatus.Success)
        {
            return (status, null);
        }
        if (device!.DeletePending)
        {
            return (NtStatus.DeletePending, null);
        }
        if (device.Exclusive && device.OpenCount > 0)
        {
            return (NtStatus.AccessDenied, null);
        }
        var top = IoGetAttachedDevice(device);
        var file = new FileObject(device) { RequestorMode = requestorMode, ReadAccess = readAccess, WriteAccess = writeAccess };
        var irp = IoAllocateIrp(manager, top.StackSize, false);
        var next = irp.NextStackLocation;
        next.MajorFunction = IrpMajorFunction.Create;
        next.FileObject = file;
        var iosb = new IoStatusBlock();
        status = await manager.IopSynchronousCall(top, irp, file, iosb, "NtCreateFile").ConfigureAwait(false);
        if (!status.IsSuccess())
        {
            return (status, null);
        }
        Interlocked.Increment(ref device.OpenCountField);
        return (status, file);
    }

    /// <summary>NtReadFile: reads <paramref name="length"/> bytes at <paramref name="byteOffset"/> into <paramref name="buffer"/>, buffered as the device asks.</summary>
    /// <param name="fileObject">The open (stands in for the handle).</param>
    /// <param name="ioStatusBlock">Receives the status and the bytes read.</param>
    /// <param name="buffer">The requester's buffer.</param>
    /// <param name="length">Bytes to read.</param>
    /// <param name="byteOffset">Where on the device.</param>
    /// <returns>The status; STATUS_ACCESS_VIOLATION when a user-mode buffer is shorter than <paramref name="length"/>.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static ValueTask<NtStatus> NtReadFile(FileObject fileObject, IoStatusBlock ioStatusBlock, UserBuffer buffer, uint length, long byteOffset) =>
        IopReadWrite(fileObject, ioStatusBlock, IrpMajorFunction.Read, buffer, length, byteOffset);

    /// <summary>NtWriteFile: writes <paramref name="length"/> bytes of <paramref name="buffer"/> at <paramref name="byteOffset"/>.</summary>
    /// <param name="fileObject">The open (stands in for the handle).</param>
    /// <param name="ioStatusBlock">Receives the status and the bytes written.</param>
    /// <param name="buffer">The requester's buffer.</param>
    /// <param name="length">Bytes to write.</param>
    /// <param name="byteOffset">Where on the device.</param>
    /// <returns>The status; STATUS_ACCESS_VIOLATION when a user-mode buffer is shorter than <paramref name="length"/>.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static ValueTask<NtStatus> NtWriteFile(FileObject fileObject, IoStatusBlock ioStatusBlock, UserBuffer buffer, uint length, long byteOffset) =>
        IopReadWrite(fileObject, ioStatusBlock, IrpMajorFunction.Write, buffer, length, byteOffset);

    private static ValueTask<NtStatus> IopReadWrite(FileObject file, IoStatusBlock iosb, IrpMajorFunction major, UserBuffer buffer, uint length, long byteOffset)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(iosb);
        if (major == IrpMajorFunction.Read ? !file.ReadAccess : !file.WriteAccess)
        {
            return ValueTask.FromResult(NtStatus.AccessDenied);
        }
        if (length > (uint)(buffer?.Length ?? 0))
        {
            // ProbeForWrite / ProbeForRead of the user range raises STATUS_ACCESS_VIOLATION.
            return ValueTask.FromResult(NtStatus.AccessViolation);
        }
        var manager = file.DeviceObject.DriverObject.Manager;
        var top = IoGetAttachedDevice(file.DeviceObject);
        var irp = IoAllocateIrp(manager, top.StackSize, false);
        var next = irp.NextStackLocation;
        next.MajorFunction = major;
        next.FileObject = file;
        next.Parameters.Read.Length = length;
        next.Parameters.Read.ByteOffset = byteOffset;
        var prepared = manager.IopPrepareReadWriteBuffers(irp, top, major, buffer, length);
        if (prepared != NtStatus.Success)
        {
            IoFreeIrp(irp);
            return ValueTask.FromResult(prepared);
        }
        return manager.IopSynchronousCall(top, irp, file, iosb, major == IrpMajorFunction.Read ? "NtReadFile" : "NtWriteFile");
    }

    /// <summary>
    /// NtDeviceIoControlFile: sends the control code with its buffers, after the I/O manager's checks:
    /// the handle must have the access the code requires (STATUS_ACCESS_DENIED) and, for user-mode
    /// requests of every method but METHOD_NEITHER, the buffers must cover the lengths (STATUS_ACCESS_VIOLATION).
    /// </summary>
    /// <param name="fileObject">The open (stands in for the handle).</param>
    /// <param name="ioStatusBlock">Receives the status and the output bytes.</param>
    /// <param name="ioControlCode">The control code.</param>
    /// <param name="inputBuffer">The input buffer, or null.</param>
    /// <param name="inputBufferLength">Its length.</param>
    /// <param name="outputBuffer">The output buffer, or null.</param>
    /// <param name="outputBufferLength">Its length.</param>
    /// <returns>The status.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static ValueTask<NtStatus> NtDeviceIoControlFile(FileObject fileObject, IoStatusBlock ioStatusBlock, IoControlCode ioControlCode,
        UserBuffer? inputBuffer, uint inputBufferLength, UserBuffer? outputBuffer, uint outputBufferLength)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        ArgumentNullException.ThrowIfNull(ioStatusBlock);
        var access = ioControlCode.Access;
        if (((access & IoctlAccess.FileReadAccess) != 0 && !fileObject.ReadAccess) || ((access & IoctlAccess.FileWriteAccess) != 0 && !fileObject.WriteAccess))
        {
            return ValueTask.FromResult(NtStatus.AccessDenied);
        }
        if (ioControlCode.Method != TransferMethod.MethodNeither
            && (!IoManager.IopBufferCovers(inputBuffer, inputBufferLength) || !IoManager.IopBufferCovers(outputBuffer, outputBufferLength)))
        {
            return ValueTask.FromResult(NtStatus.AccessViolation);
        }
        var manager = fileObject.DeviceObject.DriverObject.Manager;
        var top = IoGetAttachedDevice(fileObject.DeviceObject);
        var irp = IoAllocateIrp(manager, top.StackSize, false);
        var next = irp.NextStackLocation;
        next.MajorFunction = IrpMajorFunction.DeviceControl;
        next.FileObject = fileObject;
        var prepared = manager.IopPrepareDeviceIoControl(irp, next, ioControlCode, inputBuffer, inputBufferLength, outputBuffer, outputBufferLength);
        if (prepared != NtStatus.Success)
        {
            IoFreeIrp(irp);
            return ValueTask.FromResult(prepared);
        }
        return manager.IopSynchronousCall(top, irp, fileObject, ioStatusBlock, "NtDeviceIoControlFile");
    }

    /// <summary>NtClose of the last handle: sends IRP_MJ_CLEANUP (the driver completes the file's queued IRPs), then IRP_MJ_CLOSE.</summary>
    /// <param name="fileObject">The open.</param>
    /// <returns>The close request's status.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static async ValueTask<NtStatus> NtClose(FileObject fileObject)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        var manager = fileObject.DeviceObject.DriverObject.Manager;
        foreach (var major in new[] { IrpMajorFunction.Cleanup, IrpMajorFunction.Close })
        {
            var top = IoGetAttachedDevice(fileObject.DeviceObject);
            var irp = IoAllocateIrp(manager, top.StackSize, false);
            var next = irp.NextStackLocation;
            next.MajorFunction = major;
            next.FileObject = fileObject;
            var status = await manager.IopSynchronousCall(top, irp, fileObject, new IoStatusBlock(), "NtClose").ConfigureAwait(false);
            if (major == IrpMajorFunction.Cleanup)
            {
                fileObject.CleanupComplete = true;
            }
            else
            {
                Interlocked.Decrement(ref fileObject.DeviceObject.OpenCountField);
                return status;
            }
        }
        return NtStatus.Success;
    }
}
