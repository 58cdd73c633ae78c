namespace ActorKernel.Actors;

/// <summary>
/// One executive pool (paged or nonpaged): small blocks carved from pool pages in 16-byte units,
/// each with a 16-byte POOL_HEADER in the page's real bytes; blocks over a page's worth come whole
/// pages at a time ("big pages", no header). Freed small blocks go to an exact-size free list (no
/// coalescing). Guarded by the memory manager's lock.
/// </summary>
internal sealed class MiPool(PoolType baseType, ulong baseAddress, ulong maxPages)
{
    /// <summary>Units (16 bytes) usable per page: the last 16 bytes of each pool page stay unused.</summary>
    public const int UnitsPerPage = 255;

    public const int UnitShift = 4;

    public PoolType BaseType { get; } = baseType;

    public bool IsPaged => BaseType.IsPaged();

    public MiVaAllocator Va { get; } = new(baseAddress, MmLayout.SystemRegionSize >> MmLayout.PageShift);

    /// <summary>The configured pool size in pages: the commit limit.</summary>
    public ulong MaxCommitPages { get; } = maxPages;

    public ulong CommittedPages { get; set; }

    /// <summary>The page being carved (0: none) and the next unit in it.</summary>
    public ulong CarvePage { get; set; }

    public int CarveUnit { get; set; }

    /// <summary>Free small blocks (header addresses) by size in units; index 0 unused.</summary>
    public Stack<ulong>[] FreeBlocks { get; } = CreateFreeLists();

    private static Stack<ulong>[] CreateFreeLists()
    {
        var lists = new Stack<ulong>[UnitsPerPage + 1];
        for (int i = 0; i < lists.Length; i++) lists[i] = new Stack<ulong>();
        return lists;
    }
}

/// <summary>What the pool knows of one live allocation (Driver Verifier's tracking entry).</summary>
internal struct MiPoolTrack
{
    public ulong Size;
    public uint Tag;
    public int ModuleId;
    public short Type;
    public byte Units; // 0: a big-page allocation (or special pool)
    public byte Special; // 0: regular pool; 1: special pool, end of page (overruns); 2: start of page (underruns)
    public bool Counted; // made by a verified driver: its free is counted in the driver's verifier entry

    public readonly PoolType PoolType => (PoolType)Type;

    public readonly ulong BigPages => Units != 0 || Special != 0 ? 0 : (Size + MmLayout.PageSize - 1) >> MmLayout.PageShift;
}

/// <summary>Per-tag counters (one per tag and pool kind).</summary>
internal sealed class MiTagCounters
{
    public long Allocs;
    public long Frees;
    public long Bytes;
}

/// <summary>One row of <c>!poolused</c>: usage of a tag in one pool.</summary>
/// <param name="Tag">The four characters.</param>
/// <param name="TagValue">The ULONG tag.</param>
/// <param name="Paged">True for paged pool, false for nonpaged.</param>
/// <param name="Allocs">Allocations so far.</param>
/// <param name="Frees">Frees so far.</param>
/// <param name="Bytes">Bytes outstanding (requested sizes).</param>
public readonly record struct PoolTagUsage(string Tag, uint TagValue, bool Paged, long Allocs, long Frees, long Bytes)
{
    /// <summary>Allocations outstanding (Allocs - Frees).</summary>
    public long Diff => Allocs - Frees;
}

/// <summary>A live pool allocation, attributed to the driver that made it (for leak reports at unload).</summary>
/// <param name="Address">The address returned to the caller.</param>
/// <param name="Tag">The four characters.</param>
/// <param name="TagValue">The ULONG tag.</param>
/// <param name="PoolType">The pool type as requested.</param>
/// <param name="Size">Bytes requested.</param>
/// <param name="Module">The owning driver, or null for the kernel.</param>
public readonly record struct PoolAllocationInfo(ulong Address, string Tag, uint TagValue, PoolType PoolType, ulong Size, string? Module);

/// <summary>Pool a driver still holds.</summary>
/// <param name="PagedBytes">Outstanding bytes of paged pool.</param>
/// <param name="NonPagedBytes">Outstanding bytes of nonpaged pool.</param>
/// <param name="Allocations">Outstanding allocations.</param>
public readonly record struct ModulePoolUsage(ulong PagedBytes, ulong NonPagedBytes, ulong Allocations);
