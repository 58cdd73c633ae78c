using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// Driver image sections: MiMapDriverSection, MmLockPagableCodeSection, MmUnlockPagableImageSection.
public sealed partial class MemoryManager
{
    private readonly List<MiDriverSection> _sections = [];

    /// <summary>
    /// Maps a section of a driver image (e.g. its PAGE section, or .text) in system space and returns
    /// its base; pageable sections can be paged out and faulted back like paged pool, and
    /// <see cref="Execute"/> on them at DISPATCH_LEVEL while paged out bugchecks as NT does.
    /// </summary>
    /// <param name="module">The driver, e.g. "x.sys".</param>
    /// <param name="size">Bytes (rounded up to pages).</param>
    /// <param name="pageable">True for a PAGE* section.</param>
    /// <returns>The section's base address, or 0 when memory is exhausted.</returns>
    public ulong MiMapDriverSection(string module, ulong size, bool pageable)
    {
        ArgumentException.ThrowIfNullOrEmpty(module);
        ulong pages = Math.Max(1, (size + MmLayout.PageSize - 1) >> MmLayout.PageShift);
        lock (_lock)
        {
            if (!_images.TryAllocate(pages, out ulong va)) return 0;
            if (!MiCommitSystemPages(va, pages, pageable))
            {
                _images.Free(va, pages);
                return 0;
            }
            _sections.Add(new MiDriverSection(module, va, pages, pageable));
            return va;
        }
    }

    /// <summary>
    /// MmLockPagableCodeSection: brings the whole pageable section that contains <paramref name="addressWithinSection"/>
    /// in and locks it, so its routines may run at DISPATCH_LEVEL until <see cref="MmUnlockPagableImageSection"/>.
    /// Locks nest.
    /// </summary>
    /// <param name="context">The caller.</param>
    /// <param name="addressWithinSection">Any address in the section (a routine's address).</param>
    /// <param name="faultDelayNanoseconds">The simulated page-fault delay to charge.</param>
    /// <returns>The handle for MmUnlockPagableImageSection (the section base), or 0 when the address is in no pageable section.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL; a page still out at DISPATCH_LEVEL bugchecks 0xD1/0xA.</remarks>
    public ulong MmLockPagableCodeSection(in MemoryAccessContext context, ulong addressWithinSection, out long faultDelayNanoseconds)
    {
        long delay = 0;
        lock (_lock)
        {
            MiDriverSection? section = MiFindSection(addressWithinSection);
            faultDelayNanoseconds = 0;
            if (section is null || !section.Pageable) return 0;
            for (ulong i = 0; i < section.Pages; i++)
            {
                ulong page = section.Base + (i << MmLayout.PageShift);
                MiResolveKernel(context, page, MemoryAccessType.Read, ref delay);
                SystemSpace.PageTable.Lookup(page, create: false).LockCount++;
            }
            section.LockCount++;
            faultDelayNanoseconds = delay;
            return section.Base;
        }
    }

    /// <summary>MmLockPagableDataSection: as <see cref="MmLockPagableCodeSection"/>, for a pageable data section.</summary>
    /// <param name="context">The caller.</param>
    /// <param name="addressWithinSection">Any address in the section.</param>
    /// <param name="faultDelayNanoseconds">The simulated page-fault delay to charge.</param>
    /// <returns>The handle, or 0.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL.</remarks>
    public ulong MmLockPagableDataSection(in MemoryAccessContext context, ulong addressWithinSection, out long faultDelayNanoseconds) =>
        MmLockPagableCodeSection(context, addressWithinSection, out faultDelayNanoseconds);

    /// <summary>MmUnlockPagableImageSection: drops one lock taken by MmLockPagable*Section; the section may page again when none remain.</summary>
    /// <param name="context">The caller.</param>
    /// <param name="imageSectionHandle">The handle MmLockPagable*Section returned.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. An unknown or unlocked handle is ignored.</remarks>
    public void MmUnlockPagableImageSection(in MemoryAccessContext context, ulong imageSectionHandle)
    {
        lock (_lock)
        {
            MiDriverSection? section = MiFindSection(imageSectionHandle);
            if (section is null || section.LockCount == 0 || section.Base != imageSectionHandle) return;
            for (ulong i = 0; i < section.Pages; i++)
            {
                ref Mmpte pte = ref SystemSpace.PageTable.Lookup(section.Base + (i << MmLayout.PageShift), create: false);
                if (!Unsafe.IsNullRef(ref pte) && pte.LockCount > 0) pte.LockCount--;
            }
            section.LockCount--;
        }
    }

    // Lock held.
    private MiDriverSection? MiFindSection(ulong va)
    {
        foreach (MiDriverSection s in _sections)
            if (va >= s.Base && va < s.Base + (s.Pages << MmLayout.PageShift)) return s;
        return null;
    }
}

/// <summary>A mapped section of a driver image.</summary>
internal sealed class MiDriverSection(string module, ulong baseAddress, ulong pages, bool pageable)
{
    public string Module { get; } = module;

    public ulong Base { get; } = baseAddress;

    public ulong Pages { get; } = pages;

    public bool Pageable { get; } = pageable;

    public int LockCount { get; set; }
}
