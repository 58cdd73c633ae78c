namespace ActorKernel.Actors;

/// <summary>
/// A requester's buffer: its virtual address and its bytes. Until the memory manager's address
/// spaces back every buffer, the bytes are a managed block owned by the requester; what the I/O
/// manager does with them (copy for buffered I/O, lock and map for direct I/O, pass through for
/// neither I/O) is exactly what it does in NT.
/// </summary>
public sealed class UserBuffer
{
    /// <summary>Describes <paramref name="bytes"/> at virtual address <paramref name="address"/>.</summary>
    /// <param name="address">The buffer's virtual address in the requester's address space.</param>
    /// <param name="bytes">The bytes.</param>
    public UserBuffer(ulong address, Memory<byte> bytes)
    {
        Address = address;
        Bytes = bytes;
    }

    /// <summary>The buffer's virtual address.</summary>
    public ulong Address { get; }

    /// <summary>The bytes.</summary>
    public Memory<byte> Bytes { get; }

    /// <summary>The length in bytes.</summary>
    public int Length => Bytes.Length;

    /// <inheritdoc />
    public override string ToString() => $"0x{Address:X16} ({Length} bytes)";
}

/// <summary>
/// An MDL of a locked requester buffer, as the I/O manager builds it for direct I/O
/// (Irp-&gt;MdlAddress). Mapping it (MmGetSystemAddressForMdlSafe) gives the same bytes the
/// requester sees, so a driver writing through the mapping writes the requester's buffer.
/// </summary>
public sealed class UserBufferMdl
{
    internal UserBufferMdl(UserBuffer buffer, int length, LockOperation operation)
    {
        Buffer = buffer;
        ByteCount = (uint)length;
        Operation = operation;
    }

    /// <summary>The buffer described.</summary>
    public UserBuffer Buffer { get; }

    /// <summary>MmGetMdlByteCount: the length described.</summary>
    public uint ByteCount { get; }

    /// <summary>MmGetMdlVirtualAddress: the buffer's virtual address.</summary>
    public ulong VirtualAddress => Buffer.Address;

    /// <summary>MmGetMdlByteOffset: the offset of the buffer in its first page.</summary>
    public uint ByteOffset => (uint)(Buffer.Address & 0xFFF);

    /// <summary>The access the pages were locked for (IoReadAccess: the device reads them).</summary>
    public LockOperation Operation { get; }

    /// <summary>Whether the pages are still locked (cleared when the I/O manager unlocks them at completion).</summary>
    public bool Locked { get; internal set; } = true;

    /// <summary>MmGetSystemAddressForMdlSafe: the system-space view of the locked pages.</summary>
    public Memory<byte> SystemAddress => Buffer.Bytes[..(int)ByteCount];
}
