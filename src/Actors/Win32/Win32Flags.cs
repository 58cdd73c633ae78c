namespace ActorKernel.Actors;

/// <summary>The generic rights of CreateFile's dwDesiredAccess (<c>winnt.h</c>).</summary>
[Flags]
public enum GenericAccess : uint
{
    /// <summary>No access (query only).</summary>
    None = 0,

    /// <summary>GENERIC_ALL (0x10000000).</summary>
    GenericAll = 0x1000_0000,

    /// <summary>GENERIC_EXECUTE (0x20000000).</summary>
    GenericExecute = 0x2000_0000,

    /// <summary>GENERIC_WRITE (0x40000000).</summary>
    GenericWrite = 0x4000_0000,

    /// <summary>GENERIC_READ (0x80000000).</summary>
    GenericRead = 0x8000_0000,
}

/// <summary>CreateFile's dwShareMode: FILE_SHARE_* (the same values NtCreateFile's ShareAccess takes).</summary>
[Flags]
public enum FileShareMode : uint
{
    /// <summary>0: no sharing.</summary>
    None = 0,

    /// <summary>FILE_SHARE_READ (0x1).</summary>
    Read = 1,

    /// <summary>FILE_SHARE_WRITE (0x2).</summary>
    Write = 2,

    /// <summary>FILE_SHARE_DELETE (0x4).</summary>
    Delete = 4,
}

/// <summary>CreateFile's dwCreationDisposition. Devices exist or not: every value opens an existing device.</summary>
public enum CreationDisposition : uint
{
    /// <summary>CREATE_NEW (1).</summary>
    CreateNew = 1,

    /// <summary>CREATE_ALWAYS (2).</summary>
    CreateAlways = 2,

    /// <summary>OPEN_EXISTING (3): what device opens use.</summary>
    OpenExisting = 3,

    /// <summary>OPEN_ALWAYS (4).</summary>
    OpenAlways = 4,

    /// <summary>TRUNCATE_EXISTING (5).</summary>
    TruncateExisting = 5,
}

/// <summary>CreateFile's dwFlagsAndAttributes (the flags the simulator honours).</summary>
[Flags]
public enum FileFlagsAndAttributes : uint
{
    /// <summary>No flag: a synchronous open.</summary>
    None = 0,

    /// <summary>FILE_ATTRIBUTE_READONLY (0x1).</summary>
    ReadOnly = 0x1,

    /// <summary>FILE_ATTRIBUTE_HIDDEN (0x2).</summary>
    Hidden = 0x2,

    /// <summary>FILE_ATTRIBUTE_SYSTEM (0x4).</summary>
    System = 0x4,

    /// <summary>FILE_ATTRIBUTE_ARCHIVE (0x20).</summary>
    Archive = 0x20,

    /// <summary>FILE_ATTRIBUTE_NORMAL (0x80).</summary>
    Normal = 0x80,

    /// <summary>FILE_ATTRIBUTE_TEMPORARY (0x100).</summary>
    Temporary = 0x100,

    /// <summary>FILE_FLAG_BACKUP_SEMANTICS (0x02000000): directories may be opened (no FILE_NON_DIRECTORY_FILE).</summary>
    BackupSemantics = 0x0200_0000,

    /// <summary>FILE_FLAG_DELETE_ON_CLOSE (0x04000000): FILE_DELETE_ON_CLOSE, with DELETE access added.</summary>
    DeleteOnClose = 0x0400_0000,

    /// <summary>FILE_FLAG_SEQUENTIAL_SCAN (0x08000000): FILE_SEQUENTIAL_ONLY.</summary>
    SequentialScan = 0x0800_0000,

    /// <summary>FILE_FLAG_RANDOM_ACCESS (0x10000000): FILE_RANDOM_ACCESS.</summary>
    RandomAccess = 0x1000_0000,

    /// <summary>FILE_FLAG_NO_BUFFERING (0x20000000): FILE_NO_INTERMEDIATE_BUFFERING.</summary>
    NoBuffering = 0x2000_0000,

    /// <summary>FILE_FLAG_OVERLAPPED (0x40000000): the open is for overlapped I/O (no FILE_SYNCHRONOUS_IO_NONALERT).</summary>
    Overlapped = 0x4000_0000,

    /// <summary>FILE_FLAG_WRITE_THROUGH (0x80000000): FILE_WRITE_THROUGH.</summary>
    WriteThrough = 0x8000_0000,
}

/// <summary>MoveFileEx's dwFlags (<c>MOVEFILE_*</c>).</summary>
[Flags]
public enum MoveFileFlags : uint
{
    /// <summary>No flag: fail when the target exists.</summary>
    None = 0,

    /// <summary>MOVEFILE_REPLACE_EXISTING (0x1): replace an existing target (FileRenameInformation.ReplaceIfExists).</summary>
    ReplaceExisting = 0x1,

    /// <summary>MOVEFILE_COPY_ALLOWED (0x2): copy and delete across volumes (not modelled: ERROR_NOT_SAME_DEVICE).</summary>
    CopyAllowed = 0x2,

    /// <summary>MOVEFILE_WRITE_THROUGH (0x8).</summary>
    WriteThrough = 0x8,
}

/// <summary>SetFilePointerEx's dwMoveMethod.</summary>
public enum MoveMethod : uint
{
    /// <summary>FILE_BEGIN (0).</summary>
    Begin = 0,

    /// <summary>FILE_CURRENT (1).</summary>
    Current = 1,

    /// <summary>FILE_END (2).</summary>
    End = 2,
}

/// <summary>WIN32_FIND_DATA: one entry FindFirstFile / FindNextFile return.</summary>
/// <param name="FileAttributes">dwFileAttributes.</param>
/// <param name="CreationTime">ftCreationTime (100 ns units since 1601).</param>
/// <param name="LastAccessTime">ftLastAccessTime.</param>
/// <param name="LastWriteTime">ftLastWriteTime.</param>
/// <param name="FileSize">nFileSizeHigh:nFileSizeLow.</param>
/// <param name="FileName">cFileName.</param>
/// <param name="AlternateFileName">cAlternateFileName (the 8.3 name, or empty).</param>
public sealed record Win32FindData(FileAttribute FileAttributes, long CreationTime, long LastAccessTime, long LastWriteTime, long FileSize, string FileName, string AlternateFileName);
