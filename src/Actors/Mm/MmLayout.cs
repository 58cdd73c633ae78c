namespace ActorKernel.Actors;

/// <summary>
/// The simulated x64 virtual address layout (4-level paging, 48-bit canonical addresses). The
/// system regions follow the Windows 7 x64 layout, which WinDbg users recognise
/// (paged pool at <c>fffff8a0`00000000</c>, nonpaged pool at <c>fffffa80`00000000</c>).
/// </summary>
public static class MmLayout
{
    /// <summary>PAGE_SIZE (4 KiB).</summary>
    public const int PageSize = 4096;

    /// <summary>PAGE_SHIFT.</summary>
    public const int PageShift = 12;

    /// <summary>MM_LOWEST_USER_ADDRESS: the first 64 KiB are never mapped (null-pointer guard).</summary>
    public const ulong LowestUserAddress = 0x0000_0000_0001_0000;

    /// <summary>MM_HIGHEST_USER_ADDRESS (x64: 0x7FFFFFFEFFFF; the last 64 KiB below 128 TiB are a no-access guard).</summary>
    public const ulong HighestUserAddress = 0x0000_7FFF_FFFE_FFFF;

    /// <summary>MM_USER_PROBE_ADDRESS: user ranges must end below this.</summary>
    public const ulong UserProbeAddress = 0x0000_7FFF_FFFF_0000;

    /// <summary>MM_SYSTEM_RANGE_START: the first system (kernel-mode only) address.</summary>
    public const ulong SystemRangeStart = 0xFFFF_8000_0000_0000;

    /// <summary>Base of loaded driver images (pageable sections are mapped here).</summary>
    public const ulong DriverImageBase = 0xFFFF_F800_1000_0000;

    /// <summary>Base of system PTE mappings (MmGetSystemAddressForMdlSafe maps MDL pages here).</summary>
    public const ulong SystemPteBase = 0xFFFF_F880_0000_0000;

    /// <summary>Base of paged pool.</summary>
    public const ulong PagedPoolBase = 0xFFFF_F8A0_0000_0000;

    /// <summary>Base of nonpaged pool.</summary>
    public const ulong NonPagedPoolBase = 0xFFFF_FA80_0000_0000;

    /// <summary>
    /// Base of special pool (Driver Verifier): pairs of a data page and a no-access guard page, carved
    /// from the dynamic kernel VA space as Windows 7 x64 does (<c>fffff980`00000000</c>).
    /// </summary>
    public const ulong SpecialPoolBase = 0xFFFF_F980_0000_0000;

    /// <summary>Size of each of the system regions above (their maximum reach).</summary>
    public const ulong SystemRegionSize = 0x0000_0010_0000_0000;

    /// <summary>True for an address in user space (below the system range and canonical).</summary>
    /// <param name="va">The virtual address.</param>
    /// <returns><see langword="true"/> for user addresses.</returns>
    public static bool IsUserAddress(ulong va) => va < SystemRangeStart && va <= 0x0000_7FFF_FFFF_FFFF;

    /// <summary>True for a system-space address.</summary>
    /// <param name="va">The virtual address.</param>
    /// <returns><see langword="true"/> for kernel-only addresses.</returns>
    public static bool IsSystemAddress(ulong va) => va >= SystemRangeStart;

    /// <summary>BYTE_OFFSET(va).</summary>
    /// <param name="va">The virtual address.</param>
    /// <returns>The offset within its page.</returns>
    public static uint ByteOffset(ulong va) => (uint)(va & (PageSize - 1));

    /// <summary>PAGE_ALIGN(va).</summary>
    /// <param name="va">The virtual address.</param>
    /// <returns>The start of its page.</returns>
    public static ulong PageAlign(ulong va) => va & ~(ulong)(PageSize - 1);

    /// <summary>ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, size).</summary>
    /// <param name="va">The start.</param>
    /// <param name="size">The length in bytes.</param>
    /// <returns>The number of pages the range touches.</returns>
    public static ulong SpanPages(ulong va, ulong size) =>
        size == 0 ? 0 : ((ByteOffset(va) + size + PageSize - 1) >> PageShift);
}
