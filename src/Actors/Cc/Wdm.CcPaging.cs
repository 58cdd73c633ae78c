using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// The cache manager's inside: finding, reading, evicting and writing back pages (CcpXxx, as
// ntoskrnl/cc's internal routines). Every lookup and change of a map's pages holds its Gate; paging
// I/O and copies to or from a requester's buffer run outside it, on pinned pages.
public static partial class Wdm
{
    private static void KiChargeCc(long nanoseconds) => InlineIoProcessor.Current.Charge(nanoseconds);

    // 'CcPg': the cache's pages (nonpaged pool, zeroed at allocation).
    private static readonly uint CcPageTag = PoolTag.FromString("CcPg");

    private static ulong CcpAllocatePage() => ExAllocatePool2(PoolFlags.NonPaged, MmLayout.PageSize, CcPageTag);

    /// <summary>Gives a dropped page's pool back (under no lock: the page is out of the map and unpinned).</summary>
    private static void CcpFreePage(CachePage page)
    {
        if (page.Va != 0)
        {
            ExFreePoolWithTag(page.Va, CcPageTag);
            page.Va = 0;
        }
    }

    /// <summary>Zeroes bytes of a page from the routine's own context (a truncation, the tail past the end of file).</summary>
    private static void CcpZero(ulong va, int length)
    {
        if (length <= 0)
        {
            return;
        }
        var p = MiEnter(out var context);
        Span<byte> zeros = stackalloc byte[length];
        zeros.Clear();
        p.KiCharge(p.Machine.Memory.Write(context, va, zeros) + (length / 8) + 1);
    }

