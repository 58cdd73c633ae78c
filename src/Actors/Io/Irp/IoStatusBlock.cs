namespace ActorKernel.Actors;

/// <summary>
/// IO_STATUS_BLOCK: the final status of a request and a request-dependent count (bytes moved for
/// reads and writes). Irp-&gt;IoStatus is one; the I/O manager copies it into the requester's block
/// (Irp-&gt;UserIosb) when the request completes.
/// </summary>
public sealed class IoStatusBlock
{
    /// <summary>The completion status.</summary>
    public NtStatus Status { get; set; }

    /// <summary>Request-dependent: bytes transferred for reads, writes and IOCTLs.</summary>
    public ulong Information { get; set; }

    /// <summary>
    /// Information when it carries a pointer (ULONG_PTR) to a structure the driver allocated, as the
    /// PnP requests return theirs (DEVICE_RELATIONS, an ID string, IO_RESOURCE_REQUIREMENTS_LIST,
    /// CM_RESOURCE_LIST). Null when none.
    /// </summary>
    public object? InformationPointer { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Status.ToDisplayString()}, Information {Information}";
}
