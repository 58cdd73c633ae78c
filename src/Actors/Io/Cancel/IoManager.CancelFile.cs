namespace ActorKernel.Actors;

// The services that pick outstanding requests by thread, file or OVERLAPPED (NtCancelIoFile(Ex),
// NtCancelSynchronousIoFile, thread rundown), over one predicate.
public sealed partial class IoManager
{
    /// <summary>
    /// Whether <paramref name="entry"/> is a request not yet finished and matching every filter given:
    /// of <paramref name="thread"/>, on <paramref name="file"/>, with <paramref name="apcContext"/>;
    /// <paramref name="threadBound"/> leaves out thread-agnostic requests (port-associated overlapped
    /// ones), which a thread's exit does not cancel. Caller holds the lock of <c>_outstanding</c>.
    /// </summary>
    private static bool IopIsUnfinished(Outstanding entry, object? thread, FileObject? file = null, object? apcContext = null, bool threadBound = false) =>
        !entry.Finished
        && (!threadBound || !entry.Irp.ThreadAgnostic)
        && (thread is null || ReferenceEquals(entry.Irp.Thread, thread))
        && (file is null || ReferenceEquals(entry.Irp.OriginalFileObject, file))
        && (apcContext is null || ReferenceEquals(entry.Irp.UserApcContext, apcContext));

    /// <summary>The unfinished requests matching the filters, in IRP address order.</summary>
    private List<Irp> IopUnfinishedRequests(object? thread, FileObject? file = null, object? apcContext = null, bool threadBound = false, bool synchronousOnly = false)
    {
        var irps = new List<Irp>();
        lock (_outstanding)
        {
            foreach (var entry in _outstanding.Values)
            {
                if (IopIsUnfinished(entry, thread, file, apcContext, threadBound)
                    && (!synchronousOnly || entry.Irp.OriginalFileObject is { SynchronousIo: true }))
                {
                    irps.Add(entry.Irp);
                }
            }
        }
        return irps;
    }

    /// <summary>Whether <paramref name="thread"/> has a request on <paramref name="file"/> not yet finished (what NtCancelIoFile waits for).</summary>
    internal bool IopHasOutstandingRequests(FileObject file, KThread thread)
    {
        lock (_outstanding)
        {
            foreach (var entry in _outstanding.Values)
            {
                if (IopIsUnfinished(entry, thread, file))
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
    internal async ValueTask<int> IopCancelFileRequests(FileObject file, KThread? thread, object? apcContext)
    {
        var matched = 0;
        foreach (var irp in IopUnfinishedRequests(thread, file, apcContext))
        {
            if (!irp.IsFreed)
            {
                matched++;
                await IopCancelIrp(irp).ConfigureAwait(false);
            }
        }
        return matched;
    }

    /// <summary>NtCancelSynchronousIoFile: IoCancelIrp for the unfinished requests <paramref name="thread"/> issued on synchronous files.</summary>
    /// <returns>How many requests matched.</returns>
    internal async ValueTask<int> IopCancelSynchronousRequests(KThread thread)
    {
        var matched = 0;
        foreach (var irp in IopUnfinishedRequests(thread, synchronousOnly: true))
        {
            if (!irp.IsFreed)
            {
                matched++;
                await IopCancelIrp(irp).ConfigureAwait(false);
            }
        }
        return matched;
    }
}
