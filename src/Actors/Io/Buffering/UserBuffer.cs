namespace ActorKernel.Actors;

/// <summary>
/// A requester's buffer: its virtual address and length, and where its bytes live. Two forms:
/// a range of a user process's memory (<see cref="UserBuffer(AddressSpace, ulong, int)"/>: the bytes
/// are in that process's Mm pages, reached only through its address space, as a Win32 caller's
/// buffer is), or a managed block (<see cref="UserBuffer(ulong, Memory{byte})"/>: kernel-mode
/// requesters and inline tests with no machine). What the I/O manager does with either (copy for
/// buffered I/O, lock and map for direct I/O, pass the address through for neither I/O) is what it
/// does in NT.
/// </summary>
public sealed class UserBuffer
{
    private readonly Memory<byte> _bytes;

    /// <summary>Describes <paramref name="bytes"/> at virtual address <paramref name="address"/> (the managed form).</summary>
    /// <param name="address">The buffer's virtual address in the requester's address space.</param>
    /// <param name="bytes">The bytes.</param>
    public UserBuffer(ulong address, Memory<byte> bytes)
    {
        Address = address;
        _bytes = bytes;
        Length = bytes.Length;
    }

    /// <summary>
    /// Describes <paramref name="length"/> bytes at <paramref name="address"/> in <paramref name="process"/>'s
    /// user space: the I/O manager reads and writes them in the process's pages (for buffered I/O, at
    /// completion too, whatever process is current then, as NT's IopCompleteRequest APC does in the
    /// requester's thread).
    /// </summary>
    /// <param name="process">The requester's process (its address space).</param>
    /// <param name="address">The buffer's user address in that process.</param>
    /// <param name="length">The length in bytes.</param>
    public UserBuffer(AddressSpace process, ulong address, int length)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (process.Memory is null)
        {
            throw new ArgumentException("The address space belongs to no memory manager.", nameof(process));
        }
        Process = process;
        Address = address;
        Length = length;
    }

    /// <summary>The buffer's virtual address.</summary>
    public ulong Address { get; }

    /// <summary>The process whose user space holds the bytes, or null for the managed form.</summary>
    public AddressSpace? Process { get; }

    /// <summary>True when the bytes live in a process's pages (<see cref="Process"/> is set).</summary>
    public bool IsProcessBacked => Process is not null;

    /// <summary>The bytes of the managed form.</summary>
    /// <exception cref="InvalidOperationException">The buffer is process-backed: its bytes are reached through the process's address space.</exception>
    public Memory<byte> Bytes => Process is null
        ? _bytes
        : throw new InvalidOperationException($"{this} lives in {Process}'s pages: touch it through Mm in that process's context.");

    /// <summary>The length in bytes.</summary>
    public int Length { get; }

    /// <summary>
    /// Reads the first <c>destination.Length</c> bytes of the buffer as its requester would (the I/O
    /// manager's copy-in under try/except): a process-backed buffer through its process's pages.
    /// </summary>
    /// <param name="destination">Receives the bytes.</param>
    /// <param name="faultDelayNanoseconds">The page-fault time to charge.</param>
    /// <returns>STATUS_SUCCESS, or STATUS_ACCESS_VIOLATION when a page of the range is not valid user memory.</returns>
    internal NtStatus IopRead(Span<byte> destination, out long faultDelayNanoseconds)
    {
        if (Process is null)
        {
            faultDelayNanoseconds = 0;
            _bytes.Span[..destination.Length].CopyTo(destination);
            return NtStatus.Success;
        }
        var result = Process.Memory!.UserRead(Process, Address, destination);
        faultDelayNanoseconds = result.FaultDelayNanoseconds;
        return result.Status;
    }

    /// <summary>Writes <paramref name="source"/> at the start of the buffer in its requester's memory (the I/O manager's copy-back).</summary>
    /// <param name="source">The bytes.</param>
    /// <param name="faultDelayNanoseconds">The page-fault time to charge.</param>
    /// <returns>STATUS_SUCCESS, or STATUS_ACCESS_VIOLATION when a page of the range is not valid user memory.</returns>
    internal NtStatus IopWrite(ReadOnlySpan<byte> source, out long faultDelayNanoseconds)
    {
        if (Process is null)
        {
            faultDelayNanoseconds = 0;
            source.CopyTo(_bytes.Span);
            return NtStatus.Success;
        }
        var result = Process.Memory!.UserWrite(Process, Address, source);
        faultDelayNanoseconds = result.FaultDelayNanoseconds;
        return result.Status;
    }

    /// <inheritdoc />
    public override string ToString() => Process is null
        ? $"0x{Address:X16} ({Length} bytes)"
        : $"0x{Address:X16} ({Length} bytes) in {Process}";
}
