using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// Paging: the working-set list, trimming under pressure or on demand, Driver Verifier's
// "force IRQL checking", and pageable driver sections.
public sealed partial class MemoryManager
{
    private readonly Queue<(AddressSpace Space, ulong Va)> _workingSet = new();
    private readonly HashSet<string> _forceIrqlChecking = new(StringComparer.OrdinalIgnoreCase);
    private volatile int _forceIrqlCheckingCount; // read without the lock: the processors call OnIrqlRaised on every raise
    private readonly MiVaAllocator _images;
    private readonly ulong _pageFileLimit;
    private ulong _pagedOutPages;
    private ulong _pagesTrimmed;

    /// <summary>
    /// Turns Driver Verifier's "force IRQL checking" on or off for <paramref name="module"/>: while on,
    /// every raise to DISPATCH_LEVEL or above by that driver's routines pages out all pageable memory
    /// (<see cref="OnIrqlRaised"/>), so a later touch of pageable memory at that IRQL bugchecks at once.
    /// </summary>
    /// <param name="module">The driver, e.g. "x.sys".</param>
    /// <param name="enabled">On or off.</param>
    public void SetForceIrqlChecking(string module, bool enabled)
    {
        ArgumentException.ThrowIfNullOrEmpty(module);
        lock (_lock)
        {
            if (enabled) _forceIrqlChecking.Add(module);
            else _forceIrqlChecking.Remove(module);
            _forceIrqlCheckingCount = _forceIrqlChecking.Count;
        }
    }

    /// <summary>True when force IRQL checking is on for any driver (a lock-free check for the processors' raise path).</summary>
    internal bool AnyForceIrqlChecking => _forceIrqlCheckingCount != 0;

    /// <summary>True when force IRQL checking is on for <paramref name="module"/>.</summary>
    /// <param name="module">The driver.</param>
    /// <returns>The setting.</returns>
    public bool IsForceIrqlCheckingEnabled(string? module)
    {
        if (module is null) return false;
        lock (_lock) return _forceIrqlChecking.Contains(module);
    }

    /// <summary>
    /// The processor's hook: call it after a routine raises IRQL (KeRaiseIrql, KeAcquireSpinLock, a DPC or
    /// ISR starting) with the caller's context and the new IRQL. With force IRQL checking on for the
    /// routine's driver and <paramref name="newIrql"/> at DISPATCH_LEVEL or above, every pageable page that
    /// is not locked is paged out, as Driver Verifier does.
    /// </summary>
    /// <param name="context">The routine that raised (its <see cref="MemoryAccessContext.Module"/> selects the setting).</param>
    /// <param name="newIrql">The IRQL after the raise.</param>
    /// <returns>The number of pages paged out (0 when the setting is off).</returns>
    /// <remarks>Costs no simulated time: trimming happens "before" the raise completes.</remarks>
    public int OnIrqlRaised(in MemoryAccessContext context, Irql newIrql)
    {
        if (_forceIrqlCheckingCount == 0 || newIrql < Irql.DispatchLevel || context.Module is null) return 0;
        lock (_lock)
        {
            if (_forceIrqlChecking.Count == 0 || !_forceIrqlChecking.Contains(context.Module)) return 0;
            return MiTrimWorkingSet(int.MaxValue);
        }
    }

    /// <summary>Entries on the working-set list (pageable pages resident or recently so), for tests and diagnostics.</summary>
    public int WorkingSetListLength { get { lock (_lock) return _workingSet.Count; } }

    /// <summary>Fault injection: pages out every pageable page that is not locked (paged pool, pageable sections, user pages).</summary>
    /// <returns>The number of pages paged out.</returns>
    public int MmTrimAllPageablePages()
    {
        lock (_lock) return MiTrimWorkingSet(int.MaxValue);
    }

    /// <summary>Fault injection: pages out the pageable, unlocked pages of a range.</summary>
    /// <param name="process">The process for user addresses (null for system addresses only).</param>
    /// <param name="va">Start of the range.</param>
    /// <param name="length">Length in bytes.</param>
    /// <returns>The number of pages paged out.</returns>
    public int MmPageOut(AddressSpace? process, ulong va, ulong length)
    {
        int n = 0;
        lock (_lock)
        {
            ulong start = MmLayout.PageAlign(va);
            ulong pages = MmLayout.SpanPages(va, length);
            for (ulong i = 0; i < pages; i++)
            {
                ulong page = start + (i << MmLayout.PageShift);
                AddressSpace? space = MmLayout.IsSystemAddress(page) ? SystemSpace : process;
                if (space is null) continue;
                ref Mmpte pte = ref space.PageTable.Lookup(page, create: false);
                if (!Unsafe.IsNullRef(ref pte) && MiTryPageOut(ref pte)) n++;
            }
        }
        return n;
    }

