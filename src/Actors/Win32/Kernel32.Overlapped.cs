namespace ActorKernel.Actors;

public static partial class Kernel32
{
    /// <summary>HasOverlappedIoCompleted: whether the request's status block no longer says STATUS_PENDING.</summary>
    /// <param name="overlapped">The request's OVERLAPPED.</param>
    /// <returns>True once the I/O manager wrote the final status.</returns>
    public static bool HasOverlappedIoCompleted(Overlapped overlapped)
    {
        ArgumentNullException.ThrowIfNull(overlapped);
        return overlapped.Internal != NtStatus.Pending;
    }

    /// <summary>
    /// GetOverlappedResult: the outcome of an overlapped request. While it is in flight: with
    /// <paramref name="wait"/> the thread waits on the OVERLAPPED's event (else the file's own event);
    /// without, FALSE with ERROR_IO_INCOMPLETE (996).
    /// </summary>
    /// <param name="file">The file's handle (its event is waited on when the OVERLAPPED has none).</param>
    /// <param name="overlapped">The request's OVERLAPPED.</param>
    /// <param name="wait">Whether to wait for the request.</param>
    /// <returns>TRUE with the bytes moved; FALSE with the request's error (ERROR_OPERATION_ABORTED (995) for a cancelled one) or ERROR_IO_INCOMPLETE.</returns>
    public static async ValueTask<IoResult> GetOverlappedResult(Handle file, Overlapped overlapped, bool wait)
    {
        ArgumentNullException.ThrowIfNull(overlapped);
        var teb = Enter();
        if (overlapped.Internal == NtStatus.Pending)
        {
            if (!wait)
            {
                teb.LastStatusValue = NtStatus.Pending;
                teb.LastErrorValue = Win32Error.IoIncomplete;
                return new IoResult(false, 0, NtStatus.Pending, Win32Error.IoIncomplete);
            }
            KDispatcherObject waitable;
            KernelObject referenced;
            if (overlapped.Event.IsValid)
            {
                var status = teb.Process.ObReferenceObjectByHandle<EventObject>(overlapped.Event, out var eventObject);
                if (status != NtStatus.Success)
                {
                    return Failed(teb, status);
                }
                waitable = eventObject!.Event;
                referenced = eventObject;
            }
            else
            {
                var status = teb.Process.ObReferenceObjectByHandle<FileObject>(file, out var fileObject);
                if (status != NtStatus.Success)
                {
                    return Failed(teb, status);
                }
                waitable = fileObject!.KeEvent;
                referenced = fileObject;
            }
            KiBeginUserWait(teb);
            await Wdm.KeWaitForSingleObject(waitable, KWaitReason.UserRequest, KProcessorMode.UserMode, false, null);
            teb.InUserWait = false;
            if (referenced is FileObject waitedFile)
            {
                await teb.Process.Io.IopDereferenceFileAtPassive(waitedFile);
            }
            else
            {
                referenced.ObDereferenceObject();
            }
            KiEndUserWait(teb);
        }
        // kernel32: *lpNumberOfBytesTransferred = InternalHigh always; FALSE unless NT_SUCCESS(Internal)
        // (a warning such as STATUS_BUFFER_OVERFLOW is FALSE with ERROR_MORE_DATA and its bytes).
        var final = overlapped.Internal;
        var bytes = (uint)overlapped.InternalHigh;
        if (!Report(teb, final))
        {
            return new IoResult(false, bytes, final, teb.LastErrorValue);
        }
        Report(teb, NtStatus.Success);
        return new IoResult(true, bytes, final, Win32Error.Success);
    }

    /// <summary>
    /// CancelIo (NtCancelIoFile): IoCancelIrp for every request this thread issued on the handle that has
    /// not completed, then waits, in 100 ms steps (KeDelayExecutionThread), until none of them remains.
    /// </summary>
    /// <param name="file">The file's handle.</param>
    /// <returns>TRUE (also when nothing was in flight); FALSE with ERROR_INVALID_HANDLE for a handle that is not an open file.</returns>
    /// <remarks>
    /// The cancelled requests complete with STATUS_CANCELLED (ERROR_OPERATION_ABORTED) when their drivers'
    /// cancel routines run; CancelIo returns only after they did (a request whose driver never completes it keeps the caller waiting).
    /// </remarks>
    public static async ValueTask<bool> CancelIo(Handle file)
    {
        var teb = Enter();
        var status = teb.Process.ObReferenceObjectByHandle<FileObject>(file, out var fileObject);
        if (status == NtStatus.Success)
        {
            var io = teb.Process.Io;
            var thread = Processor.Current.KiCurrentThread!;
            await io.IopCancelFileRequests(fileObject!, thread, null);
            while (io.IopHasOutstandingRequests(fileObject!, thread))
            {
                await Wdm.KeDelayExecutionThread(KProcessorMode.KernelMode, false, -100 * 10_000);
            }
            await io.IopDereferenceFileAtPassive(fileObject!);
        }
        return Report(teb, status);
    }

    /// <summary>CancelIoEx (NtCancelIoFileEx): IoCancelIrp for the requests on the handle, of any thread, or only the one of <paramref name="overlapped"/>; it does not wait for them.</summary>
    /// <param name="file">The file's handle.</param>
    /// <param name="overlapped">The request to cancel, or null for all of the handle's.</param>
    /// <returns>TRUE; FALSE with ERROR_NOT_FOUND (1168, STATUS_NOT_FOUND) when no request in flight matched, or ERROR_INVALID_HANDLE.</returns>
    public static async ValueTask<bool> CancelIoEx(Handle file, Overlapped? overlapped)
    {
        var teb = Enter();
        var status = teb.Process.ObReferenceObjectByHandle<FileObject>(file, out var fileObject);
        if (status == NtStatus.Success)
        {
            var matched = await teb.Process.Io.IopCancelFileRequests(fileObject!, null, overlapped);
            status = matched > 0 ? NtStatus.Success : NtStatus.NotFound;
            await teb.Process.Io.IopDereferenceFileAtPassive(fileObject!);
        }
        return Report(teb, status);
    }

    /// <summary>
    /// CancelSynchronousIo (NtCancelSynchronousIoFile): IoCancelIrp for the synchronous request that
    /// <paramref name="thread"/> (a thread of this process) is waiting for, on any synchronous handle. It
    /// does not wait. This is how a program gets a thread out of a synchronous request a driver holds,
    /// e.g. before (or while) CloseHandle of a synchronous handle waits for that request's file lock.
    /// </summary>
    /// <param name="thread">The thread whose synchronous I/O to cancel.</param>
    /// <returns>TRUE; FALSE with ERROR_NOT_FOUND (1168) when the thread has no synchronous request in flight.</returns>
    public static async ValueTask<bool> CancelSynchronousIo(KThread thread)
    {
        ArgumentNullException.ThrowIfNull(thread);
        var teb = Enter();
        var matched = await teb.Process.Io.IopCancelSynchronousRequests(thread);
        return Report(teb, matched > 0 ? NtStatus.Success : NtStatus.NotFound);
    }
}
