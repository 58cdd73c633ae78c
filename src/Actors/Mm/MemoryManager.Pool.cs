using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ActorKernel.Actors;

// Executive pool: ExAllocatePool2 / ExAllocatePoolWithTag / ExFreePoolWithTag, with NT's checks.
public sealed partial class MemoryManager
{
    private const int PoolHeaderSize = 16;
    private const byte SlackPattern = 0xAB;
    private const uint NoneTag = 0x656E6F4E; // 'enoN': "None", ExAllocatePool's tag
    private readonly MiPool _nonPagedPool;
    private readonly MiPool _pagedPool;
    private readonly Dictionary<ulong, MiPoolTrack> _poolTracking = [];
    private readonly Dictionary<(uint Tag, bool Paged), MiTagCounters> _tagCounters = [];
    private readonly Dictionary<string, int> _moduleIds = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string?> _moduleNames = [null];
    private string? _lastModule;
    private int _lastModuleId;

    /// <summary>ExAllocatePool2: allocates zeroed pool (unless POOL_FLAG_UNINITIALIZED) attributed to the caller's driver.</summary>
    /// <param name="context">The caller.</param>
    /// <param name="flags">POOL_FLAG_PAGED, POOL_FLAG_NON_PAGED or POOL_FLAG_NON_PAGED_EXECUTE, with optional flags.</param>
    /// <param name="numberOfBytes">The size.</param>
    /// <param name="tag">A non-zero pool tag (see <see cref="PoolTag"/>).</param>
    /// <returns>The address, or 0 when the pool is exhausted or the flags are invalid (no exception, unless POOL_FLAG_RAISE_ON_FAILURE).</returns>
    /// <remarks>
    /// IRQL &lt;= APC_LEVEL for paged pool, &lt;= DISPATCH_LEVEL for nonpaged; otherwise BAD_POOL_CALLER (0xC2)
    /// subcode 0x08. Tag 0 bugchecks 0xC2 subcode 0x9B. POOL_FLAG_CACHE_ALIGNED and POOL_FLAG_USE_QUOTA are accepted and ignored.
    /// </remarks>
    public ulong ExAllocatePool2(in MemoryAccessContext context, PoolFlags flags, ulong numberOfBytes, uint tag)
    {
        const PoolFlags known = PoolFlags.UseQuota | PoolFlags.Uninitialized | PoolFlags.CacheAligned | PoolFlags.RaiseOnFailure
            | PoolFlags.NonPaged | PoolFlags.NonPagedExecute | PoolFlags.Paged;
        PoolFlags required = (PoolFlags)((ulong)flags & 0xFFFF_FFFF);
        PoolFlags typeFlags = flags & (PoolFlags.NonPaged | PoolFlags.NonPagedExecute | PoolFlags.Paged);
        PoolType type = typeFlags switch
        {
            PoolFlags.NonPaged => PoolType.NonPagedPoolNx,
            PoolFlags.NonPagedExecute => PoolType.NonPagedPool,
            PoolFlags.Paged => PoolType.PagedPool,
            _ => (PoolType)(-1),
        };
        ulong va = 0;
        if ((int)type >= 0 && (required & ~known) == 0)
            va = MiAllocatePool(context, type, numberOfBytes, tag, zero: (flags & PoolFlags.Uninitialized) == 0);
        if (va == 0 && (flags & PoolFlags.RaiseOnFailure) != 0) throw new NtStatusException(NtStatus.InsufficientResources);
        return va;
    }

    /// <summary>ExAllocatePoolWithTag: allocates pool of <paramref name="poolType"/>; the contents are not initialised.</summary>
    /// <param name="context">The caller.</param>
    /// <param name="poolType">The pool type.</param>
    /// <param name="numberOfBytes">The size.</param>
    /// <param name="tag">A non-zero pool tag.</param>
    /// <returns>The address, or 0 when the pool is exhausted.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL for paged pool, &lt;= DISPATCH_LEVEL for nonpaged (else 0xC2/0x08). MustSucceed types bugcheck 0xC2/0x9A.</remarks>
    public ulong ExAllocatePoolWithTag(in MemoryAccessContext context, PoolType poolType, ulong numberOfBytes, uint tag) =>
        MiAllocatePool(context, poolType, numberOfBytes, tag, zero: false);

