using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// NtQueryInformationFile, NtSetInformationFile, NtQueryDirectoryFile, NtFlushBuffersFile and
// NtFsControlFile (ntoskrnl/io/iomgr/iofunc.c): the checks the I/O manager makes, what it answers
// itself, the fast I/O it tries, and the IRP it sends to the file system.
public static partial class Wdm
{
    /// <summary>IopQueryOperationLength: the smallest buffer each class may be queried into (sizeof the structure), 0 for a class that cannot be queried.</summary>
    internal static uint IopQueryOperationLength(FileInformationClass informationClass) => informationClass switch
    {
        FileInformationClass.FileBasicInformation => FileBasicInformation.Size,
        FileInformationClass.FileStandardInformation => FileStandardInformation.Size,
        FileInformationClass.FileInternalInformation => FileInternalInformation.Size,
        FileInformationClass.FileEaInformation => 4,
        FileInformationClass.FileAccessInformation => 4,
        FileInformationClass.FileNameInformation => 8,
        FileInformationClass.FilePositionInformation => FilePositionInformation.Size,
        FileInformationClass.FileModeInformation => 4,
        FileInformationClass.FileAlignmentInformation => 4,
        FileInformationClass.FileAllInformation => 104,
        FileInformationClass.FileAlternateNameInformation => 8,
        FileInformationClass.FileStreamInformation => 32,
        FileInformationClass.FileNetworkOpenInformation => 56,
        FileInformationClass.FileAttributeTagInformation => 8,
        _ => 0,
    };

    /// <summary>IopSetOperationLength: the size a set structure must have at least, 0 for a class that cannot be set.</summary>
    internal static uint IopSetOperationLength(FileInformationClass informationClass) => informationClass switch
    {
        FileInformationClass.FileBasicInformation => FileBasicInformation.Size,
        FileInformationClass.FileRenameInformation => 24,
        FileInformationClass.FileLinkInformation => 24,
        FileInformationClass.FileDispositionInformation => FileDispositionInformation.Size,
        FileInformationClass.FilePositionInformation => FilePositionInformation.Size,
        FileInformationClass.FileModeInformation => 4,
        FileInformationClass.FileAllocationInformation => FileAllocationInformation.Size,
        FileInformationClass.FileEndOfFileInformation => FileEndOfFileInformation.Size,
        FileInformationClass.FileValidDataLengthInformation => 8,
        _ => 0,
    };

    /// <summary>IopQueryOperationLength of the directory classes: sizeof(FILE_DIRECTORY_INFORMATION) 72, FILE_FULL_DIR_INFORMATION 72, FILE_BOTH_DIR_INFORMATION 104, FILE_NAMES_INFORMATION 16.</summary>
    internal static uint IopQueryDirectoryLength(FileInformationClass informationClass) => informationClass switch
    {
        FileInformationClass.FileDirectoryInformation => 72,
        FileInformationClass.FileFullDirectoryInformation => 72,
        FileInformationClass.FileBothDirectoryInformation => 104,
        FileInformationClass.FileNamesInformation => 16,
        _ => 0,
    };

