namespace ActorKernel.Actors;

/// <summary>
/// The PVOID that <see cref="Wdm.MmGetSystemAddressForMdlSafe(Mdl, uint)"/> returns: a system virtual
/// address mapping an MDL's locked pages (valid in every process context, at any IRQL &lt;= DISPATCH_LEVEL),
/// or, for the MDL of a managed requester buffer, those managed bytes. Copy through it with
/// <see cref="Wdm.RtlCopyMemory(SystemVa, ReadOnlySpan{byte})"/> and <see cref="Wdm.RtlCopyMemory(Span{byte}, SystemVa)"/>.
/// </summary>
public readonly struct SystemVa : IEquatable<SystemVa>
{
    private readonly Memory<byte> _managed;
    private readonly bool _managedForm;

    private SystemVa(ulong address, uint length, MemoryManager? memory, Memory<byte> managed, bool managedForm)
    {
        Address = address;
        Length = length;
        Memory = memory;
        _managed = managed;
        _managedForm = managedForm;
    }

    /// <summary>The system address (0 for the managed form).</summary>
    public ulong Address { get; }

    /// <summary>The bytes the mapping covers (the MDL's byte count).</summary>
    public uint Length { get; }

    /// <summary>NULL: the mapping failed (MmGetSystemAddressForMdlSafe returned NULL; fail the request with STATUS_INSUFFICIENT_RESOURCES).</summary>
    public bool IsNull => !_managedForm && Address == 0;

    internal MemoryManager? Memory { get; }

    internal bool IsManaged => _managedForm;

    internal Memory<byte> Managed => _managed;

    internal static SystemVa Mapped(ulong address, uint length, MemoryManager memory) => new(address, length, memory, default, false);

    internal static SystemVa OfManaged(Memory<byte> bytes) => new(0, (uint)bytes.Length, null, bytes, true);

    /// <inheritdoc />
    public bool Equals(SystemVa other) => Address == other.Address && Length == other.Length && _managedForm == other._managedForm && _managed.Equals(other._managed);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SystemVa other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Address, Length, _managedForm);

    /// <summary>Equality.</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when equal.</returns>
    public static bool operator ==(SystemVa left, SystemVa right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when different.</returns>
    public static bool operator !=(SystemVa left, SystemVa right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => _managedForm ? $"(managed, {Length} bytes)" : $"0x{Address:X16} ({Length} bytes)";
}
