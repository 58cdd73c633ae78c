namespace ActorKernel.Actors;

/// <summary>
/// ACCESS_MASK of a file or device open (<c>winnt.h</c> / <c>wdm.h</c>): the specific FILE_* rights, the
/// standard rights and the generic ones, which the object type's generic mapping turns into specific
/// rights (IoGetFileObjectGenericMapping).
/// </summary>
[Flags]
public enum FileAccessMask : uint
{
    /// <summary>No access.</summary>
    None = 0,

    /// <summary>FILE_READ_DATA (0x1).</summary>
    FileReadData = 0x0001,

    /// <summary>FILE_LIST_DIRECTORY (0x1): FILE_READ_DATA of a directory.</summary>
    FileListDirectory = 0x0001,

    /// <summary>FILE_ADD_FILE (0x2): FILE_WRITE_DATA of a directory.</summary>
    FileAddFile = 0x0002,

    /// <summary>FILE_ADD_SUBDIRECTORY (0x4): FILE_APPEND_DATA of a directory.</summary>
    FileAddSubdirectory = 0x0004,

    /// <summary>FILE_TRAVERSE (0x20): FILE_EXECUTE of a directory.</summary>
    FileTraverse = 0x0020,

    /// <summary>FILE_DELETE_CHILD (0x40).</summary>
    FileDeleteChild = 0x0040,

    /// <summary>FILE_WRITE_DATA (0x2).</summary>
    FileWriteData = 0x0002,

    /// <summary>FILE_APPEND_DATA (0x4).</summary>
    FileAppendData = 0x0004,

    /// <summary>FILE_READ_EA (0x8).</summary>
    FileReadEa = 0x0008,

    /// <summary>FILE_WRITE_EA (0x10).</summary>
    FileWriteEa = 0x0010,

    /// <summary>FILE_EXECUTE (0x20).</summary>
    FileExecute = 0x0020,

    /// <summary>FILE_READ_ATTRIBUTES (0x80).</summary>
    FileReadAttributes = 0x0080,

    /// <summary>FILE_WRITE_ATTRIBUTES (0x100).</summary>
    FileWriteAttributes = 0x0100,

    /// <summary>DELETE (0x10000).</summary>
    Delete = 0x0001_0000,

    /// <summary>READ_CONTROL (0x20000).</summary>
    ReadControl = 0x0002_0000,

    /// <summary>WRITE_DAC (0x40000).</summary>
    WriteDac = 0x0004_0000,

    /// <summary>WRITE_OWNER (0x80000).</summary>
    WriteOwner = 0x0008_0000,

    /// <summary>SYNCHRONIZE (0x100000).</summary>
    Synchronize = 0x0010_0000,

    /// <summary>FILE_GENERIC_READ (0x120089): what GENERIC_READ maps to.</summary>
    FileGenericRead = 0x0012_0089,

    /// <summary>FILE_GENERIC_WRITE (0x120116): what GENERIC_WRITE maps to.</summary>
    FileGenericWrite = 0x0012_0116,

    /// <summary>FILE_GENERIC_EXECUTE (0x1200A0): what GENERIC_EXECUTE maps to.</summary>
    FileGenericExecute = 0x0012_00A0,

    /// <summary>FILE_ALL_ACCESS (0x1F01FF): what GENERIC_ALL maps to.</summary>
    FileAllAccess = 0x001F_01FF,

    /// <summary>GENERIC_ALL (0x10000000).</summary>
    GenericAll = 0x1000_0000,

    /// <summary>GENERIC_EXECUTE (0x20000000).</summary>
    GenericExecute = 0x2000_0000,

    /// <summary>GENERIC_WRITE (0x40000000).</summary>
    GenericWrite = 0x4000_0000,

    /// <summary>GENERIC_READ (0x80000000).</summary>
    GenericRead = 0x8000_0000,
}

/// <summary>The CreateOptions of NtCreateFile (<c>FILE_*</c> in <c>wdm.h</c>) that the simulator honours.</summary>
[Flags]
public enum FileCreateOptions : uint
{
    /// <summary>No option: the file object is opened for asynchronous (overlapped) I/O.</summary>
    None = 0,

    /// <summary>FILE_DIRECTORY_FILE (0x1): the file opened or created must be a directory.</summary>
    DirectoryFile = 0x0000_0001,

    /// <summary>FILE_WRITE_THROUGH (0x2).</summary>
    WriteThrough = 0x0000_0002,

    /// <summary>FILE_NO_INTERMEDIATE_BUFFERING (0x8).</summary>
    NoIntermediateBuffering = 0x0000_0008,

    /// <summary>FILE_SYNCHRONOUS_IO_ALERT (0x10): every request waits (alertably) and the object keeps a current byte offset.</summary>
    SynchronousIoAlert = 0x0000_0010,

    /// <summary>FILE_SYNCHRONOUS_IO_NONALERT (0x20): every request waits and the object keeps a current byte offset (CreateFile without FILE_FLAG_OVERLAPPED).</summary>
    SynchronousIoNonalert = 0x0000_0020,

    /// <summary>FILE_NON_DIRECTORY_FILE (0x40).</summary>
    NonDirectoryFile = 0x0000_0040,

    /// <summary>FILE_SEQUENTIAL_ONLY (0x4).</summary>
    SequentialOnly = 0x0000_0004,

    /// <summary>FILE_RANDOM_ACCESS (0x800).</summary>
    RandomAccess = 0x0000_0800,

    /// <summary>FILE_DELETE_ON_CLOSE (0x1000): delete the file when its last handle closes.</summary>
    DeleteOnClose = 0x0000_1000,

    /// <summary>FILE_OPEN_BY_FILE_ID (0x2000).</summary>
    OpenByFileId = 0x0000_2000,

    /// <summary>FILE_OPEN_FOR_BACKUP_INTENT (0x4000).</summary>
    OpenForBackupIntent = 0x0000_4000,

    /// <summary>FILE_OPEN_REPARSE_POINT (0x200000).</summary>
    OpenReparsePoint = 0x0020_0000,
}

/// <summary>Maps generic rights to the file object type's specific ones (IoGetFileObjectGenericMapping + RtlMapGenericMask).</summary>
public static class FileAccessMapping
{
    /// <summary>RtlMapGenericMask with the file generic mapping: GENERIC_* bits become FILE_GENERIC_* / FILE_ALL_ACCESS.</summary>
    /// <param name="access">The requested access, possibly with generic bits.</param>
    /// <returns>The access with only specific and standard rights.</returns>
    public static FileAccessMask MapGeneric(FileAccessMask access)
    {
        var mapped = access & ~(FileAccessMask.GenericRead | FileAccessMask.GenericWrite | FileAccessMask.GenericExecute | FileAccessMask.GenericAll);
        if ((access & FileAccessMask.GenericRead) != 0)
        {
            mapped |= FileAccessMask.FileGenericRead;
        }
        if ((access & FileAccessMask.GenericWrite) != 0)
        {
            mapped |= FileAccessMask.FileGenericWrite;
        }
        if ((access & FileAccessMask.GenericExecute) != 0)
        {
            mapped |= FileAccessMask.FileGenericExecute;
        }
        if ((access & FileAccessMask.GenericAll) != 0)
        {
            mapped |= FileAccessMask.FileAllAccess;
        }
        return mapped;
    }
}