    // Lock held. Maps fresh zero frames for pages of system space; false (nothing mapped) when RAM is exhausted.
    private bool MiCommitSystemPages(ulong va, ulong pages, bool pageable)
    {
        for (ulong i = 0; i < pages; i++)
        {
            if (!MiAllocateFrameUnderPressure(null, zero: true, out ulong pfn))
            {
                MiReleaseSystemPages(va, i);
                return false;
            }
            ulong page = va + (i << MmLayout.PageShift);
            ref Mmpte pte = ref SystemSpace.PageTable.Lookup(page, create: true);
            // A page still listed in the working set from an earlier use keeps that one entry.
            PteFlags listed = pte.Flags & PteFlags.InWorkingSet;
            pte = new Mmpte { Pfn = pfn, State = PteState.Valid, Flags = (pageable ? PteFlags.Pageable : PteFlags.None) | listed };
            if (pageable) MiAddToWorkingSet(SystemSpace, page, ref pte);
        }
        return true;
    }

    // Lock held. Unmaps pages of system space and frees their frames (or page-file copies).
    private void MiReleaseSystemPages(ulong va, ulong pages)
    {
        for (ulong i = 0; i < pages; i++)
        {
            ref Mmpte pte = ref SystemSpace.PageTable.Lookup(va + (i << MmLayout.PageShift), create: false);
            if (Unsafe.IsNullRef(ref pte)) continue;
            if (pte.State == PteState.Valid && (pte.Flags & PteFlags.Alias) == 0) Physical.MiFreeFrame(pte.Pfn);
            if (pte.State == PteState.PagedOut) _pagedOutPages--;
            // Keep the working-set mark: its entry is still queued, and a reuse of the page must not queue a second.
            pte = new Mmpte { Flags = pte.Flags & PteFlags.InWorkingSet };
        }
    }

    // Lock held.
    private void MiAddToWorkingSet(AddressSpace space, ulong va, ref Mmpte pte)
    {
        if (!pte.IsPageable || (pte.Flags & PteFlags.InWorkingSet) != 0) return;
        pte.Flags |= PteFlags.InWorkingSet;
        _workingSet.Enqueue((space, MmLayout.PageAlign(va)));
    }

    // Lock held. Oldest first; stale entries (unmapped or already out) are dropped, locked pages stay listed.
    private int MiTrimWorkingSet(int wanted)
    {
        int trimmed = 0;
        int budget = _workingSet.Count;
        while (trimmed < wanted && budget-- > 0)
        {
            (AddressSpace space, ulong va) = _workingSet.Dequeue();
            ref Mmpte pte = ref space.PageTable.Lookup(va, create: false);
            if (Unsafe.IsNullRef(ref pte)) continue;
            pte.Flags &= ~PteFlags.InWorkingSet;
            if (pte.State != PteState.Valid || !pte.IsPageable) continue;
            if (MiTryPageOut(ref pte)) trimmed++;
            else MiAddToWorkingSet(space, va, ref pte);
        }
        return trimmed;
    }

    // Lock held. The frame's bytes move to the page file and the frame is freed.
    private bool MiTryPageOut(ref Mmpte pte)
    {
        if (pte.State != PteState.Valid || !pte.IsPageable || pte.LockCount > 0 || (pte.Flags & PteFlags.Alias) != 0) return false;
        if (_pagedOutPages >= _pageFileLimit) return false;
        pte.PageFileCopy = Physical.MiDetachFrame(pte.Pfn);
        pte.Pfn = 0;
        pte.State = PteState.PagedOut;
        _pagedOutPages++;
        _pagesTrimmed++;
        return true;
    }

    // Lock held. Memory pressure: when RAM is full, page out the oldest pageable page and retry.
    private bool MiAllocateFrameUnderPressure(byte[]? contents, bool zero, out ulong pfn)
    {
        while (!Physical.MiTryAllocateFrame(contents, zero, out pfn))
        {
            if (MiTrimWorkingSet(1) == 0) return false;
        }
        return true;
    }
}

/// <summary>A page-granular allocator of one system VA region: bump, with exact-size reuse of freed runs.</summary>
internal sealed class MiVaAllocator(ulong baseAddress, ulong maxPages)
{
    private readonly Dictionary<ulong, Stack<ulong>> _freeRuns = [];
    private ulong _nextPage;

    public ulong Base => baseAddress;

    public ulong MaxPages => maxPages;

    public bool Contains(ulong va) => va >= baseAddress && va < baseAddress + (maxPages << MmLayout.PageShift);

    public bool TryAllocate(ulong pages, out ulong va)
    {
        if (_freeRuns.TryGetValue(pages, out Stack<ulong>? runs) && runs.TryPop(out va)) return true;
        if (_nextPage + pages > maxPages) { va = 0; return false; }
        va = baseAddress + (_nextPage << MmLayout.PageShift);
        _nextPage += pages;
        return true;
    }

    public void Free(ulong va, ulong pages)
    {
        if (!_freeRuns.TryGetValue(pages, out Stack<ulong>? runs)) _freeRuns.Add(pages, runs = new Stack<ulong>());
        runs.Push(va);
    }
}
