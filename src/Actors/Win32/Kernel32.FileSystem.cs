using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// kernel32's file-system calls (ReactOS dll/win32/kernel32/client/file: create.c, delete.c, move.c,
// find.c, fileinfo.c): each opens or uses a handle and asks the Nt* information and directory services.
public static partial class Kernel32
{
    // FindFirstFile's state (kernel32's FIND_DATA_HANDLE): the directory's file object, the last buffer
    // of entries and where the next one is. The find handle is the directory's own handle.
    private sealed class FindState
    {
        internal IReadOnlyList<FileDirectoryEntry> Entries = [];
        internal int Next;
    }

    private static readonly ConditionalWeakTable<FileObject, FindState> s_finds = [];

    // The buffer of one NtQueryDirectoryFile from FindFirstFile / FindNextFile (kernel32 asks for 4 KiB).
    private const uint FindBufferSize = 4096;

    /// <summary>CreateDirectory (NtCreateFile FILE_CREATE, FILE_DIRECTORY_FILE).</summary>
    /// <param name="pathName">The new directory's name (<c>\\.\StripeVolume0\dir</c>).</param>
    /// <returns>TRUE; FALSE with ERROR_ALREADY_EXISTS (183) when the name exists, ERROR_PATH_NOT_FOUND (3) when its parent does not.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<bool> CreateDirectory(string pathName)
    {
        ArgumentNullException.ThrowIfNull(pathName);
        var teb = Enter();
        var (status, file) = await KiOpenForOperation(teb, pathName, FileAccessMask.FileListDirectory | FileAccessMask.Synchronize,
            FileShareMode.Read | FileShareMode.Write, CreateDisposition.Create, FileCreateOptions.DirectoryFile | FileCreateOptions.OpenForBackupIntent, FileAttribute.Normal);
        if (file is not null)
        {
            await KiCloseOperationOpen(teb.Process, file);
        }
        return Report(teb, status);
    }

    /// <summary>RemoveDirectory: opens the directory for DELETE and sets its delete disposition (FileDispositionInformation), then closes it.</summary>
    /// <param name="pathName">The directory's name.</param>
    /// <returns>TRUE; FALSE with ERROR_DIR_NOT_EMPTY (145) for a directory that has entries, ERROR_FILE_NOT_FOUND, ERROR_DIRECTORY (267) for a file.</returns>
    public static ValueTask<bool> RemoveDirectory(string pathName) =>
        KiDeleteByName(pathName, FileCreateOptions.DirectoryFile | FileCreateOptions.OpenForBackupIntent);

    /// <summary>DeleteFile: opens the file for DELETE (FILE_NON_DIRECTORY_FILE) and sets its delete disposition, then closes it (the file goes at that last close).</summary>
    /// <param name="fileName">The file's name.</param>
    /// <returns>TRUE; FALSE with ERROR_FILE_NOT_FOUND, ERROR_ACCESS_DENIED (a directory, or a read-only file), ERROR_SHARING_VIOLATION.</returns>
    public static ValueTask<bool> DeleteFile(string fileName) =>
        KiDeleteByName(fileName, FileCreateOptions.NonDirectoryFile);

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<bool> KiDeleteByName(string name, FileCreateOptions options)
    {
        ArgumentNullException.ThrowIfNull(name);
        var teb = Enter();
        var (status, file) = await KiOpenForOperation(teb, name, FileAccessMask.Delete | FileAccessMask.Synchronize | FileAccessMask.FileReadAttributes,
            FileShareMode.Read | FileShareMode.Write | FileShareMode.Delete, CreateDisposition.Open, options, FileAttribute.None);
        if (file is null)
        {
            return Report(teb, status);
        }
        var disposition = new byte[FileDispositionInformation.Size];
        new FileDispositionInformation(true).Write(disposition);
        status = await Wdm.NtSetInformationFile(file, new IoStatusBlock(), new UserBuffer(0, disposition), (uint)disposition.Length, FileInformationClass.FileDispositionInformation);
        await KiCloseOperationOpen(teb.Process, file);
        return Report(teb, status);
    }

