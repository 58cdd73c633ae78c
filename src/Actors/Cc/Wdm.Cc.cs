using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// The cache manager's entry points a file system calls (ntoskrnl/cc: fssup.c, copysup.c, pin.c).
// What is modelled and what is not: docs/file-systems.md, "The cache manager".
public static partial class Wdm
{
    // Where the system cache's views "are" (x64 Windows kept the system cache at FFFFF980`00000000):
    // the address of a page's managed MDL, so a trace shows a cache page as such.
    private const ulong CcSystemCacheBase = 0xFFFF_F980_0000_0000;

    /// <summary>
    /// CcInitializeCacheMap: caches the stream of <paramref name="fileObject"/> (its SectionObjectPointer,
    /// which the file system set at create): the first call for the stream creates the shared cache map,
    /// each file object gets its PrivateCacheMap. FastFAT calls it on the first cached read or write of a
    /// file object.
    /// </summary>
    /// <param name="fileObject">The open; its SectionObjectPointer must be set.</param>
    /// <param name="fileSizes">The stream's sizes.</param>
    /// <param name="pinAccess">Whether the file system will pin (CcPinRead; not modelled: ignored).</param>
    /// <param name="callbacks">The lazy-write and read-ahead callbacks (kept, not called).</param>
    /// <param name="lazyWriteContext">Their context.</param>
    /// <remarks>IRQL &lt; DISPATCH_LEVEL.</remarks>
    public static void CcInitializeCacheMap(FileObject fileObject, CcFileSizes fileSizes, bool pinAccess, CacheManagerCallbacks? callbacks, object? lazyWriteContext)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        _ = pinAccess;
        _ = callbacks;
        _ = lazyWriteContext;
        var pointers = fileObject.SectionObjectPointer
            ?? throw new ArgumentException("CcInitializeCacheMap: FileObject->SectionObjectPointer is NULL (the file system sets it at create).", nameof(fileObject));
        KiChargeCc(200);
        lock (pointers)
        {
            var map = pointers.CcSharedCacheMap;
            if (map is null)
            {
                map = new SharedCacheMap(fileObject, fileSizes, SharedCacheMap.DefaultMaximumPages);
                fileObject.ObReferenceObject(); // SharedCacheMap->FileObject is referenced while the map lives
                pointers.CcSharedCacheMap = map;
            }
            if (fileObject.PrivateCacheMap is null)
            {
                fileObject.PrivateCacheMap = new object();
                map.OpenCount++;
            }
        }
    }

    /// <summary>
    /// CcUninitializeCacheMap: this file object no longer caches (a file system calls it at
    /// IRP_MJ_CLEANUP). With <paramref name="truncateSize"/> the stream is cut there first. When the
    /// last file object of the stream goes, its dirty pages are written back and the map is deleted.
    /// </summary>
    /// <param name="fileObject">The open.</param>
    /// <param name="truncateSize">A new end of file to cut the cache at, or null.</param>
    /// <returns>TRUE when the file object was cached (it had a PrivateCacheMap).</returns>
    /// <remarks>
    /// IRQL = PASSIVE_LEVEL. NT leaves the write-back to the lazy writer and deletes the map later;
    /// here (no lazy writer) the last uninitialize writes the dirty pages back before it returns.
    /// </remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<bool> CcUninitializeCacheMap(FileObject fileObject, long? truncateSize)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        var pointers = fileObject.SectionObjectPointer;
        if (pointers is null)
        {
            return false;
        }
        KiChargeCc(200);
        SharedCacheMap? map;
        bool wasCached;
        List<CachePage>? dropped = null;
        bool last;
        lock (pointers)
        {
            map = pointers.CcSharedCacheMap;
            wasCached = fileObject.PrivateCacheMap is not null;
            if (map is null)
            {
                fileObject.PrivateCacheMap = null;
                return false;
            }
            if (truncateSize is { } size)
            {
                lock (map.Gate)
                {
                    dropped = CcpTruncate(map, size);
                }
            }
            if (wasCached)
            {
                fileObject.PrivateCacheMap = null;
                map.OpenCount--;
            }
            last = map.OpenCount == 0;
        }
        dropped?.ForEach(CcpFreePage);
        if (!last)
        {
            return wasCached;
        }
        await CcpFlush(map, null, 0, null).ConfigureAwait(false);
        List<CachePage> remaining;
        lock (pointers)
        {
            if (map.OpenCount > 0 || !ReferenceEquals(pointers.CcSharedCacheMap, map))
            {
                return wasCached; // another open initialized the cache while the pages were written
            }
            pointers.CcSharedCacheMap = null;
            lock (map.Gate)
            {
                remaining = [.. map.Pages.Values];
                map.Pages.Clear();
            }
        }
        remaining.ForEach(CcpFreePage); // the map is gone: nobody pins its pages any more
        await map.FileObject.DeviceObject.DriverObject.Manager.IopDereferenceFileAtPassive(map.FileObject).ConfigureAwait(false);
        return wasCached;
    }

    /// <summary>
    /// CcCopyRead: copies <paramref name="length"/> bytes of the stream at <paramref name="fileOffset"/>
    /// from the cache to <paramref name="buffer"/>, reading the missing pages through the file system's
    /// non-cached paging read (IRP_MJ_READ with IRP_PAGING_IO | IRP_NOCACHE). The copy stops at FileSize.
    /// </summary>
    /// <param name="fileObject">A cached open (CcInitializeCacheMap was called).</param>
    /// <param name="fileOffset">Where in the file.</param>
    /// <param name="length">Bytes to copy.</param>
    /// <param name="wait">FALSE: if any page is not resident, copy nothing and return FALSE (the caller posts the request or takes the IRP path).</param>
    /// <param name="buffer">The caller's buffer (a user buffer is written in the current process).</param>
    /// <param name="ioStatus">Receives STATUS_SUCCESS and the bytes copied.</param>
    /// <returns>TRUE when the data was copied; FALSE only when <paramref name="wait"/> is FALSE and a page is not resident.</returns>
    /// <exception cref="NtStatusException">The paging read failed (NT raises its status; the file system's try/except turns it into the IRP's status).</exception>
    /// <remarks>IRQL &lt; DISPATCH_LEVEL.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<bool> CcCopyRead(FileObject fileObject, long fileOffset, uint length, bool wait, UserBuffer buffer, IoStatusBlock ioStatus)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(ioStatus);
        var map = CcpMap(fileObject, nameof(CcCopyRead));
        KiChargeCc(100);
        var end = Math.Min(fileOffset + length, map.Sizes.FileSize);
        if (end <= fileOffset)
        {
            ioStatus.Status = NtStatus.Success;
            ioStatus.Information = 0;
            return true;
        }
        var first = fileOffset / MmLayout.PageSize;
        var last = (end - 1) / MmLayout.PageSize;
        if (!wait && !CcpAllResident(map, first, last))
        {
            return false;
        }
        for (var number = first; number <= last; number++)
        {
            var page = await CcpGetPage(map, number, read: true).ConfigureAwait(false);
            try
            {
                var from = (int)(Math.Max(fileOffset, page.Offset) - page.Offset);
                var to = (int)(Math.Min(end, page.Offset + MmLayout.PageSize) - page.Offset);
                await CcpCopyToBuffer(buffer, page.Offset + from - fileOffset, page.Va + (ulong)from, to - from);
            }
            finally
            {
                CcpUnpin(map, page);
            }
        }
        ioStatus.Status = NtStatus.Success;
        ioStatus.Information = (ulong)(end - fileOffset);
        return true;
    }

    /// <summary>
    /// CcCopyWrite: copies <paramref name="length"/> bytes of <paramref name="buffer"/> into the cache at
    /// <paramref name="fileOffset"/> and marks the pages dirty; a page the write covers only in part is
    /// read first when it holds valid data (below ValidDataLength). The file system extends FileSize
    /// (CcSetFileSizes) before it writes past it. On a FO_WRITE_THROUGH file object the range is flushed
    /// before the call returns.
    /// </summary>
    /// <param name="fileObject">A cached open.</param>
    /// <param name="fileOffset">Where in the file.</param>
    /// <param name="length">Bytes to copy.</param>
    /// <param name="wait">FALSE: if a page must be read first, write nothing and return FALSE.</param>
    /// <param name="buffer">The caller's data (a user buffer is read in the current process).</param>
    /// <returns>TRUE when the data is in the cache; FALSE only when <paramref name="wait"/> is FALSE and a page must be read.</returns>
    /// <exception cref="NtStatusException">A paging read or (write-through) write failed.</exception>
    /// <remarks>IRQL &lt; DISPATCH_LEVEL.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<bool> CcCopyWrite(FileObject fileObject, long fileOffset, uint length, bool wait, UserBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var map = CcpMap(fileObject, nameof(CcCopyWrite));
        KiChargeCc(100);
        if (length == 0)
        {
            return true;
        }
        var end = fileOffset + length;
        var first = fileOffset / MmLayout.PageSize;
        var last = (end - 1) / MmLayout.PageSize;
        if (!wait && !CcpWritableWithoutRead(map, fileOffset, end, first, last))
        {
            return false;
        }
        for (var number = first; number <= last; number++)
        {
            var pageOffset = number * MmLayout.PageSize;
            var from = (int)(Math.Max(fileOffset, pageOffset) - pageOffset);
            var to = (int)(Math.Min(end, pageOffset + MmLayout.PageSize) - pageOffset);
            var page = await CcpGetPage(map, number, read: CcpWriteNeedsRead(map, pageOffset, from, to)).ConfigureAwait(false);
            try
            {
                await CcpCopyFromBuffer(page.Va + (ulong)from, buffer, pageOffset + from - fileOffset, to - from);
                lock (map.Gate)
                {
                    page.Dirty = true;
                }
            }
            finally
            {
                CcpUnpin(map, page);
            }
        }
        if ((fileObject.Flags & FileObjectFlags.WriteThrough) != 0)
        {
            var status = new IoStatusBlock();
            await CcpFlush(map, fileOffset, length, status).ConfigureAwait(false);
            if (!status.Status.IsSuccess())
            {
                throw new NtStatusException(status.Status);
            }
        }
        return true;
    }

    /// <summary>
    /// CcFlushCache: writes the dirty pages of the range (the whole stream when <paramref name="fileOffset"/>
    /// is null) back through the file system's paging write (IRP_MJ_WRITE, IRP_PAGING_IO | IRP_NOCACHE).
    /// </summary>
    /// <param name="sectionObjectPointer">The stream.</param>
    /// <param name="fileOffset">Where the range starts, or null for the whole stream.</param>
    /// <param name="length">The range's bytes (ignored for the whole stream).</param>
    /// <param name="ioStatus">Receives the first failure, or STATUS_SUCCESS and the bytes written; may be null.</param>
    /// <returns>A task that ends when the pages are written.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL. A stream that is not cached flushes nothing (STATUS_SUCCESS).</remarks>
    public static ValueTask CcFlushCache(SectionObjectPointers sectionObjectPointer, long? fileOffset, uint length, IoStatusBlock? ioStatus)
    {
        ArgumentNullException.ThrowIfNull(sectionObjectPointer);
        KiChargeCc(100);
        if (sectionObjectPointer.CcSharedCacheMap is not { } map)
        {
            if (ioStatus is not null)
            {
                ioStatus.Status = NtStatus.Success;
                ioStatus.Information = 0;
            }
            return ValueTask.CompletedTask;
        }
        return CcpFlush(map, fileOffset, length, ioStatus);
    }

    /// <summary>
    /// CcSetFileSizes: the file system changed the stream's sizes (extend before a write past the end,
    /// truncate at SetEndOfFile); pages wholly past a smaller FileSize are dropped and the tail of the
    /// last page zeroed.
    /// </summary>
    /// <param name="fileObject">A cached open of the stream.</param>
    /// <param name="fileSizes">The new sizes.</param>
    /// <remarks>IRQL &lt; DISPATCH_LEVEL.</remarks>
    public static void CcSetFileSizes(FileObject fileObject, CcFileSizes fileSizes)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        KiChargeCc(50);
        if (fileObject.SectionObjectPointer?.CcSharedCacheMap is not { } map)
        {
            return;
        }
        List<CachePage>? dropped = null;
        lock (map.Gate)
        {
            if (fileSizes.FileSize < map.Sizes.FileSize)
            {
                dropped = CcpTruncate(map, fileSizes.FileSize);
            }
            map.Sizes = fileSizes;
        }
        dropped?.ForEach(CcpFreePage);
    }

    /// <summary>
    /// CcPurgeCacheSection: drops the cached pages of the range (the whole stream when
    /// <paramref name="fileOffset"/> is null), dirty ones included, so the next read goes to the volume.
    /// </summary>
    /// <param name="sectionObjectPointer">The stream.</param>
    /// <param name="fileOffset">Where the range starts, or null.</param>
    /// <param name="length">Its bytes.</param>
    /// <param name="uninitializeCacheMaps">Also uninitialize the file objects' private cache maps (not modelled: ignored).</param>
    /// <returns>TRUE; FALSE when a page of the range is in use by a copy in progress (NT: a mapped view).</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static bool CcPurgeCacheSection(SectionObjectPointers sectionObjectPointer, long? fileOffset, uint length, bool uninitializeCacheMaps)
    {
        ArgumentNullException.ThrowIfNull(sectionObjectPointer);
        _ = uninitializeCacheMaps;
        KiChargeCc(100);
        if (sectionObjectPointer.CcSharedCacheMap is not { } map)
        {
            return true;
        }
        var start = (fileOffset ?? 0) / MmLayout.PageSize;
        var stop = fileOffset is { } offset ? (offset + length + MmLayout.PageSize - 1) / MmLayout.PageSize : long.MaxValue;
        var purged = true;
        var dropped = new List<CachePage>();
        lock (map.Gate)
        {
            foreach (var page in new List<CachePage>(map.Pages.Values))
            {
                if (page.Number < start || page.Number >= stop)
                {
                    continue;
                }
                if (page.PinCount > 0 || !page.Valid)
                {
                    purged = false;
                    continue;
                }
                map.Pages.Remove(page.Number);
                dropped.Add(page);
            }
        }
        dropped.ForEach(CcpFreePage);
        return purged;
    }

    /// <summary>CcIsFileCached: whether the stream of <paramref name="fileObject"/> has a shared cache map.</summary>
    /// <param name="fileObject">The open.</param>
    /// <returns>TRUE when cached.</returns>
    public static bool CcIsFileCached(FileObject fileObject) => fileObject?.SectionObjectPointer?.CcSharedCacheMap is not null;
}
