using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// Driver Verifier's side of the memory manager: the verified drivers' entries (MI_VERIFIER_DRIVER_ENTRY,
// the data of !verifier), special pool (ReactOS ntoskrnl/mm/ARM3/special.c; Microsoft, "Special Pool")
// and pool tracking at unload (Microsoft, "Pool Tracking": 0xC4/0x62).
public sealed partial class MemoryManager
{
    private const uint SpecialPoolPagedFlag = 0x8000; // SPECIAL_POOL_PAGED in the header's Ulong1
    private const uint VerifierEntryTag = 0x79667256; // 'Vrfy'
    private readonly Dictionary<string, MiVerifierDriver> _verifiedModules = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<int, MiVerifierDriver> _verifierByModuleId = [];
    private readonly Dictionary<ulong, ulong> _specialPoolLive = []; // data page -> the allocation in it
    private ulong _specialPoolNext = MmLayout.SpecialPoolBase + MmLayout.PageSize;
    private ulong _specialPoolAllocations;

    /// <summary>
    /// Special pool alignment for every verified driver: false (the default, "Verify End") puts each
    /// allocation at the end of its page so an overrun faults at once; true ("Verify Start") puts it at
    /// the start so an underrun faults at once and an overrun is found at free (0xC1/0x24).
    /// </summary>
    public bool SpecialPoolVerifyStart { get; set; }

    /// <summary>
    /// MmAddVerifierEntry: verifies <paramref name="module"/> with <paramref name="options"/> from now on
    /// (its allocations from now are counted; with <see cref="VerifierOptions.SpecialPool"/> they go to
    /// special pool; with <see cref="VerifierOptions.PoolTracking"/> its unload checks for leaks).
    /// Calling it again adds options.
    /// </summary>
    /// <param name="module">The driver's image name (e.g. "x.sys").</param>
    /// <param name="options">The option classes.</param>
    /// <remarks>PASSIVE_LEVEL, before or while the driver loads.</remarks>
    public void VfAddDriver(string module, VerifierOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(module);
        lock (_lock)
        {
            if (_verifiedModules.TryGetValue(module, out MiVerifierDriver? existing))
            {
                existing.Options |= options;
                return;
            }
            var driver = new MiVerifierDriver(module, options);
            _verifiedModules.Add(module, driver);
            _verifierByModuleId.Add(MiModuleId(module), driver);
        }
    }