    /// <summary>
    /// MoveFileEx (rename on one volume): opens the file with DELETE and sets FileRenameInformation with
    /// the new name's NT path; MOVEFILE_REPLACE_EXISTING sets ReplaceIfExists.
    /// </summary>
    /// <param name="existingFileName">The file or directory to move.</param>
    /// <param name="newFileName">Its new name, on the same volume.</param>
    /// <param name="flags">MOVEFILE_*.</param>
    /// <returns>TRUE; FALSE with ERROR_ALREADY_EXISTS (183) when the target exists without MOVEFILE_REPLACE_EXISTING, ERROR_FILE_NOT_FOUND, ERROR_NOT_SAME_DEVICE (17) across volumes, ERROR_ACCESS_DENIED.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<bool> MoveFileEx(string existingFileName, string newFileName, MoveFileFlags flags)
    {
        ArgumentNullException.ThrowIfNull(existingFileName);
        ArgumentNullException.ThrowIfNull(newFileName);
        var teb = Enter();
        var (status, file) = await KiOpenForOperation(teb, existingFileName, FileAccessMask.Delete | FileAccessMask.Synchronize | FileAccessMask.FileReadAttributes,
            FileShareMode.Read | FileShareMode.Write | FileShareMode.Delete, CreateDisposition.Open, FileCreateOptions.OpenForBackupIntent, FileAttribute.None);
        if (file is null)
        {
            return Report(teb, status);
        }
        var rename = new FileRenameInformation((flags & MoveFileFlags.ReplaceExisting) != 0, RtlDosPathNameToNtPathName(newFileName));
        var bytes = new byte[rename.Size];
        rename.Write(bytes);
        status = await Wdm.NtSetInformationFile(file, new IoStatusBlock(), new UserBuffer(0, bytes), (uint)bytes.Length, FileInformationClass.FileRenameInformation);
        await KiCloseOperationOpen(teb.Process, file);
        return Report(teb, status);
    }

