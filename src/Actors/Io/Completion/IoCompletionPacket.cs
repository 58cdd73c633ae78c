namespace ActorKernel.Actors;

/// <summary>
/// One completion packet as NtRemoveIoCompletion returns it (FILE_IO_COMPLETION_INFORMATION):
/// the key of the file's association (or of PostQueuedCompletionStatus), the APC context (the
/// OVERLAPPED of the request), and the request's IO_STATUS_BLOCK (Status, Information = bytes).
/// </summary>
/// <param name="KeyContext">The completion key.</param>
/// <param name="ApcContext">The per-request context (the OVERLAPPED).</param>
/// <param name="Status">The request's final status.</param>
/// <param name="Information">The request's Information (bytes transferred).</param>
public readonly record struct IoCompletionPacket(ulong KeyContext, object? ApcContext, NtStatus Status, ulong Information);

/// <summary>
/// FILE_OBJECT.CompletionContext (FILE_COMPLETION_CONTEXT): the port a file is associated with and
/// the key its packets carry. CreateIoCompletionPort sets it; a request on the file that pends posts
/// a packet to <paramref name="Port"/> with <paramref name="Key"/> when it completes.
/// </summary>
/// <param name="Port">The I/O completion object.</param>
/// <param name="Key">The completion key.</param>
public sealed record FileCompletionContext(IoCompletionObject Port, ulong Key);