    // The entry's bytes in nonpaged pool, made when a stop names them (P2/P3 of 0xC4/0x62), so that
    // verifying a driver does not move anyone's pool: the driver's name as a UNICODE_STRING at +0x10.
    private ulong MiVerifierEntryAddress(MiVerifierDriver driver)
    {
        if (driver.EntryAddress != 0) return driver.EntryAddress;
        string module = driver.Module;
        ulong size = 0x20 + (ulong)(module.Length + 1) * 2;
        ulong entry = ExAllocatePoolWithTag(MemoryAccessContext.KernelPassive, PoolType.NonPagedPool, size, VerifierEntryTag);
        if (entry == 0) return 0;
        Span<byte> bytes = stackalloc byte[(int)size];
        bytes.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[0x10..], (ushort)(module.Length * 2));        // UNICODE_STRING.Length
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[0x12..], (ushort)((module.Length + 1) * 2));  // MaximumLength
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[0x18..], entry + 0x20);                       // Buffer
        for (int i = 0; i < module.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes[(0x20 + 2 * i)..], module[i]);
        Write(MemoryAccessContext.KernelPassive, entry, bytes);
        driver.EntryAddress = entry;
        return entry;
    }

    /// <summary>
    /// Low Resources Simulation for a verified driver: after <see cref="LowResourcesSimulation.DelayNanoseconds"/>
    /// of <paramref name="clock"/> (simulated time since boot), each of its pool allocations with an affected
    /// tag fails (returns NULL) with the settings' probability, drawn from <paramref name="random"/>
    /// (seeded: the same run fails the same allocations). Must-succeed requests are never failed (they
    /// bugcheck 0xC2/0x9A before, as on NT).
    /// </summary>
    /// <param name="module">A driver given to <see cref="VfAddDriver"/>.</param>
    /// <param name="settings">The option's settings.</param>
    /// <param name="clock">Simulated nanoseconds since boot.</param>
    /// <param name="random">The driver's own random stream.</param>
    internal void VfSetLowResources(string module, LowResourcesSimulation settings, Func<long> clock, ActorKernel.Runtime.DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (_lock)
        {
            MiVerifierDriver d = _verifiedModules[module];
            d.Options |= VerifierOptions.LowResourcesSimulation;
            d.LowResources = settings;
            d.LowResourcesClock = clock;
            d.LowResourcesRandom = random;
        }
    }

    /// <summary>The options <paramref name="module"/> is verified with (None when it is not).</summary>
    /// <param name="module">The driver's image name.</param>
    /// <returns>The option classes.</returns>
    public VerifierOptions VfGetOptions(string module)
    {
        lock (_lock) return _verifiedModules.TryGetValue(module, out MiVerifierDriver? d) ? d.Options : VerifierOptions.None;
    }

    /// <summary>MmIsDriverVerifying's data: records that a verified driver's image was loaded (the <c>load</c> count of !verifier).</summary>
    /// <param name="module">The driver's image name.</param>
    public void VfDriverLoaded(string module)
    {
        lock (_lock)
        {
            if (_verifiedModules.TryGetValue(module, out MiVerifierDriver? d)) d.Loads++;
        }
    }

    /// <summary>The data of <c>!verifier</c>: one row per verified driver, by name.</summary>
    /// <returns>The statistics.</returns>
    public IReadOnlyList<VerifierDriverStatistics> VfGetStatistics()
    {
        lock (_lock)
        {
            var rows = new List<VerifierDriverStatistics>(_verifiedModules.Count);
            foreach (MiVerifierDriver d in _verifiedModules.Values) rows.Add(d.Snapshot());
            rows.Sort(static (a, b) => string.CompareOrdinal(a.Module, b.Module));
            return rows;
        }
    }

    /// <summary>The data of <c>!verifier 3 DRIVER</c>: the driver's outstanding allocations grouped by tag and pool, by tag.</summary>
    /// <param name="module">The driver's image name.</param>
    /// <returns>One row per tag and pool kind with allocations outstanding.</returns>
    public IReadOnlyList<VerifierTagUsage> VfGetOutstandingByTag(string module)
    {
        var sums = new SortedDictionary<(uint Tag, bool Paged), (long Count, ulong Bytes)>();
        foreach (PoolAllocationInfo a in GetOutstandingAllocations(module))
        {
            var key = (a.TagValue, a.PoolType.IsPaged());
            sums.TryGetValue(key, out var s);
            sums[key] = (s.Count + 1, s.Bytes + a.Size);
        }
        var rows = new List<VerifierTagUsage>(sums.Count);
        foreach (KeyValuePair<(uint Tag, bool Paged), (long Count, ulong Bytes)> kv in sums)
            rows.Add(new VerifierTagUsage(PoolTag.ToString(kv.Key.Tag), kv.Key.Tag, kv.Key.Paged, kv.Value.Count, kv.Value.Bytes));
        return rows;
    }

    /// <summary>
    /// MmUnloadSystemImage's Driver Verifier check: a driver verified with pool tracking that still holds
    /// pool bugchecks DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4) P1 0x62, P2 the driver's name (a
    /// UNICODE_STRING in the verifier's entry), P3 the verifier's entry, P4 the allocations not freed
    /// (paged and nonpaged); <see cref="VfGetOutstandingByTag"/> lists them as <c>!verifier 3</c> does.
    /// Nothing happens for a driver not verified with pool tracking.
    /// </summary>
    /// <param name="module">The driver's image name.</param>
    /// <remarks>PASSIVE_LEVEL, when the image goes (the kernel's unload path calls it).</remarks>
    public void VfDriverUnloading(string module)
    {
        MiVerifierDriver? d;
        ulong count;
        lock (_lock)
        {
            if (!_verifiedModules.TryGetValue(module, out d)) return;
            d.Unloads++;
            if ((d.Options & VerifierOptions.PoolTracking) == 0) return;
            count = (ulong)(d.CurrentPagedAllocations + d.CurrentNonPagedAllocations);
            if (count == 0) return;
        }
        ulong entry = MiVerifierEntryAddress(d);
        ulong name = entry == 0 ? 0 : entry + 0x10;
        throw MiBugCheck(BugCheckCode.DriverVerifierDetectedViolation, (ulong)VerifierViolation.UnloadWithOutstandingPoolAllocations, name, entry, count);
    }

    // Lock held. The verifier entry of the allocating driver (null when not verified).
    private MiVerifierDriver? MiVerifierOf(string? module) =>
        module is not null && _verifiedModules.Count != 0 && _verifiedModules.TryGetValue(module, out MiVerifierDriver? d) ? d : null;

    // Lock held. Counts a free of an allocation that was counted when made.
    private void MiVerifierFreed(in MiPoolTrack track)
    {
        if (track.Counted && _verifierByModuleId.TryGetValue(track.ModuleId, out MiVerifierDriver? d)) d.Freed(track.PoolType.IsPaged(), track.Size);
    }

    /// <summary>True for an address of the special pool region.</summary>
    private static bool MiIsSpecialPoolAddress(ulong va) => va - MmLayout.SpecialPoolBase < MmLayout.SystemRegionSize;

    // Lock held. MmAllocateSpecialPool: a data page with a no-access guard page after it (the page before
    // is the previous pair's guard). Verify End puts the data at the end of the page (16-byte aligned) with
    // the header at the start; Verify Start puts it at the start with the header at the end. The rest of
    // the page holds a pattern byte checked at free. Returns 0 when special pool is exhausted (the caller
    // falls back to regular pool, as NT does).
    private ulong MiAllocateSpecial(ulong size, uint tag, int moduleId, bool zero, PoolType type, bool paged)
    {
        if (_specialPoolNext + 2 * (ulong)MmLayout.PageSize > MmLayout.SpecialPoolBase + MmLayout.SystemRegionSize) return 0;
        ulong page = _specialPoolNext;
        if (!MiCommitSystemPages(page, 1, paged)) return 0;
        _specialPoolNext += 2 * (ulong)MmLayout.PageSize; // freed pairs are never reused: a stale pointer always faults
        byte pattern = (byte)++_specialPoolAllocations;    // NT uses the low byte of the tick count
        Span<byte> bytes = MiPoolBytes(page, MmLayout.PageSize);
        bytes.Fill(pattern);
        bool atStart = SpecialPoolVerifyStart;
        ulong placed = Math.Max(size, 1);
        ulong va = atStart ? page : (page + MmLayout.PageSize - placed) & ~(ulong)(PoolHeaderSize - 1);
        Span<byte> header = bytes.Slice(atStart ? MmLayout.PageSize - PoolHeaderSize : 0, PoolHeaderSize);
        header.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)size | (paged ? SpecialPoolPagedFlag : 0));
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], tag);
        header[8] = pattern;
        if (zero) bytes.Slice((int)MmLayout.ByteOffset(va), (int)size).Clear();
        _specialPoolLive.Add(page, va);
        _poolTracking.Add(va, new MiPoolTrack { Size = size, Tag = tag, Type = (short)type, ModuleId = moduleId, Special = (byte)(atStart ? 2 : 1) });
        return va;
    }

    // Lock held. MmFreeSpecialPool: IRQL, the pattern around the allocation, the tag; then the page goes
    // and stays no-access (PAGE_FAULT_IN_FREED_SPECIAL_POOL on a later touch).
    private void MiFreeSpecial(in MemoryAccessContext context, ulong p, uint tag, in MiPoolTrack track)
    {
        bool paged = track.PoolType.IsPaged();
        if (context.Irql > (paged ? Irql.ApcLevel : Irql.DispatchLevel))
            throw MiBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, (ulong)context.Irql, paged ? 1UL : 0UL, p, 0x31);
        ulong page = MmLayout.PageAlign(p);
        Span<byte> bytes = MiPoolBytes(page, MmLayout.PageSize);
        bool atStart = track.Special == 2;
        byte pattern = bytes[(atStart ? MmLayout.PageSize - PoolHeaderSize : 0) + 8];
        int offset = (int)MmLayout.ByteOffset(p);
        if (!atStart)
        {
            // Between the header and the allocation: an underrun.
            int bad = bytes[PoolHeaderSize..offset].IndexOfAnyExcept(pattern);
            if (bad >= 0) throw MiBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, p, page + PoolHeaderSize + (ulong)bad, pattern, 0x23);
        }
        int end = offset + (int)track.Size;
        int limit = atStart ? MmLayout.PageSize - PoolHeaderSize : MmLayout.PageSize;
        int after = end < limit ? bytes[end..limit].IndexOfAnyExcept(pattern) : -1;
        if (after >= 0) throw MiBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, p, p + track.Size + (ulong)after, pattern, 0x24);
        if (tag != 0 && (tag & 0x7FFF_FFFF) != (track.Tag & 0x7FFF_FFFF))
            throw MiBugCheck(BugCheckCode.BadPoolCaller, 0x0A, p, track.Tag, tag);

        MiForgetAllocation(p, track, paged);
        _specialPoolLive.Remove(page);
        MiReleaseSystemPages(page, 1);
        SystemSpace.PageTable.Lookup(page, create: false).Flags |= PteFlags.SpecialPoolFreed;
    }

    // Lock held. A free of a special-pool address that is not a live allocation: 0xC1 0x21/0x22 inside a
    // live page (P2 bytes requested, P3 bytes from the address to the end of the page), else 0x20.
    private void MiBugCheckSpecialPoolFree(ulong p)
    {
        if (_specialPoolLive.TryGetValue(MmLayout.PageAlign(p), out ulong live) && MmLayout.ByteOffset(p) != 0)
        {
            ulong requested = _poolTracking[live].Size;
            ulong real = MmLayout.PageSize - MmLayout.ByteOffset(p);
            throw MiBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, p, requested, real, requested > real ? 0x21UL : 0x22UL);
        }
        throw MiBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, p, 0, 0, 0x20);
    }

    // Lock held. KeBugCheckEx's special-pool translation of a fault on a no-access special-pool page:
    // a freed page is 0xCC (0xD5 from a driver), a guard page 0xCD (0xD6 from a driver); P1 the address,
    // P2 0 read / 1 write, P3 the faulting code address, P4 0 (ReactOS ke/bug.c KeBugCheckWithTf).
    private BugCheckException MiSpecialPoolFault(in MemoryAccessContext context, ulong va, MemoryAccessType access, ref Mmpte pte)
    {
        bool freed = !Unsafe.IsNullRef(ref pte) && (pte.Flags & PteFlags.SpecialPoolFreed) != 0;
        bool driver = context.Module is not null;
        BugCheckCode code = freed
            ? (driver ? BugCheckCode.DriverPageFaultInFreedSpecialPool : BugCheckCode.PageFaultInFreedSpecialPool)
            : (driver ? BugCheckCode.DriverPageFaultBeyondEndOfAllocation : BugCheckCode.PageFaultBeyondEndOfAllocation);
        return MiBugCheck(code, va, access == MemoryAccessType.Write ? 1UL : 0UL, context.CodeAddress, 0);
    }

    /// <summary>
    /// A touch of a freed special-pool object that is not in simulated memory (an IRP the I/O verifier
    /// placed in special pool): the fault NT takes on it, 0xD5 from a driver or 0xCC from the kernel.
    /// </summary>
    /// <param name="context">The toucher.</param>
    /// <param name="va">The address touched.</param>
    /// <param name="access">Read or write.</param>
    /// <returns>The bugcheck to throw.</returns>
    internal BugCheckException VfTouchFreedSpecialPool(in MemoryAccessContext context, ulong va, MemoryAccessType access)
    {
        var freed = new Mmpte { Flags = PteFlags.SpecialPoolFreed };
        return MiSpecialPoolFault(context, va, access, ref freed);
    }
}

