namespace ActorKernel.Actors;

/// <summary>Minor function codes of IRP_MJ_FILE_SYSTEM_CONTROL (<c>IRP_MN_*</c> in <c>wdm.h</c>/<c>ntifs.h</c>).</summary>
public enum FileSystemControlMinorFunction : byte
{
    /// <summary>IRP_MN_USER_FS_REQUEST (0x00): an FSCTL from NtFsControlFile (Parameters.FileSystemControl).</summary>
    UserFsRequest = 0x00,

    /// <summary>IRP_MN_MOUNT_VOLUME (0x01): recognize and mount the volume (Parameters.MountVolume.Vpb and DeviceObject).</summary>
    MountVolume = 0x01,

    /// <summary>IRP_MN_VERIFY_VOLUME (0x02): is the mounted volume still the medium in the drive (Parameters.VerifyVolume)?</summary>
    VerifyVolume = 0x02,

    /// <summary>IRP_MN_LOAD_FILE_SYSTEM (0x03): a file system recognizer asks its file system to load.</summary>
    LoadFileSystem = 0x03,

    /// <summary>IRP_MN_KERNEL_CALL (0x04): an FSCTL from kernel mode.</summary>
    KernelCall = 0x04,
}

/// <summary>Minor function codes of IRP_MJ_DIRECTORY_CONTROL.</summary>
public enum DirectoryControlMinorFunction : byte
{
    /// <summary>IRP_MN_QUERY_DIRECTORY (0x01): enumerate the directory (Parameters.QueryDirectory).</summary>
    QueryDirectory = 0x01,

    /// <summary>IRP_MN_NOTIFY_CHANGE_DIRECTORY (0x02): complete when the directory changes (not modelled).</summary>
    NotifyChangeDirectory = 0x02,
}

/// <summary>IO_STACK_LOCATION.Flags values (<c>SL_*</c> in <c>wdm.h</c>) of the file-system requests.</summary>
public static class StackLocationFlags
{
    /// <summary>SL_FORCE_ACCESS_CHECK (0x01), IRP_MJ_CREATE: check access even for a kernel-mode requester.</summary>
    public const byte SlForceAccessCheck = 0x01;

    /// <summary>SL_OPEN_PAGING_FILE (0x02), IRP_MJ_CREATE.</summary>
    public const byte SlOpenPagingFile = 0x02;

    /// <summary>SL_OPEN_TARGET_DIRECTORY (0x04), IRP_MJ_CREATE: open the parent of the named file (rename).</summary>
    public const byte SlOpenTargetDirectory = 0x04;

    /// <summary>SL_CASE_SENSITIVE (0x80), IRP_MJ_CREATE: compare names case-sensitively (not OBJ_CASE_INSENSITIVE).</summary>
    public const byte SlCaseSensitive = 0x80;

    /// <summary>SL_RESTART_SCAN (0x01), IRP_MN_QUERY_DIRECTORY: start the enumeration again from the first entry.</summary>
    public const byte SlRestartScan = 0x01;

    /// <summary>SL_RETURN_SINGLE_ENTRY (0x02), IRP_MN_QUERY_DIRECTORY: return one entry only.</summary>
    public const byte SlReturnSingleEntry = 0x02;

    /// <summary>SL_INDEX_SPECIFIED (0x04), IRP_MN_QUERY_DIRECTORY: start at Parameters.QueryDirectory.FileIndex.</summary>
    public const byte SlIndexSpecified = 0x04;

    /// <summary>SL_WRITE_THROUGH (0x04), IRP_MJ_WRITE: the file was opened FILE_WRITE_THROUGH.</summary>
    public const byte SlWriteThrough = 0x04;
}

/// <summary>The create disposition in the high byte of Parameters.Create.Options (<c>FILE_SUPERSEDE</c>.. in <c>wdm.h</c>).</summary>
public enum CreateDisposition : uint
{
    /// <summary>FILE_SUPERSEDE (0): replace the file if it exists, else create it.</summary>
    Supersede = 0,

    /// <summary>FILE_OPEN (1): open the file; fail with STATUS_OBJECT_NAME_NOT_FOUND when it does not exist.</summary>
    Open = 1,

    /// <summary>FILE_CREATE (2): create the file; fail with STATUS_OBJECT_NAME_COLLISION when it exists.</summary>
    Create = 2,

    /// <summary>FILE_OPEN_IF (3): open the file, creating it when it does not exist.</summary>
    OpenIf = 3,

    /// <summary>FILE_OVERWRITE (4): open and truncate the file; fail when it does not exist.</summary>
    Overwrite = 4,

    /// <summary>FILE_OVERWRITE_IF (5): open and truncate the file, creating it when it does not exist.</summary>
    OverwriteIf = 5,
}

/// <summary>What IRP_MJ_CREATE returns in Irp-&gt;IoStatus.Information (<c>FILE_SUPERSEDED</c>.. in <c>wdm.h</c>).</summary>
public enum CreateResult : ulong
{
    /// <summary>FILE_SUPERSEDED (0).</summary>
    Superseded = 0,