    /// <summary>ExAllocatePool (obsolete): ExAllocatePoolWithTag with the tag "None".</summary>
    /// <param name="context">The caller.</param>
    /// <param name="poolType">The pool type.</param>
    /// <param name="numberOfBytes">The size.</param>
    /// <returns>The address, or 0.</returns>
    /// <remarks>Same IRQL rules as <see cref="ExAllocatePoolWithTag"/>.</remarks>
    public ulong ExAllocatePool(in MemoryAccessContext context, PoolType poolType, ulong numberOfBytes) =>
        MiAllocatePool(context, poolType, numberOfBytes, NoneTag, zero: false);

    /// <summary>ExFreePoolWithTag: frees pool, checking the header, the neighbours and the tag.</summary>
    /// <param name="context">The caller.</param>
    /// <param name="p">The address ExAllocatePool* returned.</param>
    /// <param name="tag">The tag it was allocated with (0: no check, as ExFreePool).</param>
    /// <remarks>
    /// IRQL &lt;= APC_LEVEL for paged pool, &lt;= DISPATCH_LEVEL for nonpaged (else 0xC2/0x09). Double free:
    /// 0xC2/0x07; wrong tag: 0xC2/0x0A; header or overrun corruption: BAD_POOL_HEADER (0x19) 0x7, 0x8, 0x20, 0x21.
    /// Pool bookkeeping touches pages without charging a fault (see docs/memory.md).
    /// </remarks>
    public void ExFreePoolWithTag(in MemoryAccessContext context, ulong p, uint tag)
    {
        lock (_lock) MiFreePool(context, p, tag);
    }

    /// <summary>ExFreePool: frees pool without a tag check.</summary>
    /// <param name="context">The caller.</param>
    /// <param name="p">The address.</param>
    /// <remarks>As <see cref="ExFreePoolWithTag"/>.</remarks>
    public void ExFreePool(in MemoryAccessContext context, ulong p)
    {
        lock (_lock) MiFreePool(context, p, 0);
    }

    /// <summary>The data behind <c>!poolused</c>: per-tag counts and bytes, ordered by tag then pool.</summary>
    /// <returns>One row per tag and pool kind ever used.</returns>
    public IReadOnlyList<PoolTagUsage> GetPoolUsage()
    {
        lock (_lock)
        {
            var rows = new List<PoolTagUsage>(_tagCounters.Count);
            foreach (KeyValuePair<(uint Tag, bool Paged), MiTagCounters> kv in _tagCounters)
                rows.Add(new PoolTagUsage(PoolTag.ToString(kv.Key.Tag), kv.Key.Tag, kv.Key.Paged, kv.Value.Allocs, kv.Value.Frees, kv.Value.Bytes));
            rows.Sort(static (a, b) => a.TagValue != b.TagValue ? a.TagValue.CompareTo(b.TagValue) : a.Paged.CompareTo(b.Paged));
            return rows;
        }
    }

    /// <summary>Live allocations, optionally of one driver, ordered by address (the leak report at unload).</summary>
    /// <param name="module">The driver, or null for every allocation.</param>
    /// <returns>The outstanding allocations.</returns>
    public IReadOnlyList<PoolAllocationInfo> GetOutstandingAllocations(string? module = null)
    {
        lock (_lock)
        {
            int id = module is null ? -1 : _moduleIds.GetValueOrDefault(module, -2);
            var rows = new List<PoolAllocationInfo>();
            if (id == -2) return rows;
            foreach (KeyValuePair<ulong, MiPoolTrack> kv in _poolTracking)
            {
                if (id >= 0 && kv.Value.ModuleId != id) continue;
                rows.Add(new PoolAllocationInfo(kv.Key, PoolTag.ToString(kv.Value.Tag), kv.Value.Tag, kv.Value.PoolType, kv.Value.Size, _moduleNames[kv.Value.ModuleId]));
            }
            rows.Sort(static (a, b) => a.Address.CompareTo(b.Address));
            return rows;
        }
    }