/// <summary>MI_VERIFIER_DRIVER_ENTRY: one verified driver's options and pool counters. Guarded by the memory manager's lock.</summary>
internal sealed class MiVerifierDriver(string module, VerifierOptions options)
{
    public string Module { get; } = module;

    public VerifierOptions Options { get; set; } = options;

    /// <summary>The entry's address in nonpaged pool (its name is a UNICODE_STRING at +0x10); 0 until a stop names it.</summary>
    public ulong EntryAddress { get; set; }

    public int Loads;
    public int Unloads;
    public long Attempted;
    public long Succeeded;
    public long SucceededSpecial;
    public long Failed;
    public long CurrentPagedAllocations;
    public long CurrentPagedBytes;
    public long PeakPagedAllocations;
    public long PeakPagedBytes;
    public long CurrentNonPagedAllocations;
    public long CurrentNonPagedBytes;
    public long PeakNonPagedAllocations;
    public long PeakNonPagedBytes;

    public bool SpecialPool => (Options & VerifierOptions.SpecialPool) != 0;

    public long FailedDeliberately;
    public LowResourcesSimulation? LowResources;
    public Func<long>? LowResourcesClock;
    public ActorKernel.Runtime.DeterministicRandom? LowResourcesRandom;

    /// <summary>Low Resources Simulation's decision for one allocation (a draw only past the delay, for an affected tag).</summary>
    public bool FailsDeliberately(uint tag)
    {
        if (LowResources is not { } settings || LowResourcesClock!() < settings.DelayNanoseconds) return false;
        if (settings.Tags.Count != 0 && !settings.Tags.Contains(tag)) return false;
        if (!LowResourcesRandom!.Chance(settings.Probability)) return false;
        FailedDeliberately++;
        return true;
    }

