using System.Runtime.CompilerServices;
using ActorKernel.Hardware;

namespace ActorKernel.Actors;

/// <summary>The state of a simulated PTE.</summary>
internal enum PteState : byte
{
    /// <summary>No mapping: any touch faults as an invalid address.</summary>
    NoAccess = 0,

    /// <summary>Resident: <see cref="Mmpte.Pfn"/> is the frame.</summary>
    Valid = 1,

    /// <summary>In the page file: <see cref="Mmpte.PageFileCopy"/> holds the bytes.</summary>
    PagedOut = 2,

    /// <summary>Committed, never touched: the first touch takes a zeroed frame.</summary>
    DemandZero = 3,
}

/// <summary>PTE attributes.</summary>
[Flags]
internal enum PteFlags : byte
{
    None = 0,

    /// <summary>May be paged out when not locked.</summary>
    Pageable = 1,

    /// <summary>Owner bit: user mode may touch it.</summary>
    User = 2,

    /// <summary>A second mapping of a frame owned by another PTE (system PTEs for an MDL): never frees or pages the frame.</summary>
    Alias = 4,

    /// <summary>On the working-set list (so it is listed once).</summary>
    InWorkingSet = 8,

    /// <summary>A special-pool page that was freed: kept no-access, so a touch is PAGE_FAULT_IN_FREED_SPECIAL_POOL.</summary>
    SpecialPoolFreed = 16,
}

/// <summary>A simulated page table entry.</summary>
internal struct Mmpte
{
    public ulong Pfn;
    public byte[]? PageFileCopy;
    public int LockCount;
    public PteState State;
    public PteFlags Flags;

    public readonly bool IsPageable => (Flags & PteFlags.Pageable) != 0;
}

/// <summary>
/// A sparse x64-style page table: one array of 512 PTEs (a "page table page", 2 MiB of VA) per
/// populated 2 MiB region. Guarded by <see cref="PhysicalMemory.SyncRoot"/>.
/// </summary>
internal sealed class PageTable
{
    private const int EntriesPerTable = 512;
    private readonly Dictionary<ulong, Mmpte[]> _tables = [];
    private ulong _lastKey = ulong.MaxValue;
    private Mmpte[]? _last;

    /// <summary>The PTE of <paramref name="va"/>, or a null ref when its table does not exist and <paramref name="create"/> is false.</summary>
    public ref Mmpte Lookup(ulong va, bool create)
    {
        ulong key = va >> 21;
        Mmpte[]? table;
        if (key == _lastKey) table = _last;
        else if (!_tables.TryGetValue(key, out table))
        {
            if (!create) return ref Unsafe.NullRef<Mmpte>();
            table = new Mmpte[EntriesPerTable];
            _tables.Add(key, table);
        }
        _lastKey = key;
        _last = table;
        return ref table![(int)((va >> MmLayout.PageShift) & (EntriesPerTable - 1))];
    }

    /// <summary>Every page-table page with the address it maps, by ascending address (a stable order for teardown).</summary>
    public List<(ulong BaseVa, Mmpte[] Table)> TablesByAddress()
    {
        var list = new List<(ulong, Mmpte[])>(_tables.Count);
        foreach (KeyValuePair<ulong, Mmpte[]> kv in _tables) list.Add((kv.Key << 21, kv.Value));
        list.Sort(static (a, b) => a.Item1.CompareTo(b.Item1));
        return list;
    }

    /// <summary>Drops every page-table page.</summary>
    public void Clear()
    {
        _tables.Clear();
        _lastKey = ulong.MaxValue;
        _last = null;
    }

    /// <summary>Host bytes spent on page-table pages.</summary>
    public long HostBytes => (long)_tables.Count * EntriesPerTable * Unsafe.SizeOf<Mmpte>();
}
