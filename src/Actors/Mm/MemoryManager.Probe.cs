using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// ProbeForRead / ProbeForWrite (METHOD_NEITHER user buffers) and MmGetPhysicalAddress.
public sealed partial class MemoryManager
{
    /// <summary>
    /// ProbeForRead: checks that a user buffer lies wholly in user space and is aligned; it touches nothing.
    /// </summary>
    /// <param name="address">The buffer.</param>
    /// <param name="length">Its length (0: no check, as in NT).</param>
    /// <param name="alignment">Required alignment: 1, 2, 4, 8 or 16.</param>
    /// <exception cref="NtStatusException">STATUS_DATATYPE_MISALIGNMENT or STATUS_ACCESS_VIOLATION, to be caught by the driver's __try/__except.</exception>
    /// <remarks>IRQL &lt;= APC_LEVEL.</remarks>
    public static void ProbeForRead(ulong address, ulong length, uint alignment)
    {
        if (length == 0) return;
        if ((address & (alignment - 1)) != 0) throw new NtStatusException(NtStatus.DatatypeMisalignment, address);
        ulong end = address + length;
        if (end < address || end > MmLayout.UserProbeAddress) throw new NtStatusException(NtStatus.AccessViolation, address);
    }

    /// <summary>
    /// ProbeForWrite: as <see cref="ProbeForRead"/>, then touches every page for write in the current
    /// process, so an unmapped page raises STATUS_ACCESS_VIOLATION now rather than in the middle of the copy.
    /// </summary>
    /// <param name="context">The caller; its current process owns the buffer.</param>
    /// <param name="address">The buffer.</param>
    /// <param name="length">Its length.</param>
    /// <param name="alignment">Required alignment.</param>
    /// <returns>The simulated page-fault delay in nanoseconds.</returns>
    /// <exception cref="NtStatusException">STATUS_DATATYPE_MISALIGNMENT or STATUS_ACCESS_VIOLATION.</exception>
    /// <remarks>IRQL &lt;= APC_LEVEL.</remarks>
    public long ProbeForWrite(in MemoryAccessContext context, ulong address, ulong length, uint alignment)
    {
        ProbeForRead(address, length, alignment);
        long delay = 0;
        if (length == 0) return 0;
        ulong pages = MmLayout.SpanPages(address, length);
        lock (_lock)
        {
            for (ulong i = 0; i < pages; i++)
                MiResolveKernel(context, MmLayout.PageAlign(address) + (i << MmLayout.PageShift), MemoryAccessType.Write, ref delay);
        }
        return delay;
    }

    /// <summary>MmGetPhysicalAddress: the physical address behind a resident virtual address, or 0 when the page is not resident.</summary>
    /// <param name="context">The caller (its process resolves user addresses).</param>
    /// <param name="va">The virtual address.</param>
    /// <returns>The physical address (PFN &lt;&lt; 12 | byte offset), or 0.</returns>
    /// <remarks>Any IRQL; never faults.</remarks>
    public ulong MmGetPhysicalAddress(in MemoryAccessContext context, ulong va)
    {
        lock (_lock)
        {
            AddressSpace? space = MmLayout.IsSystemAddress(va) ? SystemSpace : MmLayout.IsUserAddress(va) ? context.CurrentProcess : null;
            ref Mmpte pte = ref MiPteOf(space, va);
            if (Unsafe.IsNullRef(ref pte) || pte.State != PteState.Valid) return 0;
            return (pte.Pfn << MmLayout.PageShift) | MmLayout.ByteOffset(va);
        }
    }
}