    /// <summary>What <paramref name="module"/> still holds: the parameters of Driver Verifier's leak stop.</summary>
    /// <param name="module">The driver.</param>
    /// <returns>Outstanding paged bytes, nonpaged bytes and allocation count.</returns>
    public ModulePoolUsage GetModulePoolUsage(string module)
    {
        ArgumentException.ThrowIfNullOrEmpty(module);
        ulong paged = 0, nonPaged = 0, count = 0;
        lock (_lock)
        {
            if (!_moduleIds.TryGetValue(module, out int id)) return default;
            foreach (KeyValuePair<ulong, MiPoolTrack> kv in _poolTracking)
            {
                if (kv.Value.ModuleId != id) continue;
                count++;
                if (kv.Value.PoolType.IsPaged()) paged += kv.Value.Size;
                else nonPaged += kv.Value.Size;
            }
        }
        return new ModulePoolUsage(paged, nonPaged, count);
    }

    /// <summary>
    /// Driver Verifier's pool-tracking check when <paramref name="module"/> unloads: bugchecks
    /// DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4) subcode 0x60 (P2 paged bytes, P3 nonpaged bytes,
    /// P4 allocations) when the driver still holds pool. Call it only for verified drivers.
    /// </summary>
    /// <param name="module">The unloading driver.</param>
    /// <remarks>PASSIVE_LEVEL (driver unload).</remarks>
    public void VfCheckPoolLeaksOnUnload(string module)
    {
        ModulePoolUsage usage = GetModulePoolUsage(module);
        if (usage.Allocations != 0)
            throw MiBugCheck(BugCheckCode.DriverVerifierDetectedViolation, (ulong)VerifierViolation.UnloadWithOutstandingPool,
                usage.PagedBytes, usage.NonPagedBytes, usage.Allocations);
    }