    /// <summary>FILE_OPENED (1).</summary>
    Opened = 1,

    /// <summary>FILE_CREATED (2).</summary>
    Created = 2,

    /// <summary>FILE_OVERWRITTEN (3).</summary>
    Overwritten = 3,

    /// <summary>FILE_EXISTS (4).</summary>
    Exists = 4,

    /// <summary>FILE_DOES_NOT_EXIST (5).</summary>
    DoesNotExist = 5,
}

/// <summary>File attributes (<c>FILE_ATTRIBUTE_*</c> in <c>winnt.h</c>/<c>wdm.h</c>).</summary>
[Flags]
public enum FileAttribute : uint
{
    /// <summary>No attribute (0): what a create with no attributes passes.</summary>
    None = 0,

    /// <summary>FILE_ATTRIBUTE_READONLY (0x1).</summary>
    ReadOnly = 0x0000_0001,

    /// <summary>FILE_ATTRIBUTE_HIDDEN (0x2).</summary>
    Hidden = 0x0000_0002,

    /// <summary>FILE_ATTRIBUTE_SYSTEM (0x4).</summary>
    System = 0x0000_0004,

    /// <summary>FILE_ATTRIBUTE_DIRECTORY (0x10).</summary>
    Directory = 0x0000_0010,

    /// <summary>FILE_ATTRIBUTE_ARCHIVE (0x20).</summary>
    Archive = 0x0000_0020,

    /// <summary>FILE_ATTRIBUTE_DEVICE (0x40).</summary>
    Device = 0x0000_0040,

    /// <summary>FILE_ATTRIBUTE_NORMAL (0x80): no other attribute.</summary>
    Normal = 0x0000_0080,

    /// <summary>FILE_ATTRIBUTE_TEMPORARY (0x100).</summary>
    Temporary = 0x0000_0100,
}

/// <summary>FILE_OBJECT.Flags (<c>FO_*</c> in <c>wdm.h</c>).</summary>
[Flags]
public enum FileObjectFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>FO_FILE_OPEN (0x1): IRP_MJ_CREATE succeeded.</summary>
    FileOpen = 0x0000_0001,

    /// <summary>FO_SYNCHRONOUS_IO (0x2): FILE_SYNCHRONOUS_IO_(NON)ALERT; the I/O manager serializes requests and keeps CurrentByteOffset.</summary>
    SynchronousIo = 0x0000_0002,

    /// <summary>FO_ALERTABLE_IO (0x4).</summary>
    AlertableIo = 0x0000_0004,

    /// <summary>FO_NO_INTERMEDIATE_BUFFERING (0x8): FILE_NO_INTERMEDIATE_BUFFERING; no cache, sector-aligned transfers; fast I/O is not tried.</summary>
    NoIntermediateBuffering = 0x0000_0008,

    /// <summary>FO_WRITE_THROUGH (0x10): FILE_WRITE_THROUGH.</summary>
    WriteThrough = 0x0000_0010,

    /// <summary>FO_SEQUENTIAL_ONLY (0x20): FILE_SEQUENTIAL_ONLY.</summary>
    SequentialOnly = 0x0000_0020,

    /// <summary>FO_CACHE_SUPPORTED (0x40): the file system caches the file (set by the file system when it opens it for cached I/O).</summary>
    CacheSupported = 0x0000_0040,

    /// <summary>FO_DIRECT_DEVICE_OPEN (0x800): an open of the device itself (no name under it), not of a file on its volume.</summary>
    DirectDeviceOpen = 0x0000_0800,

    /// <summary>FO_FILE_MODIFIED (0x1000): the file was written through this file object.</summary>
    FileModified = 0x0000_1000,

    /// <summary>FO_FILE_SIZE_CHANGED (0x2000).</summary>
    FileSizeChanged = 0x0000_2000,

    /// <summary>FO_CLEANUP_COMPLETE (0x4000): IRP_MJ_CLEANUP was sent.</summary>
    CleanupComplete = 0x0000_4000,

    /// <summary>FO_TEMPORARY_FILE (0x8000).</summary>
    TemporaryFile = 0x0000_8000,

    /// <summary>FO_DELETE_ON_CLOSE (0x10000): FILE_DELETE_ON_CLOSE.</summary>
    DeleteOnClose = 0x0001_0000,

    /// <summary>FO_OPENED_CASE_SENSITIVE (0x20000).</summary>
    OpenedCaseSensitive = 0x0002_0000,

    /// <summary>FO_HANDLE_CREATED (0x40000).</summary>
    HandleCreated = 0x0004_0000,

    /// <summary>FO_FILE_FAST_IO_READ (0x80000): a fast I/O read was done on the file object.</summary>
    FileFastIoRead = 0x0008_0000,

    /// <summary>FO_RANDOM_ACCESS (0x100000): FILE_RANDOM_ACCESS.</summary>
    RandomAccess = 0x0010_0000,
}
