using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// Memory descriptor lists: IoAllocateMdl, MmProbeAndLockPages, MmGetSystemAddressForMdlSafe, ...
public sealed partial class MemoryManager
{
    private const uint MdlTag = 0x206C644D; // "Mdl "
    private const int MdlHeaderBytes = 0x30; // sizeof(MDL) on x64
    private readonly MiVaAllocator _systemPtes;
    private readonly MiLockedMdlList _lockedMdls = new();

    /// <summary>IoAllocateMdl: describes the buffer at <paramref name="virtualAddress"/>; the MDL itself is nonpaged pool tagged "Mdl ", charged to the caller's driver.</summary>
    /// <param name="context">The caller.</param>
    /// <param name="virtualAddress">The buffer (a user address of the current process, or a system address).</param>
    /// <param name="length">The buffer length (below 4 GiB).</param>
    /// <returns>The MDL, or null when pool is exhausted or the length is invalid.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public Mdl? IoAllocateMdl(in MemoryAccessContext context, ulong virtualAddress, ulong length)
    {
        if (length > uint.MaxValue) return null;
        ulong pages = MmLayout.SpanPages(virtualAddress, length);
        ulong address = MiAllocatePool(context, PoolType.NonPagedPoolNx, MdlHeaderBytes + (pages * 8), MdlTag, zero: true);
        return address == 0 ? null : new Mdl(address, virtualAddress, (uint)length, context.Module);
    }

    /// <summary>IoFreeMdl: frees the MDL (not its pages: unlock them first with <see cref="MmUnlockPages"/>).</summary>
    /// <param name="context">The caller.</param>
    /// <param name="mdl">The MDL.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. A system mapping still in place is released.</remarks>
    public void IoFreeMdl(in MemoryAccessContext context, Mdl mdl)
    {
        ArgumentNullException.ThrowIfNull(mdl);
        if (mdl.IsManaged) return; // the I/O manager's MDL of a managed buffer: no pool behind it
        lock (_lock)
        {
            if ((mdl.Flags & MdlFlags.MappedToSystemVa) != 0) MiUnmapMdl(mdl);
            MiFreePool(context, mdl.Address, MdlTag);
        }
    }

    /// <summary>
    /// MmProbeAndLockPages: checks the buffer is valid for <paramref name="accessMode"/>, brings every page in,
    /// locks it (it cannot be paged out until <see cref="MmUnlockPages"/>) and fills the MDL's PFN array.
    /// </summary>
    /// <param name="context">The caller; user addresses resolve in its current process.</param>
    /// <param name="mdl">The MDL.</param>
    /// <param name="accessMode">UserMode checks the range lies in user space.</param>
    /// <param name="operation">IoReadAccess, IoWriteAccess or IoModifyAccess.</param>
    /// <returns>The simulated page-fault delay in nanoseconds to charge.</returns>
    /// <exception cref="NtStatusException">STATUS_ACCESS_VIOLATION for an invalid range, user or system (catch it as a driver's __try/__except would); no page stays locked.</exception>
    /// <remarks>IRQL &lt;= APC_LEVEL for pageable buffers, &lt;= DISPATCH_LEVEL for nonpaged ones; a fault at DISPATCH_LEVEL bugchecks 0xD1/0xA.</remarks>
    public long MmProbeAndLockPages(in MemoryAccessContext context, Mdl mdl, KProcessorMode accessMode, LockOperation operation)
    {
        ArgumentNullException.ThrowIfNull(mdl);
        if (mdl.IsManaged) throw new ArgumentException("A managed MDL has no pages to lock.", nameof(mdl));
        ulong va = mdl.StartVa + mdl.ByteOffset;
        bool user = MmLayout.IsUserAddress(va);
        if (accessMode == KProcessorMode.UserMode && (!user || va + mdl.ByteCount > MmLayout.UserProbeAddress || va + mdl.ByteCount < va))
            throw new NtStatusException(NtStatus.AccessViolation, va);
        MemoryAccessType access = operation == LockOperation.IoReadAccess ? MemoryAccessType.Read : MemoryAccessType.Write;
        long delay = 0;
        lock (_lock)
        {
            int locked = 0;
            try
            {
                for (; locked < mdl.PageCount; locked++)
                {
                    ulong page = mdl.StartVa + ((ulong)locked << MmLayout.PageShift);
                    ulong pfn = MiResolveKernel(context, page, access, ref delay, probe: true);
                    ref Mmpte pte = ref MiPteOf(user ? context.CurrentProcess : SystemSpace, page);
                    pte.LockCount++;
                    mdl.PfnArray[locked] = pfn;
                }
            }
            catch (NtStatusException)
            {
                MiUnlock(user ? context.CurrentProcess : SystemSpace, mdl, locked);
                throw;
            }
            mdl.Process = user ? context.CurrentProcess : null;
            mdl.Flags |= MdlFlags.PagesLocked | (access == MemoryAccessType.Write ? MdlFlags.WriteOperation : 0);
            mdl.LockedBy = context.CodeAddress;
            _lockedMdls.Add(mdl);
        }
        return delay;
    }

