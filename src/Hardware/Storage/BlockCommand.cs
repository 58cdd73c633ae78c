using System.Buffers.Binary;

namespace ActorKernel.Hardware;

/// <summary>A command's opcode (byte 0 of a command entry).</summary>
public enum BlockOpcode : byte
{
    /// <summary>FLUSH: writes the write-back cache to the medium; no data, LBA and count ignored.</summary>
    Flush = 0x00,

    /// <summary>WRITE: sectors from memory (the segments) to the disk.</summary>
    Write = 0x01,

    /// <summary>READ: sectors from the disk into memory (the segments).</summary>
    Read = 0x02,
}

/// <summary>A completion entry's status (the controller's error code; ERROR holds the last failure).</summary>
public enum BlockCommandStatus : ushort
{
    /// <summary>The command succeeded.</summary>
    Success = 0x0000,

    /// <summary>The opcode is not READ, WRITE or FLUSH.</summary>
    InvalidOpcode = 0x0001,

    /// <summary>A field is wrong: zero sectors, no or too many segments, or segment lengths that do not add up to the transfer.</summary>
    InvalidField = 0x0002,

    /// <summary>LBA + sector count runs past the capacity.</summary>
    LbaOutOfRange = 0x0080,

    /// <summary>The bus-master transfer failed (master abort on a segment, or an injected DMA error): no data moved.</summary>
    DataTransferError = 0x0004,

    /// <summary>The command was abandoned because the controller was disabled while it was queued.</summary>
    Aborted = 0x0007,
}

/// <summary>
/// The in-memory layouts the controller reads and writes by DMA (little-endian):
/// a 32-byte command entry, a 16-byte segment descriptor, a 16-byte completion entry.
/// </summary>
/// <remarks>
/// Command entry: byte 0 opcode, byte 1 reserved, bytes 2-3 segment count, bytes 4-7 command id,
/// bytes 8-15 starting LBA, bytes 16-19 sector count, bytes 20-23 reserved, bytes 24-31 physical
/// address of the segment list. Segment descriptor: bytes 0-7 physical address, bytes 8-11 length
/// in bytes, bytes 12-15 reserved. Completion entry: bytes 0-3 command id, bytes 4-5 status,
/// bytes 6-7 the SQ head when posted, bytes 8-15 reserved.
/// </remarks>
public static class BlockCommandLayout
{
    /// <summary>Bytes of one command entry.</summary>
    public const int CommandSize = 32;

    /// <summary>Bytes of one segment descriptor.</summary>
    public const int SegmentSize = 16;

    /// <summary>Bytes of one completion entry.</summary>
    public const int CompletionSize = 16;

    /// <summary>Encodes a command entry.</summary>
    /// <param name="entry">32 bytes to fill.</param>
    /// <param name="opcode">The opcode.</param>
    /// <param name="commandId">The driver's tag, echoed in the completion.</param>
    /// <param name="lba">The first sector.</param>
    /// <param name="sectorCount">Sectors to transfer.</param>
    /// <param name="segmentCount">Segment descriptors in the list.</param>
    /// <param name="segmentListAddress">Physical address of the segment list.</param>
    public static void WriteCommand(Span<byte> entry, BlockOpcode opcode, uint commandId, ulong lba, uint sectorCount, ushort segmentCount, ulong segmentListAddress)
    {
        entry[..CommandSize].Clear();
        entry[0] = (byte)opcode;
        BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], segmentCount);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], commandId);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], lba);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[16..], sectorCount);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[24..], segmentListAddress);
    }

    /// <summary>Encodes one segment descriptor.</summary>
    /// <param name="descriptor">16 bytes to fill.</param>
    /// <param name="physicalAddress">Where the segment starts.</param>
    /// <param name="length">Its length in bytes.</param>
    public static void WriteSegment(Span<byte> descriptor, ulong physicalAddress, uint length)
    {
        descriptor[..SegmentSize].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(descriptor, physicalAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor[8..], length);
    }

    /// <summary>Decodes a completion entry.</summary>
    /// <param name="entry">16 bytes.</param>
    /// <returns>The command id and its status.</returns>
    public static (uint CommandId, BlockCommandStatus Status) ReadCompletion(ReadOnlySpan<byte> entry) =>
        (BinaryPrimitives.ReadUInt32LittleEndian(entry), (BlockCommandStatus)BinaryPrimitives.ReadUInt16LittleEndian(entry[4..]));
}
