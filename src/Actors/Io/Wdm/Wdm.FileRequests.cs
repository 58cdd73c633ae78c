namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// NtCreateFile on a device name (<c>\Device\RamDisk0</c> or a link such as <c>\??\RamDisk0</c>):
    /// sends IRP_MJ_CREATE to the top of the device's stack and returns the open, for synchronous I/O.
    /// </summary>
    /// <param name="manager">The I/O manager.</param>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="requestorMode">UserMode opens have their later requests' buffers probed.</param>
    /// <param name="readAccess">Open for reading (FILE_READ_DATA).</param>
    /// <param name="writeAccess">Open for writing (FILE_WRITE_DATA).</param>
    /// <returns>The status and, on success, the file object (the handle's object).</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL. An unknown name gives STATUS_OBJECT_NAME_NOT_FOUND; a second open of an exclusive device STATUS_ACCESS_DENIED.</remarks>
    public static ValueTask<(NtStatus Status, FileObject? File)> NtCreateFile(IoManager manager, string deviceName, KProcessorMode requestorMode, bool readAccess, bool writeAccess) =>
        NtCreateFile(manager, deviceName, requestorMode,
            (readAccess ? FileAccessMask.FileReadData : 0) | (writeAccess ? FileAccessMask.FileWriteData : 0) | FileAccessMask.Synchronize,
            FileShareMode.Read | FileShareMode.Write, FileCreateOptions.SynchronousIoNonalert);

    /// <summary>
    /// NtCreateFile (IopParseDevice): looks the name up, checks the device (going away or initializing, exclusive
    /// and already open) and, for a user-mode open, the desired access against the device's
    /// <see cref="DeviceObject.Security"/>, then sends IRP_MJ_CREATE to the top of the stack.
    /// </summary>
    /// <param name="manager">The I/O manager.</param>
    /// <param name="deviceName">The device's name or a link to it.</param>
    /// <param name="requestorMode">The previous mode: UserMode opens are access-checked and their requests' buffers probed.</param>
    /// <param name="desiredAccess">The access asked for; generic rights are mapped with the file generic mapping.</param>
    /// <param name="shareAccess">FILE_SHARE_* (recorded in the file object and the create parameters).</param>
    /// <param name="createOptions">FILE_SYNCHRONOUS_IO_NONALERT / _ALERT for a synchronous open; neither for an overlapped one.</param>
    /// <returns>The status and, on success, the file object (one reference, the caller's).</returns>
    /// <remarks>
    /// IRQL = PASSIVE_LEVEL. Failures, in the order NT finds them: STATUS_OBJECT_NAME_NOT_FOUND (or
    /// another lookup failure) for the name; STATUS_OBJECT_TYPE_MISMATCH when it is not a device;
    /// STATUS_NO_SUCH_DEVICE for a device being unloaded, deleted or removed (DOE_UNLOAD_PENDING, DOE_DELETE_PENDING, DOE_REMOVE_PENDING, DOE_REMOVE_PROCESSED) or still DO_DEVICE_INITIALIZING; STATUS_ACCESS_DENIED for a second open of an
    /// exclusive device (DO_EXCLUSIVE) and for access the device's security does not grant; then the
    /// driver's own status. A failed create gets neither IRP_MJ_CLEANUP nor IRP_MJ_CLOSE.
    /// </remarks>
    public static ValueTask<(NtStatus Status, FileObject? File)> NtCreateFile(IoManager manager, string deviceName, KProcessorMode requestorMode,
        FileAccessMask desiredAccess, FileShareMode shareAccess, FileCreateOptions createOptions) =>
        NtCreateFile(manager, deviceName, null, requestorMode, desiredAccess, new IoStatusBlock(), FileAttribute.None, shareAccess, CreateDisposition.Open, createOptions);

    /// <summary>
    /// NtCreateFile with every argument a file system sees (IopParseDevice). The name is looked up to
    /// the device it reaches; the rest of it is the remaining name (<c>\dir\file.txt</c>), which becomes
    /// FILE_OBJECT.FileName. When the device has a VPB and there is a remaining name or a root
    /// directory (a relative open), the volume is mounted if no file system has it yet (IopMountVolume)
    /// and IRP_MJ_CREATE goes to the top of the file system's volume device stack
    /// (Vpb-&gt;DeviceObject); otherwise it goes to the device's own stack (a direct device open).
    /// Parameters.Create carries the disposition in the high byte of Options and the options in the low
    /// 24 bits, ShareAccess, FileAttributes and, in SecurityContext, the desired access.
    /// </summary>
    /// <param name="manager">The I/O manager.</param>
    /// <param name="objectName">The name (<c>\??\StripeVolume0\dir\f.txt</c>, <c>\Device\X\f</c>), or a name relative to <paramref name="rootDirectory"/>.</param>
    /// <param name="rootDirectory">The directory a relative name is in (OBJECT_ATTRIBUTES.RootDirectory), or null.</param>
    /// <param name="requestorMode">The previous mode.</param>
    /// <param name="desiredAccess">The access asked for (generic rights mapped).</param>
    /// <param name="ioStatusBlock">Receives the status and, on success, FILE_SUPERSEDED / FILE_OPENED / FILE_CREATED / FILE_OVERWRITTEN (<see cref="CreateResult"/>).</param>
    /// <param name="fileAttributes">FILE_ATTRIBUTE_* for a file that is created.</param>
    /// <param name="shareAccess">FILE_SHARE_*.</param>
    /// <param name="createDisposition">FILE_SUPERSEDE .. FILE_OVERWRITE_IF.</param>
    /// <param name="createOptions">FILE_DIRECTORY_FILE, FILE_NON_DIRECTORY_FILE, FILE_SYNCHRONOUS_IO_NONALERT, FILE_NO_INTERMEDIATE_BUFFERING, FILE_DELETE_ON_CLOSE...</param>
    /// <returns>The status and, on success, the file object (one reference, the caller's).</returns>
    /// <remarks>
    /// IRQL = PASSIVE_LEVEL. Failures as the short form, then the mount's (STATUS_UNRECOGNIZED_VOLUME when
    /// no file system recognizes the volume), STATUS_ACCESS_DENIED for a locked volume, then the file
    /// system's status (STATUS_OBJECT_NAME_NOT_FOUND, STATUS_OBJECT_NAME_COLLISION, STATUS_SHARING_VIOLATION...).
    /// </remarks>
    public static async ValueTask<(NtStatus Status, FileObject? File)> NtCreateFile(IoManager manager, string objectName, FileObject? rootDirectory, KProcessorMode requestorMode,
        FileAccessMask desiredAccess, IoStatusBlock ioStatusBlock, FileAttribute fileAttributes, FileShareMode shareAccess, CreateDisposition createDisposition,
        FileCreateOptions createOptions)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(objectName);
        ArgumentNullException.ThrowIfNull(ioStatusBlock);
        if (createDisposition > CreateDisposition.OverwriteIf)
        {
            return (NtStatus.InvalidParameter, null);
        }
        DeviceObject device;
        string remainingName;
        if (rootDirectory is not null)
        {
            device = rootDirectory.DeviceObject;
            remainingName = objectName;
        }
        else
        {
            var status = manager.Objects.LookupForParse(objectName, out var found, out remainingName);
            if (status != NtStatus.Success)
            {
                return (status, null);
            }
            if (found is not DeviceObject named)
            {
                return (NtStatus.ObjectTypeMismatch, null);
            }
            device = named;
        }
        if (IoManager.IopDeviceGoingAway(device))
        {
            // IopCheckDeviceAndDriver: no IRP for a device being unloaded, deleted, removed or not yet initialized.
            return (NtStatus.NoSuchDevice, null);
        }
        if (!IopReferenceDeviceForOpen(device))
        {
            return (NtStatus.AccessDenied, null);
        }
        var granted = FileAccessMapping.MapGeneric(desiredAccess);
        if (requestorMode == KProcessorMode.UserMode && !IoManager.IopAccessCheck(device, granted))
        {
            Interlocked.Decrement(ref device.OpenCountField);
            return (NtStatus.AccessDenied, null);
        }
        Vpb? vpb = null;
        DeviceObject top;
        if (device.Vpb is not null && (remainingName.Length > 0 || rootDirectory is not null))
        {
            // IopCheckVpbMounted: a name under a device a volume can be on is a file on that volume.
            var (mountStatus, mounted) = await manager.IopCheckVpbMounted(device, allowRawMount: false).ConfigureAwait(false);
            if (!mountStatus.IsSuccess())
            {
                Interlocked.Decrement(ref device.OpenCountField);
                return (mountStatus, null);
            }
            vpb = mounted!;
            top = IoGetAttachedDevice(vpb.DeviceObject!);
        }
        else
        {
            top = IoGetAttachedDevice(device);
        }
        var synchronous = (createOptions & (FileCreateOptions.SynchronousIoAlert | FileCreateOptions.SynchronousIoNonalert)) != 0;
        var file = new FileObject(device)
        {
            RequestorMode = requestorMode,
            ReadAccess = (granted & FileAccessMask.FileReadData) != 0,
            WriteAccess = (granted & (FileAccessMask.FileWriteData | FileAccessMask.FileAppendData)) != 0,
            GrantedAccess = granted,
            ShareAccess = shareAccess,
            SynchronousIo = synchronous,
            Vpb = vpb,
            FileName = remainingName,
            RelatedFileObject = rootDirectory,
            Flags = IopFileObjectFlags(createOptions, synchronous, device.Vpb is not null && vpb is null),
        };
        var irp = IoAllocateIrp(manager, top.StackSize, false);
        irp.Flags |= IrpFlags.CreateOperation;
        var next = irp.NextStackLocation;
        next.MajorFunction = IrpMajorFunction.Create;
        next.FileObject = file;
        next.Parameters.Create.Options = ((uint)createDisposition << 24) | ((uint)createOptions & 0x00FF_FFFF);
        next.Parameters.Create.ShareAccess = (ushort)shareAccess;
        next.Parameters.Create.FileAttributes = (ushort)fileAttributes;
        next.Parameters.Create.SecurityContext = new IoSecurityContext(granted, (uint)createOptions);
        IoTrace.RequestIssued(irp, file, "NtCreateFile"); // the open's trace: CreateFile -> NtCreateFile -> IRP_MJ_CREATE
        var created = await manager.IopSynchronousCall(top, irp, file, ioStatusBlock, "NtCreateFile").ConfigureAwait(false);
        if (!created.IsSuccess())
        {
            // The open failed: the count taken before IRP_MJ_CREATE goes back (no CLOSE will), and the VPB's.
            Interlocked.Decrement(ref device.OpenCountField);
            if (vpb is not null)
            {
                IoManager.IopDereferenceVpb(vpb);
            }
            return (created, null);
        }
        file.Opened = true;
        file.Flags |= FileObjectFlags.FileOpen;
        return (created, file);
    }

    /// <summary>The FO_* flags the I/O manager sets from the create options (IopParseDevice).</summary>
    private static FileObjectFlags IopFileObjectFlags(FileCreateOptions options, bool synchronous, bool directDeviceOpen)
    {
        var flags = synchronous ? FileObjectFlags.SynchronousIo : FileObjectFlags.None;
        if ((options & FileCreateOptions.SynchronousIoAlert) != 0)
        {
            flags |= FileObjectFlags.AlertableIo;
        }
        if ((options & FileCreateOptions.NoIntermediateBuffering) != 0)
        {
            flags |= FileObjectFlags.NoIntermediateBuffering;
        }
        if ((options & FileCreateOptions.WriteThrough) != 0)
        {
            flags |= FileObjectFlags.WriteThrough;
        }
        if ((options & FileCreateOptions.SequentialOnly) != 0)
        {
            flags |= FileObjectFlags.SequentialOnly;
        }
        if ((options & FileCreateOptions.RandomAccess) != 0)
        {
            flags |= FileObjectFlags.RandomAccess;
        }
        if ((options & FileCreateOptions.DeleteOnClose) != 0)
        {
            flags |= FileObjectFlags.DeleteOnClose;
        }
        if (directDeviceOpen)
        {
            flags |= FileObjectFlags.DirectDeviceOpen;
        }
        return flags;
    }

    /// <summary>
    /// IopCheckDeviceAndDriver's open count: counts the open before IRP_MJ_CREATE is sent, and for an
    /// exclusive device (DO_EXCLUSIVE) only if no other open is counted, in one atomic step: of two
    /// opens racing on two processors exactly one gets in. The count goes back when the create fails
    /// or, for an open that succeeded, when its IRP_MJ_CLOSE has been sent.
    /// </summary>
    /// <returns>False for an exclusive device already open (or being opened): STATUS_ACCESS_DENIED.</returns>
    private static bool IopReferenceDeviceForOpen(DeviceObject device)
    {
        if (!device.Exclusive)
        {
            Interlocked.Increment(ref device.OpenCountField);
            return true;
        }
        return Interlocked.CompareExchange(ref device.OpenCountField, 1, 0) == 0;
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
        IopReadWrite(fileObject, null, null, ioStatusBlock, IrpMajorFunction.Read, buffer, length, byteOffset);

    /// <summary>
    /// NtReadFile with its event and APC context: on a synchronous open the caller waits as in the
    /// short form; on an overlapped open the call returns the dispatch routine's status (STATUS_PENDING
    /// while the request is in flight) and completion writes <paramref name="ioStatusBlock"/>, signals
    /// <paramref name="eventObject"/> (else the file object's event) and posts a completion packet
    /// carrying <paramref name="apcContext"/> when the file is associated with a completion port.
    /// </summary>
    /// <param name="fileObject">The open (stands in for the handle).</param>
    /// <param name="eventObject">The event to signal at completion, or null.</param>
    /// <param name="apcContext">The completion packet's context (the OVERLAPPED), or null for no packet.</param>
    /// <param name="ioStatusBlock">Receives the status and the bytes read.</param>
    /// <param name="buffer">The requester's buffer.</param>
    /// <param name="length">Bytes to read.</param>
    /// <param name="byteOffset">Where on the device; null on a synchronous open = the file's current byte offset.</param>
    /// <returns>The status; STATUS_ACCESS_DENIED without read access; STATUS_ACCESS_VIOLATION for a short user-mode buffer.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL. A request that fails before it pends reports nothing through the status block, the event or the port.</remarks>
    public static ValueTask<NtStatus> NtReadFile(FileObject fileObject, KEvent? eventObject, object? apcContext, IoStatusBlock ioStatusBlock, UserBuffer? buffer, uint length, long? byteOffset) =>
        IopReadWrite(fileObject, eventObject, apcContext, ioStatusBlock, IrpMajorFunction.Read, buffer, length, byteOffset);

    /// <summary>NtWriteFile: writes <paramref name="length"/> bytes of <paramref name="buffer"/> at <paramref name="byteOffset"/>.</summary>
    /// <param name="fileObject">The open (stands in for the handle).</param>
    /// <param name="ioStatusBlock">Receives the status and the bytes written.</param>
    /// <param name="buffer">The requester's buffer.</param>
    /// <param name="length">Bytes to write.</param>
    /// <param name="byteOffset">Where on the device.</param>
    /// <returns>The status; STATUS_ACCESS_VIOLATION when a user-mode buffer is shorter than <paramref name="length"/>.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static ValueTask<NtStatus> NtWriteFile(FileObject fileObject, IoStatusBlock ioStatusBlock, UserBuffer buffer, uint length, long byteOffset) =>
        IopReadWrite(fileObject, null, null, ioStatusBlock, IrpMajorFunction.Write, buffer, length, byteOffset);

    /// <summary>NtWriteFile with its event and APC context; synchronous and overlapped opens behave as for <see cref="NtReadFile(FileObject, KEvent?, object?, IoStatusBlock, UserBuffer?, uint, long?)"/>.</summary>
    /// <param name="fileObject">The open (stands in for the handle).</param>
    /// <param name="eventObject">The event to signal at completion, or null.</param>
    /// <param name="apcContext">The completion packet's context (the OVERLAPPED), or null for no packet.</param>
    /// <param name="ioStatusBlock">Receives the status and the bytes written.</param>
    /// <param name="buffer">The requester's buffer.</param>
    /// <param name="length">Bytes to write.</param>
    /// <param name="byteOffset">Where on the device; null on a synchronous open = the file's current byte offset.</param>
    /// <returns>The status; STATUS_ACCESS_DENIED without write access; STATUS_ACCESS_VIOLATION for a short user-mode buffer.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static ValueTask<NtStatus> NtWriteFile(FileObject fileObject, KEvent? eventObject, object? apcContext, IoStatusBlock ioStatusBlock, UserBuffer? buffer, uint length, long? byteOffset) =>
        IopReadWrite(fileObject, eventObject, apcContext, ioStatusBlock, IrpMajorFunction.Write, buffer, length, byteOffset);

    private static ValueTask<NtStatus> IopReadWrite(FileObject file, KEvent? eventObject, object? apcContext, IoStatusBlock iosb, IrpMajorFunction major, UserBuffer? buffer, uint length, long? byteOffset)
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
        if (major == IrpMajorFunction.Read && IoManager.IopProbeForWrite(file.RequestorMode, buffer, length) is var probed && probed != NtStatus.Success)
        {
            return ValueTask.FromResult(probed);
        }
        if (byteOffset is null && !file.SynchronousIo)
        {
            // An overlapped open keeps no current byte offset: the caller must say where.
            return ValueTask.FromResult(NtStatus.InvalidParameter);
        }
        var top = IoGetRelatedDeviceObject(file);
        if (IopFastIoPossible(file, top, major, buffer))
        {
            // FO_CACHE_SUPPORTED and the cache initialized: the file system's FastIoRead/FastIoWrite first.
            return IopFastIoReadWrite(file, top, eventObject, apcContext, iosb, major, buffer!, length, byteOffset);
        }
        return IopIrpReadWrite(file, top, eventObject, apcContext, iosb, major, buffer, length, byteOffset);
    }

    /// <summary>The IRP path of NtReadFile / NtWriteFile: IRP_MJ_READ / IRP_MJ_WRITE with the buffer as the device asks.</summary>
    private static ValueTask<NtStatus> IopIrpReadWrite(FileObject file, DeviceObject top, KEvent? eventObject, object? apcContext, IoStatusBlock iosb, IrpMajorFunction major,
        UserBuffer? buffer, uint length, long? byteOffset)
    {
        var manager = file.DeviceObject.DriverObject.Manager;
        var irp = IoAllocateIrp(manager, top.StackSize, false);
        var next = irp.NextStackLocation;
        next.MajorFunction = major;
        next.FileObject = file;
        next.Parameters.Read.Length = length;
        next.Parameters.Read.ByteOffset = byteOffset ?? file.CurrentByteOffset;
        var prepared = manager.IopPrepareReadWriteBuffers(irp, top, major, buffer, length);
        if (prepared != NtStatus.Success)
        {
            IoFreeIrp(irp);
            return ValueTask.FromResult(prepared);
        }
        var requester = major == IrpMajorFunction.Read ? "NtReadFile" : "NtWriteFile";
        return manager.IopIssueRequest(top, irp, file, iosb, eventObject, apcContext, requester, useCurrentOffset: byteOffset is null, advanceOffset: true);
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
        UserBuffer? inputBuffer, uint inputBufferLength, UserBuffer? outputBuffer, uint outputBufferLength) =>
        NtDeviceIoControlFile(fileObject, null, null, ioStatusBlock, ioControlCode, inputBuffer, inputBufferLength, outputBuffer, outputBufferLength);

    /// <summary>
    /// NtDeviceIoControlFile with its event and APC context; synchronous and overlapped opens behave as
    /// for <see cref="NtReadFile(FileObject, KEvent?, object?, IoStatusBlock, UserBuffer?, uint, long?)"/>.
    /// </summary>
    /// <param name="fileObject">The open (stands in for the handle).</param>
    /// <param name="eventObject">The event to signal at completion, or null.</param>
    /// <param name="apcContext">The completion packet's context (the OVERLAPPED), or null for no packet.</param>
    /// <param name="ioStatusBlock">Receives the status and the output bytes.</param>
    /// <param name="ioControlCode">The control code.</param>
    /// <param name="inputBuffer">The input buffer, or null.</param>
    /// <param name="inputBufferLength">Its length.</param>
    /// <param name="outputBuffer">The output buffer, or null.</param>
    /// <param name="outputBufferLength">Its length.</param>
    /// <returns>The status.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static ValueTask<NtStatus> NtDeviceIoControlFile(FileObject fileObject, KEvent? eventObject, object? apcContext, IoStatusBlock ioStatusBlock, IoControlCode ioControlCode,
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
        if (ioControlCode.Method is TransferMethod.MethodBuffered or TransferMethod.MethodOutDirect
            && IoManager.IopProbeForWrite(fileObject.RequestorMode, outputBuffer, outputBufferLength) is var probed && probed != NtStatus.Success)
        {
            return ValueTask.FromResult(probed);
        }
        var manager = fileObject.DeviceObject.DriverObject.Manager;
        var top = IoGetRelatedDeviceObject(fileObject);
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
        return manager.IopIssueRequest(top, irp, fileObject, ioStatusBlock, eventObject, apcContext, "NtDeviceIoControlFile", useCurrentOffset: false, advanceOffset: false);
    }

    /// <summary>
    /// NtClose of a kernel-mode open (the file object stands in for its only handle): sends
    /// IRP_MJ_CLEANUP (the driver completes the file's queued IRPs), then IRP_MJ_CLOSE, and waits for both.
    /// </summary>
    /// <param name="fileObject">The open.</param>
    /// <returns>The close request's status.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL. User-mode handles close through <see cref="UserProcess"/> (CloseHandle), where IRP_MJ_CLOSE waits for the last reference.</remarks>
    public static async ValueTask<NtStatus> NtClose(FileObject fileObject)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        var manager = fileObject.DeviceObject.DriverObject.Manager;
        await manager.IopSendCleanup(fileObject).ConfigureAwait(false);
        fileObject.CloseSent = true;
        return await manager.IopSendFileRequest(fileObject, IrpMajorFunction.Close, "NtClose").ConfigureAwait(false);
    }
}
