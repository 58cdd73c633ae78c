namespace ActorKernel.Actors;

/// <summary>MDL flags (<c>wdm.h</c> values) that this model sets.</summary>
[Flags]
public enum MdlFlags : ushort
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>MDL_MAPPED_TO_SYSTEM_VA (0x1).</summary>
    MappedToSystemVa = 0x0001,

    /// <summary>MDL_PAGES_LOCKED (0x2).</summary>
    PagesLocked = 0x0002,

    /// <summary>MDL_SOURCE_IS_NONPAGED_POOL (0x4).</summary>
    SourceIsNonPagedPool = 0x0004,

    /// <summary>MDL_ALLOCATED_FIXED_SIZE (0x8).</summary>
    AllocatedFixedSize = 0x0008,

    /// <summary>MDL_PARTIAL (0x10): built by IoBuildPartialMdl over part of another MDL's pages.</summary>
    Partial = 0x0010,

    /// <summary>MDL_WRITE_OPERATION (0x80): locked for IoWriteAccess or IoModifyAccess.</summary>
    WriteOperation = 0x0080,
}

/// <summary>
/// A memory descriptor list: a virtual buffer (start, offset, length, the process it belongs to) and,
/// once locked, the physical page frames under it. The PFN array is what a device's DMA engine uses.
/// </summary>
public sealed partial class Mdl
{
    private readonly ulong[] _pfns;

    internal Mdl(ulong address, ulong virtualAddress, uint byteCount, string? module)
    {
        Address = address;
        StartVa = MmLayout.PageAlign(virtualAddress);
        ByteOffset = MmLayout.ByteOffset(virtualAddress);
        ByteCount = byteCount;
        Module = module;
        _pfns = new ulong[MmLayout.SpanPages(virtualAddress, byteCount)];
        Flags = MdlFlags.AllocatedFixedSize;
    }

    /// <summary>The simulated address of the MDL itself (a nonpaged pool block tagged "Mdl ").</summary>
    public ulong Address { get; }

    /// <summary>MdlFlags.</summary>
    public MdlFlags Flags { get; internal set; }

    /// <summary>StartVa: the page-aligned start of the buffer.</summary>
    public ulong StartVa { get; }

    /// <summary>ByteOffset: the buffer's offset in its first page.</summary>
    public uint ByteOffset { get; }

    /// <summary>ByteCount: the buffer's length.</summary>
    public uint ByteCount { get; }

    /// <summary>The process whose user buffer this describes (set by MmProbeAndLockPages), or null for system memory.</summary>
    public AddressSpace? Process { get; internal set; }

    /// <summary>MappedSystemVa: the system address of the buffer once mapped (or the buffer itself for nonpaged pool).</summary>
    public ulong MappedSystemVa { get; internal set; }

    /// <summary>The next MDL in a chain (Irp-&gt;MdlAddress chains).</summary>
    public Mdl? Next { get; set; }

    /// <summary>The page frame numbers of the buffer, valid while the pages are locked (MmGetMdlPfnArray).</summary>
    public ReadOnlySpan<ulong> Pfns => _pfns;

    internal ulong[] PfnArray => _pfns;

    internal string? Module { get; }

    /// <summary>The code address that called MmProbeAndLockPages (for DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS).</summary>
    internal ulong LockedBy { get; set; }

    // Links of the memory manager's list of locked MDLs (MiLockedMdlList).
    internal Mdl? LockedPrevious;
    internal Mdl? LockedNext;

    /// <summary>The number of pages the buffer spans.</summary>
    public int PageCount => _pfns.Length;
}
