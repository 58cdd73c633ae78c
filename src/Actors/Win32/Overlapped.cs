namespace ActorKernel.Actors;

/// <summary>
/// OVERLAPPED: the offset of an overlapped request, its event, and the status block the I/O
/// manager writes at completion (Internal = IO_STATUS_BLOCK.Status, InternalHigh = .Information).
/// The same object is the completion packet's context, so GetQueuedCompletionStatus gives it back.
/// </summary>
/// <remarks>
/// As in Windows, a Win32 call sets <see cref="Internal"/> to STATUS_PENDING before it asks the
/// kernel, so a request that failed without pending leaves it STATUS_PENDING (the kernel wrote nothing).
/// Do not reuse an OVERLAPPED until its request has completed.
/// </remarks>
public sealed class Overlapped
{
    /// <summary>Offset/OffsetHigh: where on the device the request starts.</summary>
    public long Offset { get; set; }

    /// <summary>hEvent: an event handle to signal at completion, or <see cref="Handle.Null"/> (then the file's own event is signalled).</summary>
    public Handle Event { get; set; }

    /// <summary>The IO_STATUS_BLOCK the I/O manager writes: this object's Internal and InternalHigh.</summary>
    internal IoStatusBlock StatusBlock { get; } = new();

    /// <summary>Internal: the request's NTSTATUS (STATUS_PENDING while it is in flight).</summary>
    public NtStatus Internal => StatusBlock.Status;

    /// <summary>InternalHigh: the bytes transferred.</summary>
    public ulong InternalHigh => StatusBlock.Information;

    /// <inheritdoc />
    public override string ToString() => FormattableString.Invariant($"OVERLAPPED(Offset {Offset}, {Internal.ToDisplayString()}, {InternalHigh} bytes)");
}

/// <summary>The result of ReadFile, WriteFile, DeviceIoControl and GetOverlappedResult.</summary>
/// <param name="Succeeded">The BOOL the call returned.</param>
/// <param name="BytesTransferred">*lpNumberOfBytesTransferred (0 unless it succeeded).</param>
/// <param name="Status">The NTSTATUS of the request (STATUS_PENDING for an overlapped request in flight).</param>
/// <param name="Error">The Win32 error (GetLastError): ERROR_SUCCESS on success, ERROR_IO_PENDING (997) for a request in flight.</param>
public readonly record struct IoResult(bool Succeeded, uint BytesTransferred, NtStatus Status, Win32Error Error)
{
    /// <summary>Whether the request is an overlapped one still in flight (FALSE with ERROR_IO_PENDING).</summary>
    public bool IsPending => !Succeeded && Error == Win32Error.IoPending;
}

/// <summary>The result of GetQueuedCompletionStatus.</summary>
/// <param name="Succeeded">TRUE when a packet of a successful request was removed.</param>
/// <param name="BytesTransferred">The packet's byte count.</param>
/// <param name="CompletionKey">The packet's key (the file's key, or PostQueuedCompletionStatus's).</param>
/// <param name="Overlapped">The packet's OVERLAPPED; null with FALSE when no packet was removed (timeout, bad port).</param>
/// <param name="Status">The packet's NTSTATUS, or the wait's (STATUS_TIMEOUT) when none was removed.</param>
/// <param name="Error">The Win32 error: the request's on a failed request's packet, WAIT_TIMEOUT (258) on timeout.</param>
public readonly record struct QueuedCompletion(bool Succeeded, uint BytesTransferred, ulong CompletionKey, Overlapped? Overlapped, NtStatus Status, Win32Error Error);

/// <summary>OVERLAPPED_ENTRY: one packet removed by GetQueuedCompletionStatusEx.</summary>
/// <param name="CompletionKey">lpCompletionKey.</param>
/// <param name="Overlapped">lpOverlapped.</param>
/// <param name="BytesTransferred">dwNumberOfBytesTransferred.</param>
/// <param name="Internal">Internal: the packet's NTSTATUS.</param>
public readonly record struct OverlappedEntry(ulong CompletionKey, Overlapped? Overlapped, uint BytesTransferred, NtStatus Internal);