    /// <summary>
    /// NtQueryInformationFile: asks the file system for <paramref name="fileInformationClass"/> of the
    /// open (IRP_MJ_QUERY_INFORMATION, Parameters.QueryFile, the structure written into a system buffer
    /// and Information bytes of it copied to <paramref name="fileInformation"/>). For a synchronous file
    /// object the I/O manager answers FilePositionInformation itself (CurrentByteOffset), and always
    /// FileAccessInformation, FileModeInformation and FileAlignmentInformation; FileBasicInformation and
    /// FileStandardInformation try the driver's FastIoQueryBasicInfo / FastIoQueryStandardInfo first.
    /// </summary>
    /// <param name="fileObject">The open.</param>
    /// <param name="ioStatusBlock">Receives the status and the bytes written.</param>
    /// <param name="fileInformation">The caller's buffer.</param>
    /// <param name="length">Its length.</param>
    /// <param name="fileInformationClass">The class.</param>
    /// <returns>The status; STATUS_INVALID_INFO_CLASS for a class that cannot be queried, STATUS_INFO_LENGTH_MISMATCH for a buffer smaller than the structure, STATUS_ACCESS_VIOLATION for a short buffer; STATUS_BUFFER_OVERFLOW when a name did not fit.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<NtStatus> NtQueryInformationFile(FileObject fileObject, IoStatusBlock ioStatusBlock, UserBuffer fileInformation, uint length,
        FileInformationClass fileInformationClass)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        ArgumentNullException.ThrowIfNull(ioStatusBlock);
        ArgumentNullException.ThrowIfNull(fileInformation);
        if (IopCheckInformationBuffer(IopQueryOperationLength(fileInformationClass), length, fileInformation) is var checkedBuffer && checkedBuffer != NtStatus.Success)
        {
            return checkedBuffer;
        }
        if (IoManager.IopProbeForWrite(fileObject.RequestorMode, fileInformation, length) is var probed && probed != NtStatus.Success)
        {
            return probed;
        }
        var answered = IopAnswerQueryItself(fileObject, fileInformationClass);
        if (answered is not null)
        {
            await RtlCopyMemory(fileInformation, answered);
            ioStatusBlock.Status = NtStatus.Success;
            ioStatusBlock.Information = (ulong)answered.Length;
            return NtStatus.Success;
        }
        var top = IoGetRelatedDeviceObject(fileObject);
        if (fileInformationClass is FileInformationClass.FileBasicInformation or FileInformationClass.FileStandardInformation
            && IopTryFastQuery(fileObject, top, fileInformationClass, ioStatusBlock) is { } fast)
        {
            await RtlCopyMemory(fileInformation, fast);
            return ioStatusBlock.Status;
        }
        var (manager, _, irp, next) = IopBuildFileIrp(fileObject, IrpMajorFunction.QueryInformation);
        next.Parameters.QueryFile.Length = length;
        next.Parameters.QueryFile.FileInformationClass = fileInformationClass;
        manager.IopPrepareQueryBuffer(irp, fileInformation, length);
        return await manager.IopIssueRequest(top, irp, fileObject, ioStatusBlock, null, null, "NtQueryInformationFile", useCurrentOffset: false, advanceOffset: false).ConfigureAwait(false);
    }

    /// <summary>The classes the I/O manager answers without the file system (IopQueryXxxInformation in NtQueryInformationFile).</summary>
    private static byte[]? IopAnswerQueryItself(FileObject file, FileInformationClass informationClass)
    {
        switch (informationClass)
        {
            case FileInformationClass.FilePositionInformation when file.SynchronousIo:
                var position = new byte[FilePositionInformation.Size];
                new FilePositionInformation(file.CurrentByteOffset).Write(position);
                return position;
            case FileInformationClass.FileAccessInformation:
                return BitConverter.GetBytes((uint)file.GrantedAccess);
            case FileInformationClass.FileModeInformation:
                return BitConverter.GetBytes(IopFileMode(file));
            case FileInformationClass.FileAlignmentInformation:
                return BitConverter.GetBytes(IoGetRelatedDeviceObject(file).AlignmentRequirement);
            default:
                return null;
        }
    }

    /// <summary>FILE_MODE_INFORMATION.Mode: the FILE_* options the open keeps (write-through, sequential, no buffering, synchronous, delete on close).</summary>
    internal static uint IopFileMode(FileObject file)
    {
        var flags = file.Flags;
        uint mode = 0;
        mode |= (flags & FileObjectFlags.WriteThrough) != 0 ? (uint)FileCreateOptions.WriteThrough : 0;
        mode |= (flags & FileObjectFlags.SequentialOnly) != 0 ? (uint)FileCreateOptions.SequentialOnly : 0;
        mode |= (flags & FileObjectFlags.NoIntermediateBuffering) != 0 ? (uint)FileCreateOptions.NoIntermediateBuffering : 0;
        mode |= (flags & FileObjectFlags.SynchronousIo) != 0
            ? (flags & FileObjectFlags.AlertableIo) != 0 ? (uint)FileCreateOptions.SynchronousIoAlert : (uint)FileCreateOptions.SynchronousIoNonalert
            : 0;
        mode |= (flags & FileObjectFlags.DeleteOnClose) != 0 ? (uint)FileCreateOptions.DeleteOnClose : 0;
        return mode;
    }

    /// <summary>FastIoQueryBasicInfo / FastIoQueryStandardInfo before the IRP: the structure's bytes when the driver answered, else null (counted as declined).</summary>
    private static byte[]? IopTryFastQuery(FileObject file, DeviceObject top, FileInformationClass informationClass, IoStatusBlock iosb)
    {
        var dispatch = top.DriverObject.FastIoDispatch;
        if (dispatch is null || (file.Flags & FileObjectFlags.DirectDeviceOpen) != 0)
        {
            return null;
        }
        var local = new IoStatusBlock();
        byte[]? bytes = null;
        if (informationClass == FileInformationClass.FileBasicInformation && dispatch.FastIoQueryBasicInfo is { } basic)
        {
            if (basic(file, true, out var information, local, top))
            {
                bytes = new byte[FileBasicInformation.Size];
                information.Write(bytes);
            }
        }
        else if (informationClass == FileInformationClass.FileStandardInformation && dispatch.FastIoQueryStandardInfo is { } standard)
        {
            if (standard(file, true, out var information, local, top))
            {
                bytes = new byte[FileStandardInformation.Size];
                information.Write(bytes);
            }
        }
        else
        {
            return null;
        }
        top.DriverObject.FastIoStatistics.IopCountQuery(bytes is not null);
        if (bytes is not null)
        {
            iosb.Status = local.Status;
            iosb.Information = (ulong)bytes.Length;
        }
        return bytes;
    }

    /// <summary>
    /// NtSetInformationFile: gives the file system a structure (IRP_MJ_SET_INFORMATION, Parameters.SetFile,
    /// the structure in a system buffer). FilePositionInformation of a synchronous file object and
    /// FileModeInformation are done by the I/O manager. A rename (FileRenameInformation) whose target is a
    /// full path (<c>\??\StripeVolume0\dir\new.txt</c>) must name the same device (else
    /// STATUS_NOT_SAME_DEVICE); the file system gets the path from the volume's root.
    /// </summary>
    /// <param name="fileObject">The open.</param>
    /// <param name="ioStatusBlock">Receives the status.</param>
    /// <param name="fileInformation">The caller's structure.</param>
    /// <param name="length">Its length.</param>
    /// <param name="fileInformationClass">The class.</param>
    /// <returns>The status; STATUS_INVALID_INFO_CLASS, STATUS_INFO_LENGTH_MISMATCH, STATUS_ACCESS_VIOLATION, STATUS_INVALID_PARAMETER (an unaligned position on a no-buffering file), STATUS_NOT_SAME_DEVICE; else the file system's.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<NtStatus> NtSetInformationFile(FileObject fileObject, IoStatusBlock ioStatusBlock, UserBuffer fileInformation, uint length,
        FileInformationClass fileInformationClass)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        ArgumentNullException.ThrowIfNull(ioStatusBlock);
        ArgumentNullException.ThrowIfNull(fileInformation);
        if (IopCheckInformationBuffer(IopSetOperationLength(fileInformationClass), length, fileInformation) is var checkedBuffer && checkedBuffer != NtStatus.Success)
        {
            return checkedBuffer;
        }
        var manager = fileObject.DeviceObject.DriverObject.Manager;
        var captured = new byte[length];
        var status = manager.IopCaptureInput(fileInformation, captured);
        if (status != NtStatus.Success)
        {
            return status;
        }
        if (fileInformationClass == FileInformationClass.FilePositionInformation && fileObject.SynchronousIo)
        {
            var position = FilePositionInformation.Read(captured).CurrentByteOffset;
            var alignment = IoGetRelatedDeviceObject(fileObject).AlignmentRequirement;
            if (position < 0 || ((fileObject.Flags & FileObjectFlags.NoIntermediateBuffering) != 0 && (position & alignment) != 0))
            {
                return NtStatus.InvalidParameter;
            }
            fileObject.CurrentByteOffset = position;
            ioStatusBlock.Status = NtStatus.Success;
            ioStatusBlock.Information = 0;
            return NtStatus.Success;
        }
        if (fileInformationClass == FileInformationClass.FileModeInformation)
        {
            // Only the options that can change after the open (FILE_WRITE_THROUGH, FILE_SEQUENTIAL_ONLY).
            var mode = (FileCreateOptions)BitConverter.ToUInt32(captured);
            fileObject.Flags = (fileObject.Flags & ~(FileObjectFlags.WriteThrough | FileObjectFlags.SequentialOnly))
                | ((mode & FileCreateOptions.WriteThrough) != 0 ? FileObjectFlags.WriteThrough : 0)
                | ((mode & FileCreateOptions.SequentialOnly) != 0 ? FileObjectFlags.SequentialOnly : 0);
            ioStatusBlock.Status = NtStatus.Success;
            ioStatusBlock.Information = 0;
            return NtStatus.Success;
        }
        var replaceIfExists = false;
        if (fileInformationClass is FileInformationClass.FileRenameInformation or FileInformationClass.FileLinkInformation)
        {
            var rename = FileRenameInformation.Read(captured);
            replaceIfExists = rename.ReplaceIfExists;
            var (targetStatus, target) = IopRenameTarget(manager, fileObject, rename.FileName);
            if (targetStatus != NtStatus.Success)
            {
                return targetStatus;
            }
            if (!string.Equals(target, rename.FileName, StringComparison.Ordinal))
            {
                var converted = rename with { FileName = target };
                captured = new byte[converted.Size];
                converted.Write(captured);
                length = (uint)captured.Length;
            }
        }
        var (_, top, irp, next) = IopBuildFileIrp(fileObject, IrpMajorFunction.SetInformation);
        next.Parameters.SetFile.Length = length;
        next.Parameters.SetFile.FileInformationClass = fileInformationClass;
        next.Parameters.SetFile.ReplaceIfExists = replaceIfExists;
        manager.IopPrepareSetBuffer(irp, captured);
        return await manager.IopIssueRequest(top, irp, fileObject, ioStatusBlock, null, null, "NtSetInformationFile", useCurrentOffset: false, advanceOffset: false).ConfigureAwait(false);
    }

    /// <summary>
    /// IopOpenLinkOrRenameTarget, reduced: a full target path must reach the file's device; its
    /// remaining name (from the volume's root) is what the file system gets. A bare name stays as it is.
    /// </summary>
    private static (NtStatus Status, string Target) IopRenameTarget(IoManager manager, FileObject file, string name)
    {
        if (!name.StartsWith("\\??\\", StringComparison.Ordinal) && !name.StartsWith("\\Device\\", StringComparison.OrdinalIgnoreCase)
            && !name.StartsWith("\\GLOBAL??\\", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("\\DosDevices\\", StringComparison.OrdinalIgnoreCase))
        {
            return (NtStatus.Success, name);
        }
        var status = manager.Objects.LookupForParse(name, out var found, out var remaining);
        if (status != NtStatus.Success)
        {
            return (status == NtStatus.ObjectNameNotFound ? NtStatus.ObjectPathNotFound : status, name);
        }
        if (!ReferenceEquals(found, file.DeviceObject) || remaining.Length == 0)
        {
            return (NtStatus.NotSameDevice, name);
        }
        return (NtStatus.Success, remaining);
    }

    /// <summary>
    /// NtQueryDirectoryFile: the next entries of a directory open (IRP_MJ_DIRECTORY_CONTROL /
    /// IRP_MN_QUERY_DIRECTORY with Parameters.QueryDirectory: Length, FileName = the search expression,
    /// FileInformationClass; Flags SL_RESTART_SCAN and SL_RETURN_SINGLE_ENTRY), packed into a system
    /// buffer as <see cref="FileDirectoryEntry.Pack"/> does and copied back.
    /// </summary>
    /// <param name="fileObject">An open directory.</param>
    /// <param name="ioStatusBlock">Receives the status and the bytes written.</param>
    /// <param name="fileInformation">The caller's buffer.</param>
    /// <param name="length">Its length.</param>
    /// <param name="fileInformationClass">FileDirectoryInformation, FileFullDirectoryInformation, FileBothDirectoryInformation or FileNamesInformation.</param>
    /// <param name="returnSingleEntry">SL_RETURN_SINGLE_ENTRY.</param>
    /// <param name="fileName">The search expression (<c>*</c>, <c>*.txt</c>, a name), or null (the handle's first expression, else <c>*</c>).</param>
    /// <param name="restartScan">SL_RESTART_SCAN.</param>
    /// <returns>The status: STATUS_SUCCESS; STATUS_NO_MORE_FILES (0x80000006) when the enumeration is done; STATUS_NO_SUCH_FILE when nothing matches the expression on the first query; STATUS_INVALID_INFO_CLASS, STATUS_INFO_LENGTH_MISMATCH.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<NtStatus> NtQueryDirectoryFile(FileObject fileObject, IoStatusBlock ioStatusBlock, UserBuffer fileInformation, uint length,
        FileInformationClass fileInformationClass, bool returnSingleEntry, string? fileName, bool restartScan)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        ArgumentNullException.ThrowIfNull(ioStatusBlock);
        ArgumentNullException.ThrowIfNull(fileInformation);
        if (IopCheckInformationBuffer(IopQueryDirectoryLength(fileInformationClass), length, fileInformation) is var checkedBuffer && checkedBuffer != NtStatus.Success)
        {
            return checkedBuffer;
        }
        if (IoManager.IopProbeForWrite(fileObject.RequestorMode, fileInformation, length) is var probed && probed != NtStatus.Success)
        {
            return probed;
        }
        var (manager, top, irp, next) = IopBuildFileIrp(fileObject, IrpMajorFunction.DirectoryControl);
        next.MinorFunction = (byte)DirectoryControlMinorFunction.QueryDirectory;
        next.Flags = (byte)((restartScan ? StackLocationFlags.SlRestartScan : 0) | (returnSingleEntry ? StackLocationFlags.SlReturnSingleEntry : 0));
        next.Parameters.QueryDirectory.Length = length;
        next.Parameters.QueryDirectory.FileName = fileName;
        next.Parameters.QueryDirectory.FileInformationClass = fileInformationClass;
        next.Parameters.QueryDirectory.FileIndex = 0;
        manager.IopPrepareQueryBuffer(irp, fileInformation, length);
        return await manager.IopIssueRequest(top, irp, fileObject, ioStatusBlock, null, null, "NtQueryDirectoryFile", useCurrentOffset: false, advanceOffset: false).ConfigureAwait(false);
    }

    /// <summary>NtFlushBuffersFile: IRP_MJ_FLUSH_BUFFERS to the file system (it writes the file's cached data and its metadata back).</summary>
    /// <param name="fileObject">The open.</param>
    /// <param name="ioStatusBlock">Receives the status.</param>
    /// <returns>The status; STATUS_ACCESS_DENIED for an open without write access.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<NtStatus> NtFlushBuffersFile(FileObject fileObject, IoStatusBlock ioStatusBlock)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        ArgumentNullException.ThrowIfNull(ioStatusBlock);
        if (!fileObject.WriteAccess)
        {
            return NtStatus.AccessDenied;
        }
        var (manager, top, irp, next) = IopBuildFileIrp(fileObject, IrpMajorFunction.FlushBuffers);
        return await manager.IopIssueRequest(top, irp, fileObject, ioStatusBlock, null, null, "NtFlushBuffersFile", useCurrentOffset: false, advanceOffset: false).ConfigureAwait(false);
    }

    /// <summary>
    /// NtFsControlFile: an FSCTL to the file system (IRP_MJ_FILE_SYSTEM_CONTROL / IRP_MN_USER_FS_REQUEST,
    /// Parameters.FileSystemControl), buffered by the code's transfer method as NtDeviceIoControlFile does.
    /// </summary>
    /// <param name="fileObject">The open.</param>
    /// <param name="ioStatusBlock">Receives the status and the output bytes.</param>
    /// <param name="fsControlCode">The FSCTL code.</param>
    /// <param name="inputBuffer">The input, or null.</param>
    /// <param name="inputBufferLength">Its length.</param>
    /// <param name="outputBuffer">The output, or null.</param>
    /// <param name="outputBufferLength">Its length.</param>
    /// <returns>The status.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<NtStatus> NtFsControlFile(FileObject fileObject, IoStatusBlock ioStatusBlock, IoControlCode fsControlCode,
        UserBuffer? inputBuffer, uint inputBufferLength, UserBuffer? outputBuffer, uint outputBufferLength)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        ArgumentNullException.ThrowIfNull(ioStatusBlock);
        if (!IoManager.IopBufferCovers(inputBuffer, inputBufferLength) || !IoManager.IopBufferCovers(outputBuffer, outputBufferLength))
        {
            return NtStatus.AccessViolation;
        }
        var (manager, top, irp, next) = IopBuildFileIrp(fileObject, IrpMajorFunction.FileSystemControl);
        next.MinorFunction = (byte)FileSystemControlMinorFunction.UserFsRequest;
        var prepared = manager.IopPrepareDeviceIoControl(irp, next, fsControlCode, inputBuffer, inputBufferLength, outputBuffer, outputBufferLength);
        if (prepared != NtStatus.Success)
        {
            IoFreeIrp(irp);
            return prepared;
        }
        return await manager.IopIssueRequest(top, irp, fileObject, ioStatusBlock, null, null, "NtFsControlFile", useCurrentOffset: false, advanceOffset: false).ConfigureAwait(false);
    }

    /// <summary>The checks of an information buffer before any request is built: a class the service takes (minimum size not 0), a length at least the structure's, a buffer that covers the length.</summary>
    private static NtStatus IopCheckInformationBuffer(uint minimum, uint length, UserBuffer buffer) =>
        minimum == 0 ? NtStatus.InvalidInfoClass
        : length < minimum ? NtStatus.InfoLengthMismatch
        : length > (uint)buffer.Length ? NtStatus.AccessViolation
        : NtStatus.Success;

    /// <summary>An IRP for a request on an open: sized for the file's related device (the file system's volume device), its next location naming the major function and the file object.</summary>
    private static (IoManager Manager, DeviceObject Top, Irp Irp, IoStackLocation Next) IopBuildFileIrp(FileObject fileObject, IrpMajorFunction majorFunction)
    {
        var manager = fileObject.DeviceObject.DriverObject.Manager;
        var top = IoGetRelatedDeviceObject(fileObject);
        var irp = IoAllocateIrp(manager, top.StackSize, false);
        var next = irp.NextStackLocation;
        next.MajorFunction = majorFunction;
        next.FileObject = fileObject;
        return (manager, top, irp, next);
    }
}