    /// <summary>MmBuildMdlForNonPagedPool: fills the PFN array of an MDL describing nonpaged memory (no lock needed: it never pages).</summary>
    /// <param name="context">The caller.</param>
    /// <param name="mdl">The MDL, built over nonpaged pool.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public void MmBuildMdlForNonPagedPool(in MemoryAccessContext context, Mdl mdl)
    {
        ArgumentNullException.ThrowIfNull(mdl);
        long delay = 0;
        lock (_lock)
        {
            for (int i = 0; i < mdl.PageCount; i++)
                mdl.PfnArray[i] = MiResolveKernel(context, mdl.StartVa + ((ulong)i << MmLayout.PageShift), MemoryAccessType.Read, ref delay);
            mdl.Flags |= MdlFlags.SourceIsNonPagedPool;
            mdl.MappedSystemVa = mdl.StartVa + mdl.ByteOffset;
        }
    }

    /// <summary>MmUnlockPages: unlocks the pages MmProbeAndLockPages locked (and drops a system mapping).</summary>
    /// <param name="context">The caller.</param>
    /// <param name="mdl">The locked MDL.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. Unlocking an MDL that is not locked bugchecks PFN_LIST_CORRUPT (0x4E) subcode 0x7.</remarks>
    public void MmUnlockPages(in MemoryAccessContext context, Mdl mdl)
    {
        ArgumentNullException.ThrowIfNull(mdl);
        lock (_lock)
        {
            if ((mdl.Flags & MdlFlags.PagesLocked) == 0)
                throw MiBugCheck(BugCheckCode.PfnListCorrupt, 0x7, mdl.PageCount > 0 ? mdl.Pfns[0] : 0, 0, 0);
            if (mdl.IsManaged)
            {
                mdl.Flags &= ~(MdlFlags.PagesLocked | MdlFlags.WriteOperation);
                return;
            }
            if ((mdl.Flags & MdlFlags.MappedToSystemVa) != 0) MiUnmapMdl(mdl);
            MiUnlock(MmLayout.IsUserAddress(mdl.StartVa) ? mdl.Process : SystemSpace, mdl, mdl.PageCount);
            mdl.Flags &= ~(MdlFlags.PagesLocked | MdlFlags.WriteOperation);
            _lockedMdls.Remove(mdl);
        }
    }

    /// <summary>MDLs whose pages are locked now, optionally only those a driver locked, in locking order.</summary>
    /// <param name="module">The driver, or null for all.</param>
    /// <returns>The locked MDLs.</returns>
    public IReadOnlyList<Mdl> GetLockedMdls(string? module = null)
    {
        lock (_lock)
            return module is null ? [.. _lockedMdls] : _lockedMdls.Where(m => string.Equals(m.Module, module, StringComparison.OrdinalIgnoreCase)).ToList();
    }

