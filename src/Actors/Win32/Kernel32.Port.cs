using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

public static partial class Kernel32
{
    /// <summary>IO_COMPLETION_ALL_ACCESS (0x1F0003): the access of a completion port's handle.</summary>
    private const uint IoCompletionAllAccess = 0x001F_0003;

    /// <summary>
    /// CreateIoCompletionPort: with <paramref name="fileHandle"/> INVALID_HANDLE_VALUE and no existing
    /// port, a new port (NtCreateIoCompletion) whose concurrency value is <paramref name="numberOfConcurrentThreads"/>
    /// (0 = the number of processors). With a file handle, associates the file with the port (the new
    /// one, or <paramref name="existingCompletionPort"/>): NtSetInformationFile(FileCompletionInformation)
    /// sets FILE_OBJECT.CompletionContext, and from then on each overlapped request on the file that
    /// pends or succeeds posts a packet (<paramref name="completionKey"/>, its OVERLAPPED, bytes, status).
    /// </summary>
    /// <param name="fileHandle">The file to associate, or INVALID_HANDLE_VALUE.</param>
    /// <param name="existingCompletionPort">The port to associate with, or NULL for a new one.</param>
    /// <param name="completionKey">The key the file's packets carry.</param>
    /// <param name="numberOfConcurrentThreads">The concurrency value of a new port.</param>
    /// <returns>
    /// The port's handle (the existing one when given); NULL with ERROR_INVALID_HANDLE for a handle that is
    /// not an open file or port, ERROR_INVALID_PARAMETER (87) for a synchronous handle (opened without
    /// FILE_FLAG_OVERLAPPED), a file already associated, or an existing port without a file.
    /// </returns>
    public static async ValueTask<Handle> CreateIoCompletionPort(Handle fileHandle, Handle existingCompletionPort, ulong completionKey, uint numberOfConcurrentThreads)
    {
        var teb = Enter();
        var process = teb.Process;
        FileObject? file = null;
        if (fileHandle != Handle.Invalid)
        {
            var status = process.ObReferenceObjectByHandle(fileHandle, out file);
            if (status != NtStatus.Success)
            {
                return FailedHandle(teb, status);
            }
            if (file!.SynchronousIo || file.CompletionContext is not null)
            {
                // NtSetInformationFile(FileCompletionInformation): a synchronous open (FO_SYNCHRONOUS_IO)
                // or one already associated is STATUS_INVALID_PARAMETER.
                await process.Io.IopDereferenceFileAtPassive(file);
                return FailedHandle(teb, NtStatus.InvalidParameter);
            }
        }
        IoCompletionObject? port;
        var portHandle = existingCompletionPort;
        if (existingCompletionPort == Handle.Null)
        {
            Wdm.NtCreateIoCompletion(out port, numberOfConcurrentThreads);
            var inserted = process.ObInsertObject(port, IoCompletionAllAccess, out portHandle);
            if (inserted != NtStatus.Success)
            {
                // STATUS_PROCESS_IS_TERMINATING: no handle; the creator's reference and the file's lookup go.
                port.ObDereferenceObject();
                if (file is not null)
                {
                    await process.Io.IopDereferenceFileAtPassive(file);
                }
                return FailedHandle(teb, inserted);
            }
            // The association's reference (below) is the one a lookup by the new handle would take.
            port.ObReferenceObject();
        }
        else
        {
            if (file is null)
            {
                return FailedHandle(teb, NtStatus.InvalidParameter);
            }
            var status = process.ObReferenceObjectByHandle(existingCompletionPort, out port);
            if (status != NtStatus.Success)
            {
                await process.Io.IopDereferenceFileAtPassive(file);
                return FailedHandle(teb, status);
            }
        }
        if (file is not null)
        {
            // The association keeps the lookup's reference to the port until the file object goes.
            // The check above raced with other threads: only one association may win (the loser's
            // port reference goes, or the port would never be deleted).
            if (!file.IopTrySetCompletionContext(new FileCompletionContext(port!, completionKey)))
            {
                port!.ObDereferenceObject();
                await process.Io.IopDereferenceFileAtPassive(file);
                if (existingCompletionPort == Handle.Null)
                {
                    await process.NtClose(portHandle);
                }
                return FailedHandle(teb, NtStatus.InvalidParameter);
            }
            await process.Io.IopDereferenceFileAtPassive(file);
        }
        else
        {
            port!.ObDereferenceObject();
        }
        Report(teb, NtStatus.Success);
        return portHandle;
    }

