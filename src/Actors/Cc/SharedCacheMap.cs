namespace ActorKernel.Actors;

/// <summary>
/// SHARED_CACHE_MAP: the cache of one stream. Views of one page (4 KiB) each, at most
/// <see cref="MaximumPages"/> resident; the least recently used clean page goes first when a new one
/// is needed (a dirty one is written back first when none is clean). Pages are read through the file
/// system's own non-cached paging read and written back through its paging write, as NT's views fault
/// through IoPageRead and the mapped/modified page writers write through IoAsynchronousPageWrite.
/// </summary>
/// <remarks>
/// Each page is a page of nonpaged pool (tag 'CcPg'; NT's views are system-cache address space over
/// real page frames), so a paging read or write hands the file system an MDL with page frames that the
/// stack below can DMA. Pages are keyed by page number in a sorted map so every walk (flush, purge,
/// eviction) goes in file order.
/// A page being read is marked so a second reader waits for it (or, with Wait = FALSE, declines).
/// </remarks>
internal sealed class SharedCacheMap
{
    /// <summary>The default bound: 256 pages (1 MiB) per stream.</summary>
    internal const int DefaultMaximumPages = 256;

    internal SharedCacheMap(FileObject fileObject, CcFileSizes sizes, int maximumPages)
    {
        FileObject = fileObject;
        Sizes = sizes;
        MaximumPages = maximumPages;
    }

    /// <summary>SharedCacheMap-&gt;FileObject: the file object paging I/O is sent with (referenced while the map lives).</summary>
    internal FileObject FileObject { get; }

    internal CcFileSizes Sizes { get; set; }

    internal int MaximumPages { get; }

    /// <summary>Private cache maps (file objects that called CcInitializeCacheMap and not yet CcUninitializeCacheMap).</summary>
    internal int OpenCount { get; set; }

    internal readonly Lock Gate = new();

    internal readonly SortedDictionary<long, CachePage> Pages = [];

    internal long UseClock;
    internal long Hits;
    internal long Misses;
    internal long PagingReads;
    internal long PagingWrites;
    internal long Evictions;

    internal CacheStatistics CcStatistics()
    {
        lock (Gate)
        {
            var dirty = 0;
            foreach (var page in Pages.Values)
            {
                dirty += page.Dirty ? 1 : 0;
            }
            return new CacheStatistics(Hits, Misses, PagingReads, PagingWrites, Evictions, Pages.Count, dirty);
        }
    }
}

/// <summary>One resident page (a VACB's view, one page wide).</summary>
internal sealed class CachePage
{
    internal CachePage(long number) => Number = number;

    internal long Number { get; }

    /// <summary>The page's system address (nonpaged pool), 0 once freed.</summary>
    internal ulong Va;

    /// <summary>Written by CcCopyWrite and not yet written back.</summary>
    internal bool Dirty;

    /// <summary>The data is there (false while its paging read is in flight).</summary>
    internal bool Valid;

    /// <summary>Signalled when the paging read finishes (null when the page was not read).</summary>
    internal KEvent? ReadDone;

    /// <summary>The status of the paging read (a failed page is dropped).</summary>
    internal NtStatus ReadStatus;

    /// <summary>Copies or paging writes in progress on the page (a pinned page is neither evicted, purged nor freed).</summary>
    internal int PinCount;

    /// <summary>The last use, by the map's use clock (the least recent clean page is evicted first).</summary>
    internal long LastUse;

    internal long Offset => Number * MmLayout.PageSize;
}
