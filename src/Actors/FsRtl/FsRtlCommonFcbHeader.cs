namespace ActorKernel.Actors;

/// <summary>FAST_IO_POSSIBLE (<c>ntifs.h</c>): FSRTL_COMMON_FCB_HEADER.IsFastIoPossible.</summary>
public enum FastIoPossible : byte
{
    /// <summary>FastIoIsNotPossible (0): every request takes the IRP path.</summary>
    FastIoIsNotPossible = 0,

    /// <summary>FastIoIsPossible (1): FsRtlCopyRead/FsRtlCopyWrite may do the request from the cache.</summary>
    FastIoIsPossible = 1,

    /// <summary>FastIoIsQuestionable (2): ask the file system's FastIoCheckIfPossible first (byte-range locks, oplocks).</summary>
    FastIoIsQuestionable = 2,
}

/// <summary>FSRTL_COMMON_FCB_HEADER.Flags (<c>FSRTL_FLAG_*</c>).</summary>
[Flags]
public enum FsRtlFcbHeaderFlags : byte
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>FSRTL_FLAG_FILE_MODIFIED (0x01).</summary>
    FileModified = 0x01,

    /// <summary>FSRTL_FLAG_FILE_LENGTH_CHANGED (0x02).</summary>
    FileLengthChanged = 0x02,

    /// <summary>FSRTL_FLAG_LIMIT_MODIFIED_PAGES (0x04).</summary>
    LimitModifiedPages = 0x04,

    /// <summary>FSRTL_FLAG_ACQUIRE_MAIN_RSRC_EX (0x08).</summary>
    AcquireMainResourceExclusive = 0x08,

    /// <summary>FSRTL_FLAG_ACQUIRE_MAIN_RSRC_SH (0x10).</summary>
    AcquireMainResourceShared = 0x10,

    /// <summary>FSRTL_FLAG_USER_MAPPED_FILE (0x20).</summary>
    UserMappedFile = 0x20,

    /// <summary>FSRTL_FLAG_ADVANCED_HEADER (0x40).</summary>
    AdvancedHeader = 0x40,
}

/// <summary>
/// FSRTL_COMMON_FCB_HEADER: the part of a file system's FCB that the cache manager and FsRtl read.
/// In C it is the FCB's first member and FileObject-&gt;FsContext points at it; here the file
/// system's FCB derives from this class and FsContext holds the FCB, so FsRtlCopyRead finds the
/// header by a cast. FastFAT keeps the same three sizes: AllocationSize (on the volume), FileSize
/// (end of file), ValidDataLength (bytes written; reads past it see zeros).
/// </summary>
/// <remarks>
/// Resource and PagingIoResource: FsRtlCopyRead/FsRtlCopyWrite take <see cref="Resource"/> shared /
/// exclusive around the cache copy (a <see cref="SemaphoreSlim"/>-free reader/writer count here:
/// the simulator's routines hold no OS lock across an await), so a file system that takes the same
/// resource in its IRP path excludes the fast path as FastFAT does.
/// </remarks>
public class FsRtlCommonFcbHeader
{
    /// <summary>NodeTypeCode: the file system's own tag of the structure (FastFAT: FAT_NTC_FCB 0x0502...).</summary>
    public short NodeTypeCode { get; set; }

    /// <summary>NodeByteSize.</summary>
    public short NodeByteSize { get; set; }

    /// <summary>Flags (FSRTL_FLAG_*).</summary>
    public FsRtlFcbHeaderFlags Flags { get; set; }

    /// <summary>IsFastIoPossible: whether FsRtlCopyRead/Write may serve a request from the cache (the file system keeps it current: FatIsFastIoPossible).</summary>
    public FastIoPossible IsFastIoPossible { get; set; } = FastIoPossible.FastIoIsNotPossible;

    /// <summary>AllocationSize: bytes allocated on the volume (a whole number of clusters).</summary>
    public long AllocationSize { get; set; }

    /// <summary>FileSize: the end of file.</summary>
    public long FileSize { get; set; }

    /// <summary>ValidDataLength: the bytes known written; reads between it and FileSize return zeros.</summary>
    public long ValidDataLength { get; set; }

    /// <summary>Resource: the FCB's main ERESOURCE, taken shared by FsRtlCopyRead and exclusive by an extending FsRtlCopyWrite.</summary>
    public EResource Resource { get; } = new();

    /// <summary>PagingIoResource: the ERESOURCE paging I/O takes (the cache manager's reads and writes of the file's pages).</summary>
    public EResource PagingIoResource { get; } = new();
}