    /// <summary>
    /// GetQueuedCompletionStatus (NtRemoveIoCompletion): takes one packet from the port, waiting up to
    /// <paramref name="milliseconds"/>; the thread is associated with the port, whose concurrency value
    /// limits how many associated threads run at once.
    /// </summary>
    /// <param name="completionPort">The port's handle.</param>
    /// <param name="milliseconds">The timeout; <see cref="Infinite"/> for none; 0 polls.</param>
    /// <returns>
    /// TRUE with the packet of a successful request (or of PostQueuedCompletionStatus); FALSE with the
    /// packet and its error for a failed request (e.g. ERROR_OPERATION_ABORTED for a cancelled one);
    /// FALSE with no OVERLAPPED and WAIT_TIMEOUT (258) when none came in time; FALSE with no OVERLAPPED and
    /// ERROR_ABANDONED_WAIT_0 (735) when the port's last handle closed while the thread waited;
    /// ERROR_INVALID_HANDLE for a handle that is not a port.
    /// </returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<QueuedCompletion> GetQueuedCompletionStatus(Handle completionPort, uint milliseconds)
    {
        var teb = Enter();
        var status = teb.Process.ObReferenceObjectByHandle<IoCompletionObject>(completionPort, out var port);
        if (status != NtStatus.Success)
        {
            Report(teb, status);
            return new QueuedCompletion(false, 0, 0, null, status, teb.LastErrorValue);
        }
        // The lookup's reference keeps the port while the thread waits in it (dropped when the call returns).
        KiBeginUserWait(teb);
        var (removed, packet) = await Wdm.NtRemoveIoCompletion(port!, ToTimeout(milliseconds));
        port!.ObDereferenceObject();
        KiEndUserWait(teb);
        if (removed == NtStatus.Timeout)
        {
            teb.LastStatusValue = NtStatus.Timeout;
            teb.LastErrorValue = Win32Error.WaitTimeout;
            return new QueuedCompletion(false, 0, 0, null, NtStatus.Timeout, Win32Error.WaitTimeout);
        }
        if (removed == NtStatus.AbandonedWait0)
        {
            // The port's last handle closed while the thread waited: FALSE, no OVERLAPPED, ERROR_ABANDONED_WAIT_0.
            Report(teb, removed);
            return new QueuedCompletion(false, 0, 0, null, removed, teb.LastErrorValue);
        }
        var overlapped = packet.ApcContext as Overlapped;
        var succeeded = Report(teb, packet.Status);
        if (succeeded)
        {
            Report(teb, NtStatus.Success);
        }
        return new QueuedCompletion(succeeded, (uint)packet.Information, packet.KeyContext, overlapped, packet.Status, teb.LastErrorValue);
    }

    /// <summary>
    /// GetQueuedCompletionStatusEx (NtRemoveIoCompletionEx): waits up to <paramref name="milliseconds"/>
    /// for the first packet, then takes every packet already queued, up to <paramref name="entries"/>.Length.
    /// </summary>
    /// <param name="completionPort">The port's handle.</param>
    /// <param name="entries">Receives the packets (each with its own status in Internal).</param>
    /// <param name="milliseconds">The timeout; <see cref="Infinite"/> for none; 0 polls.</param>
    /// <returns>TRUE and the count; FALSE with WAIT_TIMEOUT when none came in time, ERROR_INVALID_PARAMETER for an empty array, ERROR_INVALID_HANDLE.</returns>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<(bool Succeeded, int Removed)> GetQueuedCompletionStatusEx(Handle completionPort, OverlappedEntry[] entries, uint milliseconds)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var teb = Enter();
        var status = teb.Process.ObReferenceObjectByHandle<IoCompletionObject>(completionPort, out var port);
        if (status == NtStatus.Success && entries.Length == 0)
        {
            port!.ObDereferenceObject();
            status = NtStatus.InvalidParameter;
        }
        if (status != NtStatus.Success)
        {
            Report(teb, status);
            return (false, 0);
        }
        var packets = teb.PacketBuffer is { } buffer && buffer.Length == entries.Length ? buffer : teb.PacketBuffer = new IoCompletionPacket[entries.Length];
        KiBeginUserWait(teb);
        var (removed, count) = await Wdm.NtRemoveIoCompletionEx(port!, packets, ToTimeout(milliseconds));
        port!.ObDereferenceObject();
        KiEndUserWait(teb);
        if (removed == NtStatus.Timeout)
        {
            teb.LastStatusValue = NtStatus.Timeout;
            teb.LastErrorValue = Win32Error.WaitTimeout;
            return (false, 0);
        }
        if (removed == NtStatus.AbandonedWait0)
        {
            Report(teb, removed);
            return (false, 0);
        }
        for (var i = 0; i < count; i++)
        {
            var packet = packets[i];
            entries[i] = new OverlappedEntry(packet.KeyContext, packet.ApcContext as Overlapped, (uint)packet.Information, packet.Status);
            packets[i] = default;
        }
        Report(teb, NtStatus.Success);
        return (true, count);
    }

    /// <summary>PostQueuedCompletionStatus (NtSetIoCompletion): queues a packet of the caller's own making.</summary>
    /// <param name="completionPort">The port's handle.</param>
    /// <param name="numberOfBytesTransferred">The packet's byte count.</param>
    /// <param name="completionKey">The packet's key.</param>
    /// <param name="overlapped">The packet's OVERLAPPED (any object the receiver understands), or null.</param>
    /// <returns>TRUE; FALSE with ERROR_INVALID_HANDLE for a handle that is not a port.</returns>
    public static bool PostQueuedCompletionStatus(Handle completionPort, uint numberOfBytesTransferred, ulong completionKey, Overlapped? overlapped)
    {
        var teb = Enter();
        var status = teb.Process.ObReferenceObjectByHandle<IoCompletionObject>(completionPort, out var port);
        if (status == NtStatus.Success)
        {
            status = Wdm.NtSetIoCompletion(port!, completionKey, overlapped, NtStatus.Success, numberOfBytesTransferred);
            port!.ObDereferenceObject();
        }
        return Report(teb, status);
    }

    private static Handle FailedHandle(Teb teb, NtStatus status)
    {
        Report(teb, status);
        return Handle.Null;
    }
}