    /// <summary>MmGetSystemAddressForMdlSafe: a system address for the locked buffer, valid in any process context.</summary>
    /// <param name="context">The caller.</param>
    /// <param name="mdl">A locked MDL (or one built for nonpaged pool).</param>
    /// <returns>The system address of the buffer's first byte, or 0 (NULL) when the MDL is not locked or system PTEs are exhausted.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. The mapping aliases the same frames: writes through either address are seen through both.</remarks>
    public ulong MmGetSystemAddressForMdlSafe(in MemoryAccessContext context, Mdl mdl)
    {
        ArgumentNullException.ThrowIfNull(mdl);
        if (mdl.IsManaged) return 0; // no frames to map: Wdm.MmGetSystemAddressForMdlSafe(mdl, priority) gives its bytes
        lock (_lock)
        {
            if ((mdl.Flags & (MdlFlags.MappedToSystemVa | MdlFlags.SourceIsNonPagedPool)) != 0) return mdl.MappedSystemVa;
            if ((mdl.Flags & MdlFlags.PagesLocked) == 0 || !_systemPtes.TryAllocate((ulong)Math.Max(1, mdl.PageCount), out ulong va)) return 0;
            for (int i = 0; i < mdl.PageCount; i++)
            {
                ref Mmpte pte = ref SystemSpace.PageTable.Lookup(va + ((ulong)i << MmLayout.PageShift), create: true);
                pte = new Mmpte { Pfn = mdl.Pfns[i], State = PteState.Valid, Flags = PteFlags.Alias };
            }
            mdl.MappedSystemVa = va + mdl.ByteOffset;
            mdl.Flags |= MdlFlags.MappedToSystemVa;
            return mdl.MappedSystemVa;
        }
    }

    /// <summary>MmUnmapLockedPages: removes the system mapping made by <see cref="MmGetSystemAddressForMdlSafe"/>.</summary>
    /// <param name="context">The caller.</param>
    /// <param name="baseAddress">The address the mapping returned.</param>
    /// <param name="mdl">The MDL.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public void MmUnmapLockedPages(in MemoryAccessContext context, ulong baseAddress, Mdl mdl)
    {
        ArgumentNullException.ThrowIfNull(mdl);
        lock (_lock)
        {
            if ((mdl.Flags & MdlFlags.MappedToSystemVa) != 0 && mdl.MappedSystemVa == baseAddress) MiUnmapMdl(mdl);
        }
    }

    /// <summary>MmGetMdlVirtualAddress: the buffer's original virtual address.</summary>
    /// <param name="mdl">The MDL.</param>
    /// <returns>StartVa + ByteOffset.</returns>
    public static ulong MmGetMdlVirtualAddress(Mdl mdl) { ArgumentNullException.ThrowIfNull(mdl); return mdl.StartVa + mdl.ByteOffset; }

    /// <summary>MmGetMdlByteCount: the buffer's length.</summary>
    /// <param name="mdl">The MDL.</param>
    /// <returns>ByteCount.</returns>
    public static uint MmGetMdlByteCount(Mdl mdl) { ArgumentNullException.ThrowIfNull(mdl); return mdl.ByteCount; }

    /// <summary>MmGetMdlByteOffset: the buffer's offset in its first page.</summary>
    /// <param name="mdl">The MDL.</param>
    /// <returns>ByteOffset.</returns>
    public static uint MmGetMdlByteOffset(Mdl mdl) { ArgumentNullException.ThrowIfNull(mdl); return mdl.ByteOffset; }

    /// <summary>MmGetMdlPfnArray: the page frame numbers (valid while locked).</summary>
    /// <param name="mdl">The MDL.</param>
    /// <returns>The PFNs.</returns>
    public static ReadOnlySpan<ulong> MmGetMdlPfnArray(Mdl mdl) { ArgumentNullException.ThrowIfNull(mdl); return mdl.Pfns; }

    // Lock held.
    private void MiUnmapMdl(Mdl mdl)
    {
        ulong va = MmLayout.PageAlign(mdl.MappedSystemVa);
        ulong pages = (ulong)Math.Max(1, mdl.PageCount);
        MiReleaseSystemPages(va, pages);
        _systemPtes.Free(va, pages);
        mdl.MappedSystemVa = 0;
        mdl.Flags &= ~MdlFlags.MappedToSystemVa;
    }

    // Lock held. Drops one lock from each of the first `count` pages.
    private void MiUnlock(AddressSpace? space, Mdl mdl, int count)
    {
        for (int i = 0; i < count; i++)
        {
            ref Mmpte pte = ref MiPteOf(space, mdl.PageVa(i));
            if (Unsafe.IsNullRef(ref pte) || pte.LockCount <= 0)
                throw MiBugCheck(BugCheckCode.PfnListCorrupt, 0x7, mdl.Pfns[i], 0, 0);
            pte.LockCount--;
        }
    }

    // Lock held.
    private static ref Mmpte MiPteOf(AddressSpace? space, ulong va) =>
        ref space is null ? ref Unsafe.NullRef<Mmpte>() : ref space.PageTable.Lookup(va, create: false);
}
