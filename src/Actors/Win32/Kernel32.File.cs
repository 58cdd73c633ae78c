using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

public static partial class Kernel32
{
    /// <summary>
    /// CreateFile (NtCreateFile): <c>\\.\Name</c> and <c>\??\Name</c> name a link in <c>\GLOBAL??</c>,
    /// <c>\Device\Name</c> the device itself; a longer name (<c>\\.\StripeVolume0\dir\file.txt</c>) is a
    /// file on the volume that device holds, opened through the file system that mounted it. The
    /// disposition maps as kernel32 maps it: CREATE_NEW → FILE_CREATE, CREATE_ALWAYS → FILE_OVERWRITE_IF,
    /// OPEN_EXISTING → FILE_OPEN, OPEN_ALWAYS → FILE_OPEN_IF, TRUNCATE_EXISTING → FILE_OVERWRITE. Without
    /// FILE_FLAG_OVERLAPPED the open is synchronous (FILE_SYNCHRONOUS_IO_NONALERT: each request waits, and
    /// the file keeps a current byte offset); with it, requests return ERROR_IO_PENDING and complete
    /// through the OVERLAPPED. FILE_FLAG_NO_BUFFERING → FILE_NO_INTERMEDIATE_BUFFERING,
    /// FILE_FLAG_WRITE_THROUGH → FILE_WRITE_THROUGH, FILE_FLAG_DELETE_ON_CLOSE → FILE_DELETE_ON_CLOSE (and
    /// DELETE access); without FILE_FLAG_BACKUP_SEMANTICS the open is FILE_NON_DIRECTORY_FILE.
    /// </summary>
    /// <param name="fileName">The device's or the file's name.</param>
    /// <param name="desiredAccess">GENERIC_READ / GENERIC_WRITE / ... (SYNCHRONIZE and FILE_READ_ATTRIBUTES are added, as kernel32 does).</param>
    /// <param name="shareMode">FILE_SHARE_*.</param>
    /// <param name="creationDisposition">CREATE_NEW .. TRUNCATE_EXISTING (a device exists or not: its driver ignores the disposition).</param>
    /// <param name="flagsAndAttributes">FILE_FLAG_* and FILE_ATTRIBUTE_*.</param>
    /// <returns>
    /// The handle (GetLastError: ERROR_ALREADY_EXISTS (183) when CREATE_ALWAYS overwrote or OPEN_ALWAYS opened
    /// an existing file, else 0); INVALID_HANDLE_VALUE with the last error set: ERROR_FILE_NOT_FOUND (2) for a
    /// missing name, ERROR_PATH_NOT_FOUND (3) for a missing directory, ERROR_FILE_EXISTS (80) for CREATE_NEW
    /// of an existing file, ERROR_SHARING_VIOLATION (32), ERROR_ACCESS_DENIED (5) for access the device denies,
    /// a second open of an exclusive device, a directory opened as a file; ERROR_INVALID_PARAMETER (87) for a
    /// bad disposition or TRUNCATE_EXISTING without GENERIC_WRITE; ERROR_UNRECOGNIZED_VOLUME (1005) when no
    /// file system recognizes the volume; else the driver's status mapped.
    /// </returns>
    public static async ValueTask<Handle> CreateFile(string fileName, GenericAccess desiredAccess, FileShareMode shareMode, CreationDisposition creationDisposition,
        FileFlagsAndAttributes flagsAndAttributes)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var teb = Enter();
        CreateDisposition disposition;
        switch (creationDisposition)
        {
            case CreationDisposition.CreateNew: disposition = CreateDisposition.Create; break;
            case CreationDisposition.CreateAlways: disposition = CreateDisposition.OverwriteIf; break;
            case CreationDisposition.OpenExisting: disposition = CreateDisposition.Open; break;
            case CreationDisposition.OpenAlways: disposition = CreateDisposition.OpenIf; break;
            case CreationDisposition.TruncateExisting:
                if ((desiredAccess & GenericAccess.GenericWrite) == 0)
                {
                    Report(teb, NtStatus.InvalidParameter);
                    return Handle.Invalid;
                }
                disposition = CreateDisposition.Overwrite;
                break;
            default:
                Report(teb, NtStatus.InvalidParameter);
                return Handle.Invalid;
        }
        var options = ((flagsAndAttributes & FileFlagsAndAttributes.BackupSemantics) == 0 ? FileCreateOptions.NonDirectoryFile : FileCreateOptions.OpenForBackupIntent)
            | ((flagsAndAttributes & FileFlagsAndAttributes.Overlapped) == 0 ? FileCreateOptions.SynchronousIoNonalert : 0)
            | ((flagsAndAttributes & FileFlagsAndAttributes.NoBuffering) != 0 ? FileCreateOptions.NoIntermediateBuffering : 0)
            | ((flagsAndAttributes & FileFlagsAndAttributes.WriteThrough) != 0 ? FileCreateOptions.WriteThrough : 0)
            | ((flagsAndAttributes & FileFlagsAndAttributes.SequentialScan) != 0 ? FileCreateOptions.SequentialOnly : 0)
            | ((flagsAndAttributes & FileFlagsAndAttributes.RandomAccess) != 0 ? FileCreateOptions.RandomAccess : 0)
            | ((flagsAndAttributes & FileFlagsAndAttributes.DeleteOnClose) != 0 ? FileCreateOptions.DeleteOnClose : 0);
        var access = (FileAccessMask)(uint)desiredAccess | FileAccessMask.Synchronize | FileAccessMask.FileReadAttributes
            | ((flagsAndAttributes & FileFlagsAndAttributes.DeleteOnClose) != 0 ? FileAccessMask.Delete : 0);
        var attributes = (FileAttribute)((uint)flagsAndAttributes & 0x0000_7FA7); // FILE_ATTRIBUTE_VALID_FLAGS
        var process = teb.Process;
        var iosb = new IoStatusBlock();
        var (status, file) = await Wdm.NtCreateFile(process.Io, RtlDosPathNameToNtPathName(fileName), null, KProcessorMode.UserMode, access, iosb, attributes,
            shareMode, disposition, options);
        if (!status.IsSuccess())
        {
            // kernel32: CREATE_NEW of an existing file is ERROR_FILE_EXISTS, not RtlNtStatusToDosError's ERROR_ALREADY_EXISTS.
            Report(teb, status);
            if (status == NtStatus.ObjectNameCollision && disposition == CreateDisposition.Create)
            {
                teb.LastErrorValue = Win32Error.FileExists;
            }
            return Handle.Invalid;
        }
        status = process.ObInsertObject(file!, (uint)file!.GrantedAccess, out var handle);
        if (status != NtStatus.Success)
        {
            // The process exited while the open was in flight (STATUS_PROCESS_IS_TERMINATING): the open
            // that never got a handle is closed, IRP_MJ_CLEANUP then IRP_MJ_CLOSE (IopDeleteFile).
            await process.Io.IopSendCleanup(file);
            await process.Io.IopDereferenceFileAtPassive(file);
            Report(teb, status);
            return Handle.Invalid;
        }
        Report(teb, NtStatus.Success);
        if ((disposition == CreateDisposition.OpenIf && iosb.Information == (ulong)CreateResult.Opened)
            || (disposition == CreateDisposition.OverwriteIf && iosb.Information == (ulong)CreateResult.Overwritten))
        {
            teb.LastErrorValue = Win32Error.AlreadyExists;
        }
        return handle;
    }

    /// <summary>
    /// ReadFile (NtReadFile) into <paramref name="numberOfBytesToRead"/> bytes of the process's memory at
    /// <paramref name="buffer"/>. A synchronous handle waits and reads at <paramref name="overlapped"/>'s
    /// offset if one is given, else at the file's current byte offset; an overlapped handle needs an
    /// OVERLAPPED and returns at once.
    /// </summary>
    /// <param name="file">The file's handle.</param>
    /// <param name="buffer">The user address of the buffer (from <see cref="UserProcess.VirtualAlloc"/>).</param>
    /// <param name="numberOfBytesToRead">Bytes to read.</param>
    /// <param name="overlapped">The OVERLAPPED (offset, event, status block), or null.</param>
    /// <returns>
    /// TRUE with the bytes read (a synchronous read at end of file, STATUS_END_OF_FILE: TRUE with 0 bytes);
    /// for an overlapped handle FALSE with ERROR_IO_PENDING (997) while the request is in flight; FALSE
    /// with a warning's error and the bytes (STATUS_BUFFER_OVERFLOW: ERROR_MORE_DATA 234); FALSE with the
    /// request's error and 0 bytes otherwise (ERROR_INVALID_HANDLE for a handle that is not an open file,
    /// ERROR_ACCESS_DENIED without read access, ERROR_HANDLE_EOF for an overlapped read at end of file,
    /// STATUS_FILE_CLOSED as ERROR_INVALID_HANDLE when the handle was closed while a synchronous request
    /// waited for its turn, the driver's status mapped).
    /// </returns>
    public static ValueTask<IoResult> ReadFile(Handle file, ulong buffer, uint numberOfBytesToRead, Overlapped? overlapped = null) =>
        KiReadWrite(file, buffer, numberOfBytesToRead, overlapped, read: true);

    /// <summary>WriteFile (NtWriteFile) of <paramref name="numberOfBytesToWrite"/> bytes of the process's memory at <paramref name="buffer"/>; as <see cref="ReadFile"/>.</summary>
    /// <param name="file">The file's handle.</param>
    /// <param name="buffer">The user address of the data.</param>
    /// <param name="numberOfBytesToWrite">Bytes to write.</param>
    /// <param name="overlapped">The OVERLAPPED (offset, event, status block), or null.</param>
    /// <returns>As <see cref="ReadFile"/>; ERROR_ACCESS_DENIED without write access.</returns>
    public static ValueTask<IoResult> WriteFile(Handle file, ulong buffer, uint numberOfBytesToWrite, Overlapped? overlapped = null) =>
        KiReadWrite(file, buffer, numberOfBytesToWrite, overlapped, read: false);

    /// <summary>
    /// DeviceIoControl (NtDeviceIoControlFile) with buffers in the process's memory; the I/O manager
    /// buffers them by the code's transfer method and checks the code's required access against the handle.
    /// </summary>
    /// <param name="device">The device's handle.</param>
    /// <param name="ioControlCode">The control code.</param>
    /// <param name="inBuffer">The user address of the input, or 0.</param>
    /// <param name="inBufferSize">Its length.</param>
    /// <param name="outBuffer">The user address of the output, or 0.</param>
    /// <param name="outBufferSize">Its length.</param>
    /// <param name="overlapped">The OVERLAPPED, or null.</param>
    /// <returns>As <see cref="ReadFile"/>, with the output bytes; e.g. FALSE with ERROR_INSUFFICIENT_BUFFER (122) when the driver completes STATUS_BUFFER_TOO_SMALL.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<IoResult> DeviceIoControl(Handle device, IoControlCode ioControlCode, ulong inBuffer, uint inBufferSize, ulong outBuffer, uint outBufferSize,
        Overlapped? overlapped = null)
    {
        var teb = Enter();
        var process = teb.Process;
        var status = KiReferenceRequest(process, device, overlapped, out var file, out var eventObject);
        if (status != NtStatus.Success)
        {
            return Failed(teb, status);
        }
        var input = inBufferSize > 0 || inBuffer != 0 ? new UserBuffer(process.AddressSpace, inBuffer, (int)inBufferSize) : null;
        var output = outBufferSize > 0 || outBuffer != 0 ? new UserBuffer(process.AddressSpace, outBuffer, (int)outBufferSize) : null;
        var iosb = KiBeginRequest(overlapped);
        status = await Wdm.NtDeviceIoControlFile(file!, eventObject?.Event, overlapped, iosb, ioControlCode, input, inBufferSize, output, outBufferSize);
        var waited = status == NtStatus.Pending && overlapped is null;
        if (waited)
        {
            // deviceio.c: no OVERLAPPED on an overlapped handle, so kernel32 waits on the handle (the file
            // object's event, set at completion) and returns the status block's final status.
            KiBeginUserWait(teb);
            await Wdm.KeWaitForSingleObject(file!.KeEvent, KWaitReason.UserRequest, KProcessorMode.UserMode, false, null);
            teb.InUserWait = false;
            status = iosb.Status;
        }
        await KiDereferenceRequest(process, file!, eventObject);
        if (waited)
        {
            KiEndUserWait(teb);
        }
        return KiEndRequest(teb, status, iosb);
    }

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<IoResult> KiReadWrite(Handle handle, ulong buffer, uint length, Overlapped? overlapped, bool read)
    {
        var teb = Enter();
        var process = teb.Process;
        var status = KiReferenceRequest(process, handle, overlapped, out var file, out var eventObject);
        if (status != NtStatus.Success)
        {
            return Failed(teb, status);
        }
        var userBuffer = new UserBuffer(process.AddressSpace, buffer, (int)length);
        var iosb = KiBeginRequest(overlapped);
        long? offset = overlapped?.Offset;
        status = read
            ? await Wdm.NtReadFile(file!, eventObject?.Event, overlapped, iosb, userBuffer, length, offset)
            : await Wdm.NtWriteFile(file!, eventObject?.Event, overlapped, iosb, userBuffer, length, offset);
        await KiDereferenceRequest(process, file!, eventObject);
        if (read && status == NtStatus.EndOfFile && file!.SynchronousIo)
        {
            // kernel32's ReadFile: end of file on a synchronous handle is success with 0 bytes read.
            Report(teb, NtStatus.Success);
            return new IoResult(true, 0, status, Win32Error.Success);
        }
        return KiEndRequest(teb, status, iosb);
    }

    /// <summary>
    /// The file and event of a request, each referenced (ObReferenceObjectByHandle): the handle must be
    /// an open file, the OVERLAPPED's event (if any) an open event. On failure nothing stays referenced.
    /// </summary>
    private static NtStatus KiReferenceRequest(UserProcess process, Handle handle, Overlapped? overlapped, out FileObject? file, out EventObject? eventObject)
    {
        eventObject = null;
        var status = process.ObReferenceObjectByHandle(handle, out file);
        if (status != NtStatus.Success)
        {
            return status;
        }
        if (overlapped is { Event.IsValid: true })
        {
            status = process.ObReferenceObjectByHandle(overlapped.Event, out eventObject);
            if (status != NtStatus.Success)
            {
                // The handle's reference keeps the file: this is not its last.
                file!.ObDereferenceObject();
                file = null;
            }
        }
        return status;
    }

    /// <summary>
    /// The end of the service: its references go. The file's may be the last one (CloseHandle ran while
    /// the request was in the kernel): then IRP_MJ_CLOSE is sent here, once the request is done.
    /// </summary>
    private static ValueTask KiDereferenceRequest(UserProcess process, FileObject file, EventObject? eventObject)
    {
        eventObject?.ObDereferenceObject();
        return process.Io.IopDereferenceFileAtPassive(file);
    }

    /// <summary>The request's status block: the OVERLAPPED's, set to STATUS_PENDING as kernel32 does before it enters the kernel, or a fresh one.</summary>
    private static IoStatusBlock KiBeginRequest(Overlapped? overlapped)
    {
        if (overlapped is null)
        {
            return new IoStatusBlock();
        }
        overlapped.StatusBlock.Status = NtStatus.Pending;
        overlapped.StatusBlock.Information = 0;
        return overlapped.StatusBlock;
    }

    /// <summary>
    /// kernel32's reading of the service's status (rw.c, deviceio.c): STATUS_PENDING is FALSE with
    /// ERROR_IO_PENDING; NT_SUCCESS is TRUE with the bytes; a warning (e.g. STATUS_BUFFER_OVERFLOW) is
    /// FALSE with its error (ERROR_MORE_DATA) but the bytes the status block holds; an error is FALSE
    /// with 0 bytes (its status block was not written when it failed without pending).
    /// </summary>
    private static IoResult KiEndRequest(Teb teb, NtStatus status, IoStatusBlock iosb)
    {
        if (status == NtStatus.Pending)
        {
            // Only an overlapped open returns STATUS_PENDING: a synchronous one waited.
            Report(teb, status);
            return new IoResult(false, 0, status, Win32Error.IoPending);
        }
        if (status.IsError())
        {
            return Failed(teb, status);
        }
        // Success, information or warning: the status block was written, and its bytes are reported.
        var succeeded = Report(teb, status);
        if (succeeded)
        {
            Report(teb, NtStatus.Success);
        }
        return new IoResult(succeeded, (uint)iosb.Information, status, teb.LastErrorValue);
    }

    private static IoResult Failed(Teb teb, NtStatus status)
    {
        Report(teb, status);
        return new IoResult(false, 0, status, teb.LastErrorValue);
    }

    /// <summary>RtlDosPathNameToNtPathName for device names: <c>\\.\X</c> and <c>\\?\X</c> → <c>\??\X</c>; NT paths pass unchanged; anything else is under <c>\??\</c>.</summary>
    private static string RtlDosPathNameToNtPathName(string name)
    {
        if (name.StartsWith("\\\\.\\", StringComparison.Ordinal) || name.StartsWith("\\\\?\\", StringComparison.Ordinal))
        {
            return string.Concat("\\??\\", name.AsSpan(4));
        }
        return name.StartsWith('\\') ? name : "\\??\\" + name;
    }
}
