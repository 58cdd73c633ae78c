namespace ActorKernel.Hardware;

/// <summary>The width of one register access (the UCHAR/USHORT/ULONG of READ_PORT_* and READ_REGISTER_*).</summary>
public enum AccessWidth
{
    /// <summary>8 bits (UCHAR).</summary>
    Byte = 1,

    /// <summary>16 bits (USHORT).</summary>
    Word = 2,

    /// <summary>32 bits (ULONG).</summary>
    Dword = 4,
}

/// <summary>
/// A device's register window as a processor reaches it: an I/O port range or a memory-mapped BAR.
/// The HAL decodes an access to the window that holds it and calls these handlers synchronously on
/// the accessing processor (QEMU's MemoryRegionOps in spirit); a device model keeps its registers in
/// one state object and takes its own lock here, because on the concurrent dispatcher a processor
/// and the device's actor may touch that state at the same moment.
/// </summary>
public interface IRegisterWindow
{
    /// <summary>The window's size in bytes (ports or bytes of the BAR).</summary>
    int Length { get; }

    /// <summary>Reads the register at <paramref name="offset"/>, with its read side effects (read-to-clear and the like).</summary>
    /// <param name="offset">Offset into the window.</param>
    /// <param name="width">The access width.</param>
    /// <returns>The value, zero-extended.</returns>
    uint Read(int offset, AccessWidth width);

    /// <summary>Writes the register at <paramref name="offset"/>, with its write side effects.</summary>
    /// <param name="offset">Offset into the window.</param>
    /// <param name="width">The access width.</param>
    /// <param name="value">The value (only the low <paramref name="width"/> bytes count).</param>
    void Write(int offset, AccessWidth width, uint value);
}

/// <summary>
/// A device's interrupt output pin as the device model drives it. A level-triggered line stays
/// asserted until the device deasserts it (an ISR that acknowledges the device makes the model
/// deassert); on an edge-triggered (latched) line each <see cref="Assert"/> is one interrupt request
/// and <see cref="Deassert"/> does nothing.
/// </summary>
public interface IInterruptPin
{
    /// <summary>Asserts the line (level) or signals one edge (latched).</summary>
    void Assert();

    /// <summary>Deasserts a level-triggered line.</summary>
    void Deassert();
}

/// <summary>
/// What a bus-master DMA engine reaches: simulated physical memory by physical address. Device
/// models touch memory only through this (never through a virtual mapping), as real hardware does.
/// </summary>
public interface IDmaMemory
{
    /// <summary>Reads <paramref name="destination"/>.Length bytes at <paramref name="physicalAddress"/> (may cross page frames).</summary>
    /// <param name="physicalAddress">The physical (logical, for the device) address.</param>
    /// <param name="destination">Receives the bytes.</param>
    void DmaRead(ulong physicalAddress, Span<byte> destination);

    /// <summary>Writes <paramref name="source"/> at <paramref name="physicalAddress"/> (may cross page frames).</summary>
    /// <param name="physicalAddress">The physical (logical, for the device) address.</param>
    /// <param name="source">The bytes the device transfers.</param>
    void DmaWrite(ulong physicalAddress, ReadOnlySpan<byte> source);
}