    private static SharedCacheMap CcpMap(FileObject fileObject, string routine)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        return fileObject.SectionObjectPointer?.CcSharedCacheMap
            ?? throw new ArgumentException($"{routine}: the file object's stream is not cached (CcInitializeCacheMap was not called).", nameof(fileObject));
    }

    private static bool CcpAllResident(SharedCacheMap map, long first, long last)
    {
        lock (map.Gate)
        {
            for (var number = first; number <= last; number++)
            {
                if (!map.Pages.TryGetValue(number, out var page) || !page.Valid)
                {
                    map.Misses++; // the copy that declines counts its first missing page
                    return false;
                }
            }
            return true;
        }
    }

    /// <summary>Whether the write of bytes [from, to) of the page at <paramref name="pageOffset"/> must read the page first (it keeps valid bytes the write does not cover).</summary>
    private static bool CcpWriteNeedsRead(SharedCacheMap map, long pageOffset, int from, int to)
    {
        var sizes = map.Sizes;
        var validEnd = Math.Min(sizes.ValidDataLength, sizes.FileSize) - pageOffset; // bytes of the page that hold data on the volume
        if (validEnd <= 0)
        {
            return false;
        }
        return from > 0 || to < Math.Min(validEnd, MmLayout.PageSize);
    }

    private static bool CcpWritableWithoutRead(SharedCacheMap map, long start, long end, long first, long last)
    {
        lock (map.Gate)
        {
            for (var number = first; number <= last; number++)
            {
                var pageOffset = number * MmLayout.PageSize;
                var from = (int)(Math.Max(start, pageOffset) - pageOffset);
                var to = (int)(Math.Min(end, pageOffset + MmLayout.PageSize) - pageOffset);
                var resident = map.Pages.TryGetValue(number, out var page) && page.Valid;
                if (!resident && CcpWriteNeedsRead(map, pageOffset, from, to))
                {
                    map.Misses++;
                    return false;
                }
            }
            return true;
        }
    }

    /// <summary>
    /// The page, resident and pinned (<see cref="CcpUnpin"/> after the copy): a hit, or a miss that reads
    /// it (<paramref name="read"/>: through the file system's paging read) or starts it zeroed. A page
    /// another thread is reading is waited for.
    /// </summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<CachePage> CcpGetPage(SharedCacheMap map, long number, bool read)
    {
        ulong spare = 0; // a pool page allocated outside the gate for a miss, given back if another thread won
        try
        {
            while (true)
            {
                KEvent? inFlight = null;
                CachePage? mine = null;
                var needPage = false;
                lock (map.Gate)
                {
                    if (map.Pages.TryGetValue(number, out var page))
                    {
                        if (page.Valid)
                        {
                            map.Hits++;
                            page.LastUse = ++map.UseClock;
                            page.PinCount++;
                            return page;
                        }
                        inFlight = page.ReadDone;
                    }
                    else if (spare == 0)
                    {
                        needPage = true;
                    }
                    else
                    {
                        map.Misses++;
                        mine = new CachePage(number) { LastUse = ++map.UseClock, PinCount = 1, Va = spare };
                        spare = 0;
                        var pastEnd = mine.Offset >= Math.Min(map.Sizes.ValidDataLength, map.Sizes.FileSize);
                        if (!read || pastEnd)
                        {
                            // Nothing on the volume to read (past ValidDataLength) or the write covers it: a zero page.
                            mine.Valid = true;
                        }
                        else
                        {
                            mine.ReadDone = new KEvent();
                            KeInitializeEvent(mine.ReadDone, EventType.NotificationEvent, false);
                        }
                        map.Pages[number] = mine;
                    }
                }
                if (inFlight is not null)
                {
                    await KeWaitForSingleObject(inFlight, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
                    continue; // look again: read, or dropped after a failed read
                }
                if (needPage)
                {
                    await CcpMakeRoom(map, reserve: 1).ConfigureAwait(false);
                    spare = CcpAllocatePage();
                    if (spare == 0)
                    {
                        throw new NtStatusException(NtStatus.InsufficientResources);
                    }
                    continue;
                }
                if (mine!.Valid)
                {
                    return mine;
                }
                var (status, _) = await CcpPagingIo(map, IrpMajorFunction.Read, mine).ConfigureAwait(false);
                if (status.IsSuccess())
                {
                    // Mm zeroes what lies past the end of file in the file's last page.
                    var valid = Math.Min(map.Sizes.ValidDataLength, map.Sizes.FileSize) - mine.Offset;
                    if (valid < MmLayout.PageSize)
                    {
                        var from = (int)Math.Max(0, valid);
                        CcpZero(mine.Va + (ulong)from, MmLayout.PageSize - from);
                    }
                }
                lock (map.Gate)
                {
                    map.PagingReads++;
                    if (status.IsSuccess())
                    {
                        mine.Valid = true;
                    }
                    else
                    {
                        map.Pages.Remove(number);
                    }
                    mine.ReadStatus = status;
                }
                KeSetEvent(mine.ReadDone!, (int)PriorityBoost.IoNoIncrement, false);
                if (!status.IsSuccess())
                {
                    CcpFreePage(mine);
                    throw new NtStatusException(status);
                }
                return mine;
            }
        }
        finally
        {
            if (spare != 0)
            {
                ExFreePoolWithTag(spare, CcPageTag);
            }
        }
    }

    private static void CcpUnpin(SharedCacheMap map, CachePage page)
    {
        lock (map.Gate)
        {
            page.PinCount--;
        }
    }

    /// <summary>
    /// Keeps the map within its bound with room for <paramref name="reserve"/> more pages: drops the least
    /// recently used clean page, or writes back the least recently used dirty one first.
    /// </summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    private static async ValueTask CcpMakeRoom(SharedCacheMap map, int reserve)
    {
        while (true)
        {
            CachePage? victim = null;
            CachePage? dropped = null;
            lock (map.Gate)
            {
                if (map.Pages.Count + reserve <= map.MaximumPages)
                {
                    return;
                }
                CachePage? clean = null;
                CachePage? dirty = null;
                foreach (var page in map.Pages.Values)
                {
                    if (page.PinCount > 0 || !page.Valid)
                    {
                        continue;
                    }
                    if (!page.Dirty && (clean is null || page.LastUse < clean.LastUse))
                    {
                        clean = page;
                    }
                    else if (page.Dirty && (dirty is null || page.LastUse < dirty.LastUse))
                    {
                        dirty = page;
                    }
                }
                if (clean is not null)
                {
                    map.Pages.Remove(clean.Number);
                    map.Evictions++;
                    dropped = clean;
                }
                else if (dirty is null)
                {
                    return; // every page is in use: the bound is exceeded until the copies finish
                }
                else
                {
                    victim = dirty;
                    victim.Dirty = false;
                    victim.PinCount++; // not freed while its paging write is in flight
                }
            }
            if (dropped is not null)
            {
                CcpFreePage(dropped);
                continue;
            }
            var (status, _) = await CcpPagingIo(map, IrpMajorFunction.Write, victim!).ConfigureAwait(false);
            lock (map.Gate)
            {
                map.PagingWrites++;
                victim!.PinCount--;
                if (!status.IsSuccess())
                {
                    victim.Dirty = true;
                    return; // keep the data; the bound is exceeded rather than the write lost
                }
            }
        }
    }

    /// <summary>Writes back the dirty pages of a range (all when <paramref name="fileOffset"/> is null), in file order.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    private static async ValueTask CcpFlush(SharedCacheMap map, long? fileOffset, uint length, IoStatusBlock? ioStatus)
    {
        var start = (fileOffset ?? 0) / MmLayout.PageSize;
        var stop = fileOffset is { } offset ? (offset + length + MmLayout.PageSize - 1) / MmLayout.PageSize : long.MaxValue;
        var toWrite = new List<CachePage>();
        lock (map.Gate)
        {
            foreach (var page in map.Pages.Values)
            {
                if (page.Number >= start && page.Number < stop && page.Dirty && page.Valid)
                {
                    page.Dirty = false; // a write during the paging write dirties it again
                    page.PinCount++;    // not freed while its paging write is in flight
                    toWrite.Add(page);
                }
            }
        }
        var result = NtStatus.Success;
        ulong written = 0;
        foreach (var page in toWrite)
        {
            var (status, information) = await CcpPagingIo(map, IrpMajorFunction.Write, page).ConfigureAwait(false);
            lock (map.Gate)
            {
                map.PagingWrites++;
                page.PinCount--;
                if (!status.IsSuccess())
                {
                    page.Dirty = true;
                }
            }
            if (!status.IsSuccess() && result.IsSuccess())
            {
                result = status;
            }
            written += information;
        }
        if (ioStatus is not null)
        {
            ioStatus.Status = result;
            ioStatus.Information = result.IsSuccess() ? written : 0;
        }
    }

    /// <summary>
    /// Under the map's gate: drops the pages wholly past <paramref name="size"/> (returned, for the caller
    /// to free outside the gate) and zeroes the rest of the page it falls in.
    /// </summary>
    private static List<CachePage> CcpTruncate(SharedCacheMap map, long size)
    {
        var dropped = new List<CachePage>();
        foreach (var page in new List<CachePage>(map.Pages.Values))
        {
            if (page.Offset >= size && page.PinCount == 0 && page.Valid)
            {
                map.Pages.Remove(page.Number);
                dropped.Add(page);
            }
            else if (page.Offset < size && size < page.Offset + MmLayout.PageSize && page.Valid)
            {
                var from = (int)(size - page.Offset);
                CcpZero(page.Va + (ulong)from, MmLayout.PageSize - from);
            }
        }
        var sizes = map.Sizes;
        map.Sizes = sizes with { FileSize = Math.Min(sizes.FileSize, size), ValidDataLength = Math.Min(sizes.ValidDataLength, size) };
        return dropped;
    }

    /// <summary>
    /// One page of paging I/O (IoPageRead / IoSynchronousPageWrite): IRP_MJ_READ or IRP_MJ_WRITE with
    /// IRP_PAGING_IO | IRP_NOCACHE | IRP_SYNCHRONOUS_PAGING_IO to the file system's device for the map's
    /// file object; the page is described by an MDL over its nonpaged-pool frame (Irp-&gt;MdlAddress,
    /// MmBuildMdlForNonPagedPool), Irp-&gt;UserBuffer is NULL; waits. The MDL goes with the IRP.
    /// </summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<(NtStatus Status, ulong Information)> CcpPagingIo(SharedCacheMap map, IrpMajorFunction major, CachePage page)
    {
        var file = map.FileObject;
        var top = IoGetRelatedDeviceObject(file);
        var manager = top.DriverObject.Manager;
        var read = major == IrpMajorFunction.Read;
        var mdl = IoAllocateMdl(page.Va, MmLayout.PageSize);
        if (mdl is null)
        {
            return (NtStatus.InsufficientResources, 0);
        }
        MmBuildMdlForNonPagedPool(mdl);
        var irp = IoAllocateIrp(manager, top.StackSize, false);
        irp.MdlAddress = mdl;
        irp.Flags |= IrpFlags.PagingIo | IrpFlags.NoCache | IrpFlags.SynchronousPagingIo | (read ? IrpFlags.ReadOperation : IrpFlags.WriteOperation);
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var iosb = new IoStatusBlock();
        irp.UserIosb = iosb;
        irp.UserEvent = done.IoSignal;
        irp.Thread = Processor.CurrentOrNull?.KiCurrentThread;
        irp.ThreadedByIoManager = true;
        irp.RequestorMode = KProcessorMode.KernelMode;
        manager.IopRequestIssued(irp, read ? "CcPagingRead" : "CcPagingWrite");
        var next = irp.NextStackLocation;
        next.MajorFunction = major;
        next.FileObject = file;
        next.Parameters.Read.Length = MmLayout.PageSize;
        next.Parameters.Read.ByteOffset = page.Offset;
        var status = await IoCallDriver(top, irp).ConfigureAwait(false);
        if (status == NtStatus.Pending)
        {
            await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            status = iosb.Status;
        }
        return (status, status.IsSuccess() ? iosb.Information : 0);
    }

    /// <summary>Copies <paramref name="length"/> bytes of a page at <paramref name="va"/> to the requester's buffer at <paramref name="bufferOffset"/>.</summary>
    private static KernelYield CcpCopyToBuffer(UserBuffer buffer, long bufferOffset, ulong va, int length)
    {
        if (!buffer.IsProcessBacked)
        {
            return RtlCopyMemory(buffer.Bytes.Span.Slice((int)bufferOffset, length), va);
        }
        return RtlCopyMemory(buffer.Address + (ulong)bufferOffset, va, (ulong)length);
    }

    /// <summary>Copies <paramref name="length"/> bytes of the requester's buffer at <paramref name="bufferOffset"/> into a page at <paramref name="va"/>.</summary>
    private static KernelYield CcpCopyFromBuffer(ulong va, UserBuffer buffer, long bufferOffset, int length)
    {
        if (!buffer.IsProcessBacked)
        {
            return RtlCopyMemory(va, buffer.Bytes.Span.Slice((int)bufferOffset, length));
        }
        return RtlCopyMemory(va, buffer.Address + (ulong)bufferOffset, (ulong)length);
    }
}