    /// <summary>
    /// FindFirstFile: opens the directory of <paramref name="fileName"/> and enumerates the entries that
    /// match its last element (<c>*</c>, <c>*.txt</c>, a name) with NtQueryDirectoryFile
    /// (FileBothDirectoryInformation, SL_RESTART_SCAN).
    /// </summary>
    /// <param name="fileName">The directory and pattern (<c>\\.\StripeVolume0\dir\*</c>).</param>
    /// <returns>The find handle and the first entry; INVALID_HANDLE_VALUE with ERROR_FILE_NOT_FOUND (2) when nothing matches, ERROR_PATH_NOT_FOUND (3) when the directory does not exist.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<(Handle FindHandle, Win32FindData? FindData)> FindFirstFile(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var teb = Enter();
        var cut = fileName.LastIndexOf('\\');
        if (cut < 0 || cut == fileName.Length - 1)
        {
            Report(teb, NtStatus.ObjectNameInvalid);
            return (Handle.Invalid, null);
        }
        var directory = fileName[..(cut + 1)];
        var pattern = fileName[(cut + 1)..];
        var process = teb.Process;
        var (status, file) = await KiOpenForOperation(teb, directory, FileAccessMask.FileListDirectory | FileAccessMask.Synchronize,
            FileShareMode.Read | FileShareMode.Write | FileShareMode.Delete, CreateDisposition.Open,
            FileCreateOptions.DirectoryFile | FileCreateOptions.OpenForBackupIntent, FileAttribute.None);
        if (file is null)
        {
            Report(teb, status == NtStatus.ObjectNameNotFound ? NtStatus.ObjectPathNotFound : status);
            return (Handle.Invalid, null);
        }
        var state = new FindState();
        status = await KiQueryDirectory(process, file, state, pattern, restart: true);
        if (!status.IsSuccess() || state.Entries.Count == 0)
        {
            await KiCloseOperationOpen(process, file);
            // STATUS_NO_SUCH_FILE and STATUS_NO_MORE_FILES on the first query: nothing matches.
            Report(teb, status is NtStatus.NoMoreFiles or NtStatus.NoSuchFile || status.IsSuccess() ? NtStatus.NoSuchFile : status);
            return (Handle.Invalid, null);
        }
        status = process.ObInsertObject(file, (uint)file.GrantedAccess, out var handle);
        if (status != NtStatus.Success)
        {
            await KiCloseOperationOpen(process, file);
            Report(teb, status);
            return (Handle.Invalid, null);
        }
        s_finds.AddOrUpdate(file, state);
        Report(teb, NtStatus.Success);
        return (handle, KiNextFound(state));
    }

    /// <summary>FindNextFile: the next matching entry, asking NtQueryDirectoryFile again when the last buffer is used up.</summary>
    /// <param name="findHandle">FindFirstFile's handle.</param>
    /// <returns>TRUE with the entry; FALSE with ERROR_NO_MORE_FILES (18) at the end, ERROR_INVALID_HANDLE for a handle that is not a find handle.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<(bool Succeeded, Win32FindData? FindData)> FindNextFile(Handle findHandle)
    {
        var teb = Enter();
        var process = teb.Process;
        var status = process.ObReferenceObjectByHandle(findHandle, out FileObject? file);
        if (status != NtStatus.Success || !s_finds.TryGetValue(file!, out var state))
        {
            if (file is not null)
            {
                await process.Io.IopDereferenceFileAtPassive(file);
            }
            Report(teb, status == NtStatus.Success ? NtStatus.InvalidHandle : status);
            return (false, null);
        }
        if (state.Next >= state.Entries.Count)
        {
            status = await KiQueryDirectory(process, file!, state, null, restart: false);
        }
        await process.Io.IopDereferenceFileAtPassive(file!);
        if (state.Next >= state.Entries.Count)
        {
            Report(teb, status.IsSuccess() ? NtStatus.NoMoreFiles : status);
            return (false, null);
        }
        Report(teb, NtStatus.Success);
        return (true, KiNextFound(state));
    }

    /// <summary>FindClose: closes the find handle (the directory's open).</summary>
    /// <param name="findHandle">FindFirstFile's handle.</param>
    /// <returns>TRUE; FALSE with ERROR_INVALID_HANDLE.</returns>
    public static ValueTask<bool> FindClose(Handle findHandle) => CloseHandle(findHandle);

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<NtStatus> KiQueryDirectory(UserProcess process, FileObject directory, FindState state, string? pattern, bool restart)
    {
        _ = process;
        var buffer = new byte[FindBufferSize];
        var iosb = new IoStatusBlock();
        var status = await Wdm.NtQueryDirectoryFile(directory, iosb, new UserBuffer(0, buffer), FindBufferSize, FileInformationClass.FileBothDirectoryInformation,
            returnSingleEntry: false, pattern, restart);
        state.Next = 0;
        state.Entries = status.IsSuccess() || status == NtStatus.BufferOverflow
            ? FileDirectoryEntry.Unpack(buffer.AsSpan(0, (int)iosb.Information), FileInformationClass.FileBothDirectoryInformation)
            : [];
        return status;
    }

    private static Win32FindData KiNextFound(FindState state)
    {
        var entry = state.Entries[state.Next++];
        return new Win32FindData(entry.FileAttributes == FileAttribute.None ? FileAttribute.Normal : entry.FileAttributes,
            entry.CreationTime, entry.LastAccessTime, entry.LastWriteTime, entry.EndOfFile, entry.FileName, entry.ShortName);
    }

    /// <summary>
    /// GetFileInformationByHandleEx: NtQueryInformationFile with the class's FILE_INFORMATION_CLASS
    /// (FileBasicInfo → FileBasicInformation, FileStandardInfo → FileStandardInformation, FileNameInfo →
    /// FileNameInformation) into <paramref name="bufferSize"/> bytes of the process's memory at <paramref name="buffer"/>.
    /// </summary>
    /// <param name="file">The handle.</param>
    /// <param name="informationClass">The class.</param>
    /// <param name="buffer">The user address of the buffer.</param>
    /// <param name="bufferSize">Its size.</param>
    /// <returns>TRUE; FALSE with ERROR_INVALID_PARAMETER for a class that cannot be queried, ERROR_BAD_LENGTH (24) for a buffer smaller than the structure, ERROR_MORE_DATA (234) when a name did not fit.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<bool> GetFileInformationByHandleEx(Handle file, FileInfoByHandleClass informationClass, ulong buffer, uint bufferSize)
    {
        var teb = Enter();
        FileInformationClass ntClass;
        switch (informationClass)
        {
            case FileInfoByHandleClass.FileBasicInfo: ntClass = FileInformationClass.FileBasicInformation; break;
            case FileInfoByHandleClass.FileStandardInfo: ntClass = FileInformationClass.FileStandardInformation; break;
            case FileInfoByHandleClass.FileNameInfo: ntClass = FileInformationClass.FileNameInformation; break;
            default:
                return Report(teb, NtStatus.InvalidParameter);
        }
        var process = teb.Process;
        var status = process.ObReferenceObjectByHandle(file, out FileObject? fileObject);
        if (status != NtStatus.Success)
        {
            return Report(teb, status);
        }
        status = await Wdm.NtQueryInformationFile(fileObject!, new IoStatusBlock(), new UserBuffer(process.AddressSpace, buffer, (int)bufferSize), bufferSize, ntClass);
        await process.Io.IopDereferenceFileAtPassive(fileObject!);
        return Report(teb, status);
    }

    /// <summary>
    /// SetFileInformationByHandle: NtSetInformationFile with the class's FILE_INFORMATION_CLASS
    /// (FileBasicInfo, FileRenameInfo, FileDispositionInfo, FileAllocationInfo, FileEndOfFileInfo) from
    /// the structure at <paramref name="buffer"/> in the process's memory.
    /// </summary>
    /// <param name="file">The handle.</param>
    /// <param name="informationClass">The class.</param>
    /// <param name="buffer">The user address of the structure.</param>
    /// <param name="bufferSize">Its size.</param>
    /// <returns>TRUE; FALSE with ERROR_INVALID_PARAMETER for a class that cannot be set, else the file system's error (ERROR_DIR_NOT_EMPTY, ERROR_ALREADY_EXISTS...).</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<bool> SetFileInformationByHandle(Handle file, FileInfoByHandleClass informationClass, ulong buffer, uint bufferSize)
    {
        var teb = Enter();
        FileInformationClass ntClass;
        switch (informationClass)
        {
            case FileInfoByHandleClass.FileBasicInfo: ntClass = FileInformationClass.FileBasicInformation; break;
            case FileInfoByHandleClass.FileRenameInfo: ntClass = FileInformationClass.FileRenameInformation; break;
            case FileInfoByHandleClass.FileDispositionInfo: ntClass = FileInformationClass.FileDispositionInformation; break;
            case FileInfoByHandleClass.FileAllocationInfo: ntClass = FileInformationClass.FileAllocationInformation; break;
            case FileInfoByHandleClass.FileEndOfFileInfo: ntClass = FileInformationClass.FileEndOfFileInformation; break;
            default:
                return Report(teb, NtStatus.InvalidParameter);
        }
        var process = teb.Process;
        var status = process.ObReferenceObjectByHandle(file, out FileObject? fileObject);
        if (status != NtStatus.Success)
        {
            return Report(teb, status);
        }
        status = await Wdm.NtSetInformationFile(fileObject!, new IoStatusBlock(), new UserBuffer(process.AddressSpace, buffer, (int)bufferSize), bufferSize, ntClass);
        await process.Io.IopDereferenceFileAtPassive(fileObject!);
        return Report(teb, status);
    }

    /// <summary>GetFileSizeEx: FileStandardInformation.EndOfFile.</summary>
    /// <param name="file">The handle.</param>
    /// <returns>TRUE with the size; FALSE with the error.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<(bool Succeeded, long FileSize)> GetFileSizeEx(Handle file)
    {
        var teb = Enter();
        var (status, standard) = await KiQueryStandard(teb.Process, file);
        return (Report(teb, status), status.IsSuccess() ? standard.EndOfFile : 0);
    }

    /// <summary>
    /// SetFilePointerEx: moves the file's current byte offset (FilePositionInformation) from the start,
    /// the current offset or the end of file (FileStandardInformation.EndOfFile).
    /// </summary>
    /// <param name="file">A synchronous handle.</param>
    /// <param name="distanceToMove">The distance (negative moves back).</param>
    /// <param name="moveMethod">FILE_BEGIN, FILE_CURRENT or FILE_END.</param>
    /// <returns>TRUE with the new offset; FALSE with ERROR_NEGATIVE_SEEK (131) before the start, ERROR_INVALID_PARAMETER for a bad method or an unaligned offset on a no-buffering handle.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<(bool Succeeded, long NewFilePointer)> SetFilePointerEx(Handle file, long distanceToMove, MoveMethod moveMethod)
    {
        var teb = Enter();
        var process = teb.Process;
        long origin;
        switch (moveMethod)
        {
            case MoveMethod.Begin:
                origin = 0;
                break;
            case MoveMethod.Current:
                var (positionStatus, position) = await KiQueryPosition(process, file);
                if (!positionStatus.IsSuccess())
                {
                    return (Report(teb, positionStatus), 0);
                }
                origin = position;
                break;
            case MoveMethod.End:
                var (standardStatus, standard) = await KiQueryStandard(process, file);
                if (!standardStatus.IsSuccess())
                {
                    return (Report(teb, standardStatus), 0);
                }
                origin = standard.EndOfFile;
                break;
            default:
                return (Report(teb, NtStatus.InvalidParameter), 0);
        }
        var target = origin + distanceToMove;
        if (target < 0)
        {
            Report(teb, NtStatus.InvalidParameter);
            teb.LastErrorValue = Win32Error.NegativeSeek;
            return (false, 0);
        }
        var status = process.ObReferenceObjectByHandle(file, out FileObject? fileObject);
        if (status != NtStatus.Success)
        {
            return (Report(teb, status), 0);
        }
        var bytes = new byte[FilePositionInformation.Size];
        new FilePositionInformation(target).Write(bytes);
        status = await Wdm.NtSetInformationFile(fileObject!, new IoStatusBlock(), new UserBuffer(0, bytes), (uint)bytes.Length, FileInformationClass.FilePositionInformation);
        await process.Io.IopDereferenceFileAtPassive(fileObject!);
        return (Report(teb, status), status.IsSuccess() ? target : 0);
    }

    /// <summary>FlushFileBuffers (NtFlushBuffersFile): the file system writes the file's cached data back.</summary>
    /// <param name="file">The handle (with write access).</param>
    /// <returns>TRUE; FALSE with ERROR_ACCESS_DENIED without write access, or the file system's error.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<bool> FlushFileBuffers(Handle file)
    {
        var teb = Enter();
        var process = teb.Process;
        var status = process.ObReferenceObjectByHandle(file, out FileObject? fileObject);
        if (status != NtStatus.Success)
        {
            return Report(teb, status);
        }
        status = await Wdm.NtFlushBuffersFile(fileObject!, new IoStatusBlock());
        await process.Io.IopDereferenceFileAtPassive(fileObject!);
        return Report(teb, status);
    }

    /// <summary>
    /// ReadFileScatter (NtReadFileScatter): reads <paramref name="numberOfBytesToRead"/> bytes at the
    /// OVERLAPPED's offset into the pages of <paramref name="segmentArray"/> (FILE_SEGMENT_ELEMENT: the user
    /// address of one page each). The handle must be opened with FILE_FLAG_NO_BUFFERING and
    /// FILE_FLAG_OVERLAPPED; the call returns ERROR_IO_PENDING while the read is in flight.
    /// </summary>
    /// <param name="file">The handle.</param>
    /// <param name="segmentArray">The page addresses (from <see cref="UserProcess.VirtualAlloc"/>, page-aligned).</param>
    /// <param name="numberOfBytesToRead">Bytes to read (a multiple of the sector size, at most a page per segment).</param>
    /// <param name="overlapped">The OVERLAPPED (required).</param>
    /// <returns>As <see cref="ReadFile"/>; FALSE with ERROR_INVALID_PARAMETER (87) without an OVERLAPPED, on a buffered or synchronous handle, or for a length the segments cannot hold.</returns>
    public static ValueTask<IoResult> ReadFileScatter(Handle file, IReadOnlyList<ulong> segmentArray, uint numberOfBytesToRead, Overlapped? overlapped) =>
        KiScatterGather(file, segmentArray, numberOfBytesToRead, overlapped, read: true);

    /// <summary>WriteFileGather (NtWriteFileGather): writes from the pages of <paramref name="segmentArray"/>; the rules of <see cref="ReadFileScatter"/>.</summary>
    /// <param name="file">The handle.</param>
    /// <param name="segmentArray">The page addresses.</param>
    /// <param name="numberOfBytesToWrite">Bytes to write.</param>
    /// <param name="overlapped">The OVERLAPPED (required).</param>
    /// <returns>As <see cref="ReadFileScatter"/>.</returns>
    public static ValueTask<IoResult> WriteFileGather(Handle file, IReadOnlyList<ulong> segmentArray, uint numberOfBytesToWrite, Overlapped? overlapped) =>
        KiScatterGather(file, segmentArray, numberOfBytesToWrite, overlapped, read: false);

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<IoResult> KiScatterGather(Handle handle, IReadOnlyList<ulong> segments, uint length, Overlapped? overlapped, bool read)
    {
        ArgumentNullException.ThrowIfNull(segments);
        var teb = Enter();
        if (overlapped is null)
        {
            return Failed(teb, NtStatus.InvalidParameter);
        }
        var process = teb.Process;
        var status = KiReferenceRequest(process, handle, overlapped, out var file, out var eventObject);
        if (status != NtStatus.Success)
        {
            return Failed(teb, status);
        }
        var iosb = KiBeginRequest(overlapped);
        status = read
            ? await Wdm.NtReadFileScatter(file!, eventObject?.Event, overlapped, iosb, segments, length, overlapped.Offset)
            : await Wdm.NtWriteFileGather(file!, eventObject?.Event, overlapped, iosb, segments, length, overlapped.Offset);
        await KiDereferenceRequest(process, file!, eventObject);
        return KiEndRequest(teb, status, iosb);
    }

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<(NtStatus Status, FileStandardInformation Standard)> KiQueryStandard(UserProcess process, Handle file)
    {
        var status = process.ObReferenceObjectByHandle(file, out FileObject? fileObject);
        if (status != NtStatus.Success)
        {
            return (status, default);
        }
        var bytes = new byte[FileStandardInformation.Size];
        status = await Wdm.NtQueryInformationFile(fileObject!, new IoStatusBlock(), new UserBuffer(0, bytes), (uint)bytes.Length, FileInformationClass.FileStandardInformation);
        await process.Io.IopDereferenceFileAtPassive(fileObject!);
        return (status, status.IsSuccess() ? FileStandardInformation.Read(bytes) : default);
    }

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<(NtStatus Status, long Position)> KiQueryPosition(UserProcess process, Handle file)
    {
        var status = process.ObReferenceObjectByHandle(file, out FileObject? fileObject);
        if (status != NtStatus.Success)
        {
            return (status, 0);
        }
        var bytes = new byte[FilePositionInformation.Size];
        status = await Wdm.NtQueryInformationFile(fileObject!, new IoStatusBlock(), new UserBuffer(0, bytes), (uint)bytes.Length, FileInformationClass.FilePositionInformation);
        await process.Io.IopDereferenceFileAtPassive(fileObject!);
        return (status, status.IsSuccess() ? FilePositionInformation.Read(bytes).CurrentByteOffset : 0);
    }

    /// <summary>An open kernel32 makes for one operation (no handle is handed out): synchronous, user mode.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<(NtStatus Status, FileObject? File)> KiOpenForOperation(Teb teb, string name, FileAccessMask access, FileShareMode share,
        CreateDisposition disposition, FileCreateOptions options, FileAttribute attributes)
    {
        var (status, file) = await Wdm.NtCreateFile(teb.Process.Io, RtlDosPathNameToNtPathName(name), null, KProcessorMode.UserMode, access, new IoStatusBlock(),
            attributes, share, disposition, options | FileCreateOptions.SynchronousIoNonalert);
        return (status, file);
    }

    /// <summary>Closes an operation's open as NtClose closes the last handle: IRP_MJ_CLEANUP, then IRP_MJ_CLOSE with the last reference.</summary>
    private static async ValueTask KiCloseOperationOpen(UserProcess process, FileObject file)
    {
        await process.Io.IopSendCleanup(file);
        await process.Io.IopDereferenceFileAtPassive(file);
    }
}
