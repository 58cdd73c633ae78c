namespace ActorKernel.Actors;

// The services that pick outstanding requests by thread, file or OVERLAPPED (NtCancelIoFile(Ex),
// NtCancelSynchronousIoFile, thread rundown), over one predicate.
public sealed partial class IoManager
{
    /// <summary>
    /// Whether <paramref name="irp"/> is a request not yet finished and matching every filter given:
    /// of <paramref name="thread"/>, on <paramref name="file"/>, with <paramref name="apcContext"/>;
    /// <paramref name="threadBound"/> leaves out thread-agnostic requests (port-associated overlapped
    /// ones), which a thread's exit does not cancel. Caller holds <c>_outstandingLock</c>.
    /// </summary>
    private static bool IopIsUnfinished(Irp irp, object? thread, FileObject? file = null, object? apcContext = null, bool threadBound = false) =>
        !irp.RequestFinished
        && (!threadBound || !irp.ThreadAgnostic)
        && (thread is null || ReferenceEquals(irp.Thread, thread))
        && (file is null || ReferenceEquals(irp.OriginalFileObject, file))
        && (apcContext is null || ReferenceEquals(irp.UserApcContext, apcContext));

    /// <summary>
    /// IoCancelIrp for each unfinished request that <paramref name="match"/>es, in IRP address order,
    /// each held while it is cancelled so that a request finishing meanwhile and its IRP recycled is
    /// never taken for it.
    /// </summary>
    /// <returns>How many requests matched, and how many of them had a cancel routine called.</returns>
    private async ValueTask<(int Matched, int Cancelled)> IopCancelRequests(Func<Irp, bool> match)
    {
        var matched = 0;
        var cancelled = 0;
        foreach (var (irp, generation) in IopHoldOutstanding(match))
        {
            try
            {
                if (irp.IopIsRequest(generation))
                {
                    matched++;
                    if (await IopCancelIrp(irp).ConfigureAwait(false))
                    {
                        cancelled++;
                    }
                }
            }
            finally
            {
                irp.IopRelease();
            }
        }
        return (matched, cancelled);
    }

    /// <summary>Whether <paramref name="thread"/> has a request on <paramref name="file"/> not yet finished (what NtCancelIoFile waits for).</summary>
    internal bool IopHasOutstandingRequests(FileObject file, KThread thread)
    {
        lock (_outstandingLock)
        {
            foreach (var irp in _outstanding)
            {
                if (IopIsUnfinished(irp, thread, file))
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>
    /// NtCancelIoFile / NtCancelIoFileEx: IoCancelIrp for each request on <paramref name="file"/> not
    /// yet completed, of <paramref name="thread"/> only (when given) and whose APC context is
    /// <paramref name="apcContext"/> (when given), in IRP address order.
    /// </summary>
    /// <returns>How many requests matched (whether or not they had a cancel routine).</returns>
    internal async ValueTask<int> IopCancelFileRequests(FileObject file, KThread? thread, object? apcContext) =>
        (await IopCancelRequests(irp => IopIsUnfinished(irp, thread, file, apcContext)).ConfigureAwait(false)).Matched;

    /// <summary>NtCancelSynchronousIoFile: IoCancelIrp for the unfinished requests <paramref name="thread"/> issued on synchronous files.</summary>
    /// <returns>How many requests matched.</returns>
    internal async ValueTask<int> IopCancelSynchronousRequests(KThread thread) =>
        (await IopCancelRequests(irp => IopIsUnfinished(irp, thread) && irp.OriginalFileObject is { SynchronousIo: true }).ConfigureAwait(false)).Matched;
}
