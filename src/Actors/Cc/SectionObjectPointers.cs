namespace ActorKernel.Actors;

/// <summary>
/// SECTION_OBJECT_POINTERS: one per stream, owned by the file system (in its FCB), shared by every
/// file object of the stream through FileObject-&gt;SectionObjectPointer. The cache manager hangs the
/// stream's shared cache map on it; Mm's data and image sections are not modelled.
/// </summary>
public sealed class SectionObjectPointers
{
    /// <summary>DataSectionObject (not modelled: no memory-mapped files; always null).</summary>
    public object? DataSectionObject => null;

    /// <summary>ImageSectionObject (not modelled; always null).</summary>
    public object? ImageSectionObject => null;

    /// <summary>SharedCacheMap: the cache manager's map of the stream, null while no file object of the stream is cached.</summary>
    public object? SharedCacheMap => CcSharedCacheMap;

    internal SharedCacheMap? CcSharedCacheMap { get; set; }

    /// <summary>The stream's cache counters (zero while not cached; they start again at each CcInitializeCacheMap that creates the map).</summary>
    public CacheStatistics Statistics => CcSharedCacheMap?.CcStatistics() ?? default;
}

/// <summary>CC_FILE_SIZES: the three sizes CcInitializeCacheMap and CcSetFileSizes take.</summary>
/// <param name="AllocationSize">AllocationSize: bytes allocated on the volume.</param>
/// <param name="FileSize">FileSize: the end of file.</param>
/// <param name="ValidDataLength">ValidDataLength: bytes known written.</param>
public readonly record struct CcFileSizes(long AllocationSize, long FileSize, long ValidDataLength)
{
    /// <summary>The sizes of a file system's common FCB header.</summary>
    /// <param name="header">The header.</param>
    /// <returns>Its AllocationSize, FileSize and ValidDataLength.</returns>
    public static CcFileSizes From(FsRtlCommonFcbHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return new(header.AllocationSize, header.FileSize, header.ValidDataLength);
    }
}

/// <summary>
/// CACHE_MANAGER_CALLBACKS: the file system's routines the lazy writer and read-ahead call to take
/// the FCB's locks. Accepted and kept; not called (no lazy writer or read-ahead thread here).
/// </summary>
public sealed class CacheManagerCallbacks
{
    /// <summary>AcquireForLazyWrite.</summary>
    public Func<object?, bool, bool>? AcquireForLazyWrite { get; set; }

    /// <summary>ReleaseFromLazyWrite.</summary>
    public Action<object?>? ReleaseFromLazyWrite { get; set; }

    /// <summary>AcquireForReadAhead.</summary>
    public Func<object?, bool, bool>? AcquireForReadAhead { get; set; }

    /// <summary>ReleaseFromReadAhead.</summary>
    public Action<object?>? ReleaseFromReadAhead { get; set; }
}

/// <summary>The counters of one stream's cache (for tests, traces and <c>!fileobj</c>-like dumps).</summary>
/// <param name="Hits">Pages a copy found resident.</param>
/// <param name="Misses">Pages a copy did not find resident (read in, or the copy returned FALSE with Wait = FALSE).</param>
/// <param name="PagingReads">Non-cached paging reads sent to the file system (IRP_MJ_READ, IRP_PAGING_IO | IRP_NOCACHE).</param>
/// <param name="PagingWrites">Non-cached paging writes sent to the file system (dirty pages written back).</param>
/// <param name="Evictions">Pages dropped to stay within the bound.</param>
/// <param name="ResidentPages">Pages in the cache now.</param>
/// <param name="DirtyPages">Resident pages written and not yet flushed.</param>
public readonly record struct CacheStatistics(long Hits, long Misses, long PagingReads, long PagingWrites, long Evictions, int ResidentPages, int DirtyPages);