    public void Allocated(bool paged, ulong size, bool special)
    {
        Succeeded++;
        if (special) SucceededSpecial++;
        if (paged)
        {
            PeakPagedAllocations = Math.Max(PeakPagedAllocations, ++CurrentPagedAllocations);
            PeakPagedBytes = Math.Max(PeakPagedBytes, CurrentPagedBytes += (long)size);
        }
        else
        {
            PeakNonPagedAllocations = Math.Max(PeakNonPagedAllocations, ++CurrentNonPagedAllocations);
            PeakNonPagedBytes = Math.Max(PeakNonPagedBytes, CurrentNonPagedBytes += (long)size);
        }
    }

    public void Freed(bool paged, ulong size)
    {
        if (paged)
        {
            CurrentPagedAllocations--;
            CurrentPagedBytes -= (long)size;
        }
        else
        {
            CurrentNonPagedAllocations--;
            CurrentNonPagedBytes -= (long)size;
        }
    }

    public VerifierDriverStatistics Snapshot() => new(
        Module, Options, Loads, Unloads, Attempted, Succeeded, SucceededSpecial, Failed,
        CurrentPagedAllocations, CurrentPagedBytes, PeakPagedAllocations, PeakPagedBytes,
        CurrentNonPagedAllocations, CurrentNonPagedBytes, PeakNonPagedAllocations, PeakNonPagedBytes)
    {
        AllocationsFailedDeliberately = FailedDeliberately,
    };
}
