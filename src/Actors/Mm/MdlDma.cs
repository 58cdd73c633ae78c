using ActorKernel.Hardware;

namespace ActorKernel.Actors;

/// <summary>DMA through an MDL, for device models.</summary>
public static class MdlDmaExtensions
{
    /// <summary>A bus-master write into the buffer an MDL describes (its pages must be locked).</summary>
    /// <param name="memory">The machine's RAM.</param>
    /// <param name="mdl">A locked MDL.</param>
    /// <param name="offset">Offset from the start of the buffer.</param>
    /// <param name="data">The bytes the device transfers.</param>
    public static void DmaWrite(this PhysicalMemory memory, Mdl mdl, ulong offset, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(memory);
        MiCheckTransfer(mdl, offset, data.Length);
        memory.DmaWrite(mdl.Pfns, mdl.ByteOffset + offset, data);
    }

    /// <summary>A bus-master read from the buffer an MDL describes.</summary>
    /// <param name="memory">The machine's RAM.</param>
    /// <param name="mdl">A locked MDL.</param>
    /// <param name="offset">Offset from the start of the buffer.</param>
    /// <param name="destination">Receives the bytes.</param>
    public static void DmaRead(this PhysicalMemory memory, Mdl mdl, ulong offset, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(memory);
        MiCheckTransfer(mdl, offset, destination.Length);
        memory.DmaRead(mdl.Pfns, mdl.ByteOffset + offset, destination);
    }

    private static void MiCheckTransfer(Mdl mdl, ulong offset, int length)
    {
        ArgumentNullException.ThrowIfNull(mdl);
        if ((mdl.Flags & (MdlFlags.PagesLocked | MdlFlags.SourceIsNonPagedPool)) == 0)
            throw new InvalidOperationException("DMA needs the MDL's page frames: lock the pages (MmProbeAndLockPages) or build it for nonpaged pool first.");
        if (offset + (ulong)length > mdl.ByteCount)
            throw new ArgumentOutOfRangeException(nameof(offset), "The transfer runs past the end of the MDL's buffer.");
    }
}
