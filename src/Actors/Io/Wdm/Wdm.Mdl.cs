namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>NormalPagePriority (16), the usual priority for MmGetSystemAddressForMdlSafe.</summary>
    public const uint NormalPagePriority = 16;

    /// <summary>
    /// MmGetSystemAddressForMdlSafe: a system address for the pages a direct-I/O MDL locked
    /// (Irp-&gt;MdlAddress): bytes written through it land in the requester's physical pages, whatever
    /// process is current when the driver writes (a DPC, a system thread).
    /// </summary>
    /// <param name="mdl">Irp-&gt;MdlAddress.</param>
    /// <param name="priority">Page priority (NormalPagePriority).</param>
    /// <returns>The mapping, or NULL (<see cref="SystemVa.IsNull"/>) when the MDL is not locked or system PTEs ran out.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static SystemVa MmGetSystemAddressForMdlSafe(Mdl mdl, uint priority)
    {
        ArgumentNullException.ThrowIfNull(mdl);
        _ = priority;
        if (mdl.IsManaged)
        {
            InlineIoProcessor.Current.Charge(1);
            return (mdl.Flags & MdlFlags.PagesLocked) != 0 ? SystemVa.OfManaged(mdl.ManagedBytes) : default;
        }
        if (Processor.CurrentOrNull is null)
        {
            var memory = mdl.Process?.Memory ?? throw new InvalidOperationException("A system MDL is mapped only on a processor.");
            return SystemVa.Mapped(memory.MmGetSystemAddressForMdlSafe(MemoryAccessContext.KernelPassive, mdl), mdl.ByteCount, memory);
        }
        var address = MmGetSystemAddressForMdlSafe(mdl);
        return SystemVa.Mapped(address, mdl.ByteCount, Processor.Current.Machine.Memory);
    }

    /// <summary>RtlCopyMemory into a mapped buffer (what a driver does with the pointer MmGetSystemAddressForMdlSafe returned). Await it.</summary>
    /// <param name="destination">The mapping.</param>
    /// <param name="source">The bytes.</param>
    /// <returns>The awaitable charging the copy (locked pages never fault).</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. Like the C routine, an Mm mapping is not bounds-checked: writing past it touches whatever follows.</remarks>
    public static KernelYield RtlCopyMemory(SystemVa destination, ReadOnlySpan<byte> source)
    {
        if (destination.IsManaged)
        {
            source.CopyTo(destination.Managed.Span);
            InlineIoProcessor.Current.Charge(MiCopyCost((ulong)source.Length) + 1);
            return default;
        }
        if (Processor.CurrentOrNull is null)
        {
            destination.Memory!.Write(MemoryAccessContext.KernelPassive, destination.Address, source);
            return default;
        }
        return RtlCopyMemory(destination.Address, source);
    }

    /// <summary>RtlCopyMemory out of a mapped buffer into the routine's own bytes. Await it.</summary>
    /// <param name="destination">The bytes to fill (its length is the count copied).</param>
    /// <param name="source">The mapping.</param>
    /// <returns>The awaitable charging the copy.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static KernelYield RtlCopyMemory(Span<byte> destination, SystemVa source)
    {
        if (source.IsManaged)
        {
            source.Managed.Span[..destination.Length].CopyTo(destination);
            InlineIoProcessor.Current.Charge(MiCopyCost((ulong)destination.Length) + 1);
            return default;
        }
        if (Processor.CurrentOrNull is null)
        {
            source.Memory!.Read(MemoryAccessContext.KernelPassive, source.Address, destination);
            return default;
        }
        return RtlCopyMemory(destination, source.Address);
    }

    /// <summary>
    /// RtlCopyMemory to a requester's raw address (METHOD_NEITHER's Irp-&gt;UserBuffer): the address
    /// resolves in the process that is current now, so only a routine running in the requester's
    /// context reaches the requester's bytes. Await it.
    /// </summary>
    /// <param name="destination">The requester's buffer (its address; a managed buffer is written directly).</param>
    /// <param name="source">The bytes.</param>
    /// <returns>The awaitable charging the copy and its page faults.</returns>
    /// <exception cref="NtStatusException">STATUS_ACCESS_VIOLATION when the address is not valid in the current process (catch it, as __try/__except).</exception>
    /// <remarks>IRQL &lt; DISPATCH_LEVEL (user pages are pageable: a fault at DISPATCH_LEVEL bugchecks 0xD1/0xA).</remarks>
    public static KernelYield RtlCopyMemory(UserBuffer destination, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.IsProcessBacked)
        {
            source.CopyTo(destination.Bytes.Span);
            InlineIoProcessor.Current.Charge(MiCopyCost((ulong)source.Length) + 1);
            return default;
        }
        return RtlCopyMemory(destination.Address, source);
    }

    /// <summary>RtlCopyMemory from a requester's raw address (METHOD_NEITHER's Type3InputBuffer), resolved in the current process. Await it.</summary>
    /// <param name="destination">The bytes to fill (its length is the count copied).</param>
    /// <param name="source">The requester's buffer.</param>
    /// <returns>The awaitable charging the copy and its page faults.</returns>
    /// <exception cref="NtStatusException">STATUS_ACCESS_VIOLATION when the address is not valid in the current process.</exception>
    /// <remarks>IRQL &lt; DISPATCH_LEVEL.</remarks>
    public static KernelYield RtlCopyMemory(Span<byte> destination, UserBuffer source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.IsProcessBacked)
        {
            source.Bytes.Span[..destination.Length].CopyTo(destination);
            InlineIoProcessor.Current.Charge(MiCopyCost((ulong)destination.Length) + 1);
            return default;
        }
        return RtlCopyMemory(destination, source.Address);
    }
}