    private ulong MiAllocatePool(in MemoryAccessContext context, PoolType type, ulong size, uint tag, bool zero)
    {
        bool paged = type.IsPaged();
        if (type is PoolType.NonPagedPoolMustSucceed)
            throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x9A, (ulong)type, size, tag);
        if (context.Irql > (paged ? Irql.ApcLevel : Irql.DispatchLevel))
        {
            if (_verifiedModules.Count != 0)
            {
                lock (_lock) MiCheckSpecialPoolIrql(context, paged, size);
            }
            throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x08, (ulong)context.Irql, (ulong)type, size);
        }
        if (tag == 0)
            throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x9B, (ulong)type, size, context.CodeAddress);
        MiPool pool = paged ? _pagedPool : _nonPagedPool;
        lock (_lock)
        {
            MiVerifierDriver? verifier = MiVerifierOf(context.Module);
            int moduleId = MiModuleId(context.Module);
            ulong va = 0;
            bool special = false;
            if (verifier is not null)
            {
                verifier.Attempted++;
                if (verifier.FailsDeliberately(tag))
                {
                    verifier.Failed++;
                    return 0;
                }
                // Special pool takes what fits in a page beside its header; bigger requests use regular pool, as on NT.
                if (verifier.SpecialPool && size <= MmLayout.PageSize - PoolHeaderSize)
                {
                    va = MiAllocateSpecial(size, tag, moduleId, zero, type, paged);
                    special = va != 0;
                }
            }
            if (va == 0)
            {
                ulong dataUnits = Math.Max(1, (size + 15) >> MiPool.UnitShift);
                va = dataUnits + 1 <= MiPool.UnitsPerPage
                    ? MiAllocateSmall(pool, (int)dataUnits + 1, size, tag, moduleId, zero, type)
                    : MiAllocateBig(pool, size, tag, moduleId, type);
            }
            if (va == 0)
            {
                if (verifier is not null) verifier.Failed++;
                return 0;
            }
            if (verifier is not null)
            {
                verifier.Allocated(paged, size, special);
                CollectionsMarshal.GetValueRefOrNullRef(_poolTracking, va).Counted = true;
            }
            if (!_tagCounters.TryGetValue((tag, paged), out MiTagCounters? counters))
                _tagCounters.Add((tag, paged), counters = new MiTagCounters());
            counters.Allocs++;
            counters.Bytes += (long)size;
            MiAssertPoolInvariants(pool, counters);
            return va;
        }
    }

    // Lock held. MmAllocateSpecialPool's IRQL check, ahead of the regular one for a request special pool would take:
    // SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION 0x30 (P1 IRQL, P2 pool type 0 nonpaged / 1 paged, P3 bytes).
    private void MiCheckSpecialPoolIrql(in MemoryAccessContext context, bool paged, ulong size)
    {
        if (context.Irql <= (paged ? Irql.ApcLevel : Irql.DispatchLevel) || size > MmLayout.PageSize - PoolHeaderSize) return;
        if (MiVerifierOf(context.Module) is { SpecialPool: true })
            throw MiBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, (ulong)context.Irql, paged ? 1UL : 0UL, size, 0x30);
    }

    // Lock held.
    private ulong MiAllocateSmall(MiPool pool, int units, ulong size, uint tag, int moduleId, bool zero, PoolType type)
    {
        if (!pool.FreeBlocks[units].TryPop(out ulong header))
        {
            if (pool.CarvePage == 0 || pool.CarveUnit + units > MiPool.UnitsPerPage)
            {
                if (!MiNewPoolPage(pool)) return 0;
            }
            header = pool.CarvePage + ((ulong)pool.CarveUnit << MiPool.UnitShift);
            pool.CarveUnit += units;
            if (pool.CarveUnit < MiPool.UnitsPerPage)
            {
                // The untouched rest of the page is one free block, so every block has a checked successor.
                Span<byte> tail = MiPoolBytes(pool.CarvePage + ((ulong)pool.CarveUnit << MiPool.UnitShift), PoolHeaderSize);
                MiWriteHeader(tail, (byte)units, (byte)(MiPool.UnitsPerPage - pool.CarveUnit), 0, 0, 0);
            }
        }
        Span<byte> block = MiPoolBytes(header, units << MiPool.UnitShift);
        MiWriteHeader(block, block[0], (byte)units, (byte)((int)pool.BaseType + 1), tag, (ulong)moduleId);
        Span<byte> data = block[PoolHeaderSize..];
        if (zero) data[..(int)size].Clear();
        data[(int)size..].Fill(SlackPattern);
        ulong va = header + PoolHeaderSize;
        _poolTracking.Add(va, new MiPoolTrack { Size = size, Tag = tag, Type = (short)type, ModuleId = moduleId, Units = (byte)units });
        return va;
    }

    // Lock held. Starts a new pool page; the rest of the previous one goes to the free lists.
    private bool MiNewPoolPage(MiPool pool)
    {
        if (pool.CommittedPages + 1 > pool.MaxCommitPages || !pool.Va.TryAllocate(1, out ulong page)) return false;
        if (!MiCommitSystemPages(page, 1, pool.IsPaged))
        {
            pool.Va.Free(page, 1);
            return false;
        }
        pool.CommittedPages++;
        int rest = MiPool.UnitsPerPage - pool.CarveUnit;
        if (pool.CarvePage != 0 && rest > 0) pool.FreeBlocks[rest].Push(pool.CarvePage + ((ulong)pool.CarveUnit << MiPool.UnitShift));
        pool.CarvePage = page;
        pool.CarveUnit = 0;
        MiWriteHeader(MiPoolBytes(page, PoolHeaderSize), 0, MiPool.UnitsPerPage, 0, 0, 0);
        return true;
    }

    // Lock held. Whole pages, no header; the slack after the data is patterned to catch overruns.
    private ulong MiAllocateBig(MiPool pool, ulong size, uint tag, int moduleId, PoolType type)
    {
        ulong pages = (size + MmLayout.PageSize - 1) >> MmLayout.PageShift;
        if (pool.CommittedPages + pages > pool.MaxCommitPages || !pool.Va.TryAllocate(pages, out ulong va)) return 0;
        if (!MiCommitSystemPages(va, pages, pool.IsPaged))
        {
            pool.Va.Free(va, pages);
            return 0;
        }
        pool.CommittedPages += pages;
        int slack = (int)((pages << MmLayout.PageShift) - size);
        if (slack > 0) MiPoolBytes(va + size, slack).Fill(SlackPattern);
        _poolTracking.Add(va, new MiPoolTrack { Size = size, Tag = tag, Type = (short)type, ModuleId = moduleId });
        return va;
    }

    // Lock held.
    private void MiFreePool(in MemoryAccessContext context, ulong p, uint tag)
    {
        if (!_poolTracking.TryGetValue(p, out MiPoolTrack track))
        {
            MiBugCheckUntrackedFree(p);
            return;
        }
        if (track.Special != 0)
        {
            MiFreeSpecial(context, p, tag, track);
            return;
        }
        bool paged = track.PoolType.IsPaged();
        if (context.Irql > (paged ? Irql.ApcLevel : Irql.DispatchLevel))
            throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x09, (ulong)context.Irql, (ulong)track.PoolType, p);
        MiPool pool = paged ? _pagedPool : _nonPagedPool;
        if (track.BigPages == 0) MiCheckSmallBlock(p, track);
        else MiCheckSlack(p, track.Size, (int)((track.BigPages << MmLayout.PageShift) - track.Size));
        // NT ignores the PROTECTED_POOL bit when it compares tags.
        if (tag != 0 && (tag & 0x7FFF_FFFF) != (track.Tag & 0x7FFF_FFFF))
            throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x0A, p, track.Tag, tag);

        MiForgetAllocation(p, track, paged);
        if (track.BigPages == 0)
        {
            ulong header = p - PoolHeaderSize;
            MiPoolBytes(header, PoolHeaderSize)[3] = 0; // PoolType 0: free
            pool.FreeBlocks[track.Units].Push(header);
        }
        else
        {
            MiReleaseSystemPages(p, track.BigPages);
            pool.Va.Free(p, track.BigPages);
            pool.CommittedPages -= track.BigPages;
        }
    }

    // Lock held. The allocation leaves the tracking table and its tag's (and verified driver's) counters.
    private void MiForgetAllocation(ulong p, in MiPoolTrack track, bool paged)
    {
        _poolTracking.Remove(p);
        MiTagCounters counters = _tagCounters[(track.Tag, paged)];
        counters.Frees++;
        counters.Bytes -= (long)track.Size;
        MiAssertPoolInvariants(paged ? _pagedPool : _nonPagedPool, counters);
        if (track.Counted) MiVerifierFreed(track);
    }

    // Lock held. The header must still say what was allocated, and the next header must agree on the size.
    private void MiCheckSmallBlock(ulong p, in MiPoolTrack track)
    {
        ulong header = p - PoolHeaderSize;
        Span<byte> h = MiPoolBytes(header, PoolHeaderSize);
        if (h[2] == 0) throw MiBugCheck(BugCheckCode.BadPoolHeader, 0x8, 0, 0, header);
        if (h[2] != track.Units) throw MiBugCheck(BugCheckCode.BadPoolHeader, 0x7, 0, 0, header);
        if (h[3] == 0 || BinaryPrimitives.ReadUInt32LittleEndian(h[4..]) != track.Tag)
            throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x01, header, BinaryPrimitives.ReadUInt64LittleEndian(h), 0);
        int unit = (int)(MmLayout.ByteOffset(header) >> MiPool.UnitShift);
        if (unit + track.Units < MiPool.UnitsPerPage)
        {
            ulong next = header + ((ulong)track.Units << MiPool.UnitShift);
            if (MiPoolBytes(next, PoolHeaderSize)[0] != track.Units)
                throw MiBugCheck(BugCheckCode.BadPoolHeader, 0x20, header, next, 0);
        }
        MiCheckSlack(p, track.Size, ((track.Units - 1) << MiPool.UnitShift) - (int)track.Size);
    }

    // Lock held. Bytes after the requested size up to the block end must still hold the pattern.
    private void MiCheckSlack(ulong p, ulong size, int slack)
    {
        if (slack <= 0) return;
        Span<byte> bytes = MiPoolBytes(p + size, slack);
        int bad = bytes.IndexOfAnyExcept(SlackPattern);
        if (bad < 0) return;
        Span<byte> value = stackalloc byte[8];
        value.Clear();
        bytes[bad..Math.Min(bytes.Length, bad + 8)].CopyTo(value);
        throw MiBugCheck(BugCheckCode.BadPoolHeader, 0x21, p, size, BinaryPrimitives.ReadUInt64LittleEndian(value));
    }

    // Lock held. Classifies a free of an address that is not a live allocation.
    private void MiBugCheckUntrackedFree(ulong p)
    {
        if (!MmLayout.IsSystemAddress(p))
            throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x40, p, MmLayout.SystemRangeStart, 0);
        if (MiIsSpecialPoolAddress(p)) MiBugCheckSpecialPoolFree(p);
        if (!_pagedPool.Va.Contains(p) && !_nonPagedPool.Va.Contains(p))
            throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x42, p, 0, 0);
        ref Mmpte pte = ref SystemSpace.PageTable.Lookup(p, create: false);
        bool mapped = !Unsafe.IsNullRef(ref pte) && pte.State is PteState.Valid or PteState.PagedOut;
        if (MmLayout.ByteOffset(p) == 0)
        {
            // A big allocation already freed has no mapping left: a double free.
            if (!mapped) throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x07, 0, 0, p);
            throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x46, p, 0, 0);
        }
        if (mapped && MmLayout.ByteOffset(p) >= PoolHeaderSize)
        {
            Span<byte> h = MiPoolBytes(p - PoolHeaderSize, PoolHeaderSize);
            if (h[3] == 0 && h[2] != 0)
                throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x07, 0, BinaryPrimitives.ReadUInt64LittleEndian(h), p);
        }
        throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x46, p, 0, 0);
    }

    [Conditional("DEBUG")]
    private static void MiAssertPoolInvariants(MiPool pool, MiTagCounters counters)
    {
        Debug.Assert(counters.Frees <= counters.Allocs, "A tag is never freed more often than allocated.");
        Debug.Assert(counters.Bytes >= 0, "Outstanding bytes of a tag are never negative.");
        Debug.Assert(pool.CommittedPages <= pool.MaxCommitPages, "A pool never commits beyond its configured size.");
        Debug.Assert(pool.CarveUnit <= MiPool.UnitsPerPage, "Carving never passes the end of the page.");
    }

    private static void MiWriteHeader(Span<byte> h, byte previousSize, byte blockSize, byte poolType, uint tag, ulong owner)
    {
        h[0] = previousSize;
        h[1] = 0;
        h[2] = blockSize;
        h[3] = poolType;
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], tag);
        BinaryPrimitives.WriteUInt64LittleEndian(h[8..], owner);
    }

    // Lock held. The bytes of a pool range within one page, resident or in the page file: pool
    // bookkeeping never faults (a simplification, see docs/memory.md).
    private Span<byte> MiPoolBytes(ulong va, int length)
    {
        ref Mmpte pte = ref SystemSpace.PageTable.Lookup(va, create: false);
        byte[] page = pte.State == PteState.Valid ? Physical.MiFrame(pte.Pfn) : pte.PageFileCopy!;
        int offset = (int)MmLayout.ByteOffset(va);
        if (offset + length <= MmLayout.PageSize) return page.AsSpan(offset, length);
        throw new InvalidOperationException("Pool bookkeeping range crosses a page.");
    }

    // Lock held.
    private int MiModuleId(string? module)
    {
        if (module is null) return 0;
        // Callers pass the same string instance for a driver: skip the hash on the hot path.
        if (ReferenceEquals(module, _lastModule)) return _lastModuleId;
        if (!_moduleIds.TryGetValue(module, out int id))
        {
            id = _moduleNames.Count;
            _moduleNames.Add(module);
            _moduleIds.Add(module, id);
        }
        _lastModule = module;
        _lastModuleId = id;
        return id;
    }
}
