using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// The requester's side of a request: issuing it for a synchronous or an overlapped open, reporting
// its completion (status block, event, completion packet), the file object's references, and the
// IRP_MJ_CLEANUP / IRP_MJ_CLOSE of its last handle and last reference.
public sealed partial class IoManager
{
    /// <summary>
    /// IopPrepareDeviceForRemoval: the PnP manager is removing the stack under <paramref name="device"/>
    /// (IRP_MN_QUERY_REMOVE_DEVICE succeeded): every device of the stack is marked DOE_REMOVE_PENDING,
    /// and new opens fail with STATUS_NO_SUCH_DEVICE until <see cref="IopCancelPrepareDeviceForRemoval"/>.
    /// The PnP manager calls it (PnpManager.Remove.cs: after a successful query-remove, before a surprise removal and IRP_MN_REMOVE_DEVICE).
    /// </summary>
    /// <param name="device">Any device of the stack.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public void IopPrepareDeviceForRemoval(DeviceObject device) => IopSetRemovePending(device, true);

    /// <summary>IopCancelPrepareDeviceForRemoval: the removal was cancelled (IRP_MN_CANCEL_REMOVE_DEVICE); opens work again.</summary>
    /// <param name="device">Any device of the stack.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public void IopCancelPrepareDeviceForRemoval(DeviceObject device) => IopSetRemovePending(device, false);

    private void IopSetRemovePending(DeviceObject device, bool pending)
    {
        ArgumentNullException.ThrowIfNull(device);
        lock (StackLock)
        {
            var bottom = device;
            while (bottom.AttachedTo is { } lower)
            {
                bottom = lower;
            }
            for (DeviceObject? d = bottom; d is not null; d = d.AttachedDevice)
            {
                d.RemovePending = pending;
            }
        }
    }

    /// <summary>
    /// SeAccessCheck of a user-mode open against the device's security (IopParseDevice):
    /// <paramref name="granted"/> is the desired access after generic mapping.
    /// </summary>
    internal static bool IopAccessCheck(DeviceObject device, FileAccessMask granted) => device.Security switch
    {
        DeviceSecurity.SystemOnly => false,
        DeviceSecurity.WorldReadOnly => (granted & ~(FileAccessMask.FileGenericRead | FileAccessMask.FileGenericExecute)) == 0,
        DeviceSecurity.WorldReadWrite => (granted & ~(FileAccessMask.FileGenericRead | FileAccessMask.FileGenericWrite)) == 0,
        _ => true,
    };

    /// <summary>
    /// ProbeForWrite of a user-mode requester's output buffer (NtReadFile, NtDeviceIoControlFile): a
    /// page the process has not allocated fails the request with STATUS_ACCESS_VIOLATION before any
    /// IRP is built, as the service's try/except around the probe does.
    /// </summary>
    internal static NtStatus IopProbeForWrite(KProcessorMode requestorMode, UserBuffer? buffer, uint length)
    {
        if (requestorMode != KProcessorMode.UserMode || length == 0 || buffer?.Process is not { Memory: { } memory } process)
        {
            return NtStatus.Success;
        }
        try
        {
            var delay = memory.ProbeForWrite(new MemoryAccessContext(Irql.PassiveLevel, process, null, 0), buffer.Address, length, 1);
            InlineIoProcessor.Current.Charge(delay + 1);
            return NtStatus.Success;
        }
        catch (NtStatusException e)
        {
            return e.Status;
        }
    }

    /// <summary>
    /// Issues a read, write or device control for its requester. A synchronous open waits for the
    /// result (then signals <paramref name="eventObject"/> and, for reads and writes, advances the
    /// current byte offset); for a user-mode open the requests of all its threads take turns under the
    /// file object's lock (IopAcquireFileObjectLock), so each waits for its own completion and reads
    /// the current byte offset only when its turn comes. An overlapped open returns what the dispatch
    /// routine returned. (The caller gave no offset when <c>useCurrentOffset</c> is set: a synchronous
    /// read or write then starts at the file's current byte offset.) A request that gets the lock after
    /// the file's IRP_MJ_CLEANUP returns STATUS_FILE_CLOSED without sending an IRP. The caller holds a
    /// reference to <paramref name="file"/> (its handle lookup's) until this returns.
    /// </summary>
    internal ValueTask<NtStatus> IopIssueRequest(DeviceObject top, Irp irp, FileObject file, IoStatusBlock iosb, KEvent? eventObject, object? apcContext,
        string requester, bool useCurrentOffset, bool advanceOffset)
    {
        IoTrace.RequestIssued(irp, file, requester);
        // The overlapped path is returned, not awaited: one state machine fewer to suspend and resume at every IoCallDriver hop.
        return file.SynchronousIo
            ? IopSynchronousRequest(top, irp, file, iosb, eventObject, requester, useCurrentOffset, advanceOffset)
            : IopAsynchronousCall(top, irp, file, iosb, eventObject, apcContext, requester);
    }

    /// <summary>
    /// <see cref="IopIssueRequest"/> for a synchronous open: the requests of a user-mode open take turns
    /// under the file object's lock, and each waits for its completion.
    /// </summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private async ValueTask<NtStatus> IopSynchronousRequest(DeviceObject top, Irp irp, FileObject file, IoStatusBlock iosb, KEvent? eventObject,
        string requester, bool useCurrentOffset, bool advanceOffset)
    {
        var onThread = Processor.CurrentOrNull?.KiCurrentThread is not null;
        var locked = onThread && file.RequestorMode == KProcessorMode.UserMode;
        if (locked)
        {
            await Wdm.KeWaitForSingleObject(file.Lock, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            if (file.CleanupComplete || file.CloseSent)
            {
                // The last handle closed while this request waited for its turn: IRP_MJ_CLEANUP went
                // (it took the lock before us), so no IRP is sent on the file any more.
                Wdm.KeSetEvent(file.Lock, (int)PriorityBoost.IoNoIncrement, false);
                if (irp.MdlAddress is not null)
                {
                    IopUnlockAndFreeMdls(irp);
                }
                Wdm.IoFreeIrp(irp); // gives the system buffer back too
                return NtStatus.FileClosed;
            }
        }
        var parameters = irp.NextStackLocation.Parameters.Read;
        if (useCurrentOffset)
        {
            parameters.ByteOffset = file.CurrentByteOffset;
        }
        var start = parameters.ByteOffset;
        if (eventObject is not null)
        {
            // The service clears the caller's event; completion signals it by IopCompleteRequest's rules
            // (never for a request that failed), not the service on its way out.
            irp.UserEvent = eventObject.IoSignal;
            if (Processor.CurrentOrNull is not null)
            {
                Wdm.KeClearEvent(eventObject);
            }
        }
        var status = await IopSynchronousCall(top, irp, file, iosb, requester).ConfigureAwait(false);
        if (advanceOffset && status.IsSuccess())
        {
            file.CurrentByteOffset = start + (long)iosb.Information;
        }
        if (locked)
        {
            // IopReleaseFileObjectLock: the next waiting request of the file goes.
            Wdm.KeSetEvent(file.Lock, (int)PriorityBoost.IoNoIncrement, false);
        }
        return status;
    }

    /// <summary>
    /// The I/O manager's path for an overlapped open (no IopSynchronousServiceTail wait): the request
    /// remembers its status block, event and APC context for completion; the caller gets the
    /// dispatch routine's status at once.
    /// </summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private async ValueTask<NtStatus> IopAsynchronousCall(DeviceObject top, Irp irp, FileObject file, IoStatusBlock iosb, KEvent? eventObject, object? apcContext, string requester)
    {
        irp.UserIosb = iosb;
        irp.OriginalFileObject = file;
        irp.ThreadedByIoManager = true;
        irp.AsynchronousRequest = true;
        irp.RequestorMode = file.RequestorMode;
        irp.UserApcContext = apcContext;
        irp.Thread ??= Processor.CurrentOrNull?.KiCurrentThread;
        irp.ThreadAgnostic = file.CompletionContext is not null;
        var onProcessor = Processor.CurrentOrNull is not null;
        if (eventObject is not null)
        {
            irp.UserEvent = eventObject.IoSignal;
            if (onProcessor)
            {
                Wdm.KeClearEvent(eventObject);
            }
        }
        file.Event.Clear();
        if (onProcessor)
        {
            Wdm.KeClearEvent(file.KeEvent);
        }
        IopRequestIssued(irp, IopOverlappedIssuer(requester));
        IopReferenceRequestFile(irp, file);
        // Held until IoCallDriver returned: a completion meanwhile frees the IRP but does not recycle it,
        // so IsFreed below is about this request, not a later one that got the same IRP.
        irp.IopTryHold();
        try
        {
            var status = await Wdm.IoCallDriver(top, irp).ConfigureAwait(false);
            if (status != NtStatus.Pending && !irp.IsFreed && IsVerified(top.DriverObject))
            {
                throw IopWdmDriverError(IoVerifierViolation.DispatchReturnedWithoutCompletingOrPending, top.DriverObject, irp, top);
            }
            return status;
        }
        finally
        {
            irp.IopRelease();
        }
    }

    // The stuck report's name of an overlapped request, without a string per request for the usual services.
    private static string IopOverlappedIssuer(string requester) => requester switch
    {
        "NtReadFile" => "NtReadFile (overlapped)",
        "NtWriteFile" => "NtWriteFile (overlapped)",
        "NtDeviceIoControlFile" => "NtDeviceIoControlFile (overlapped)",
        _ => requester + " (overlapped)",
    };

    /// <summary>
    /// IopCompleteRequest's report to the requester, NT's two cases (ReactOS io/iomgr/irp.c):
    /// <list type="bullet">
    /// <item>Success or a warning, or an error after STATUS_PENDING on a request that is not synchronous
    /// (neither IRP_SYNCHRONOUS_API nor an FO_SYNCHRONOUS_IO file): the status block is written, the
    /// caller's event signalled (and a synchronous file's event, with FinalStatus), else the file
    /// object's event; a completion packet goes to the file's port.</item>
    /// <item>An error otherwise: nothing, unless it went pending on a file object; then an
    /// IRP_SYNCHRONOUS_API request gets its status block and its event (else the file's), and a
    /// request on a synchronous file only the file's FinalStatus and event, which the waiting service
    /// returns (the caller's status block and event stay untouched).</item>
    /// </list>
    /// A request that failed without STATUS_PENDING thus writes and signals nothing, however it was
    /// built: its requester saw the failure as IoCallDriver's return.
    /// </summary>
    private void IopSignalRequester(Irp irp, NtStatus status)
    {
        var file = irp.OriginalFileObject;
        var synchronousApi = (irp.Flags & IrpFlags.SynchronousApi) != 0;
        var synchronous = synchronousApi || file is { SynchronousIo: true };
        // IRP_DEFER_IO_COMPLETION without PendingReturned: NT finishes the request in the service once
        // IoCallDriver returned (not STATUS_PENDING), so the file's event is never set for it; a service
        // that got STATUS_PENDING without the IRP marked pending waits for good.
        var fileEvent = file is not null && ((irp.Flags & IrpFlags.DeferIoCompletion) == 0 || irp.PendingReturned);
        if (!status.IsError() || (irp.PendingReturned && !synchronous))
        {
            IopWriteStatusBlock(irp, status);
            if (irp.UserEvent is { } userEvent)
            {
                userEvent.Set();
                if (fileEvent && file is { SynchronousIo: true })
                {
                    IopSetFileEvent(file, status);
                }
            }
            else if (fileEvent)
            {
                IopSetFileEvent(file!, status);
            }
            if (irp.AsynchronousRequest)
            {
                IopPostCompletionPacket(irp, status);
            }
            return;
        }
        if (!irp.PendingReturned || file is null)
        {
            return;
        }
        if (synchronousApi)
        {
            IopWriteStatusBlock(irp, status);
            if (irp.UserEvent is { } userEvent)
            {
                userEvent.Set();
                return;
            }
        }
        IopSetFileEvent(file, status);
    }

    private static void IopWriteStatusBlock(Irp irp, NtStatus status)
    {
        if (irp.UserIosb is { } iosb)
        {
            iosb.Status = status;
            iosb.Information = irp.IoStatus.Information;
        }
    }

    /// <summary>
    /// Posts the completion packet of an overlapped request whose file is associated with a
    /// completion port (FILE_OBJECT.CompletionContext) and that carries an APC context (the OVERLAPPED):
    /// the file's key, the context, the status and the bytes. Runs in the completer's context, often a DPC.
    /// </summary>
    private static void IopPostCompletionPacket(Irp irp, NtStatus status)
    {
        if (irp.OriginalFileObject?.CompletionContext is { } context && irp.UserApcContext is { } apcContext)
        {
            Wdm.NtSetIoCompletion(context.Port, context.Key, apcContext, status, irp.IoStatus.Information);
        }
    }

    private static void IopSetFileEvent(FileObject file, NtStatus status)
    {
        file.FinalStatus = status;
        if (Processor.CurrentOrNull is not null)
        {
            Wdm.KeSetEvent(file.KeEvent, (int)PriorityBoost.IoNoIncrement, false);
        }
        file.Event.Set();
    }

    /// <summary>Every request on a file object holds a reference to it from when it is sent until it completes.</summary>
    private static void IopReferenceRequestFile(Irp irp, FileObject file)
    {
        if (!file.CloseSent)
        {
            file.ObReferenceObject();
            irp.FileReferenced = true;
        }
    }

    /// <summary>Takes the request's reference off the IRP, for the caller to drop (the last one of an opened file sends IRP_MJ_CLOSE, IopDeleteFile).</summary>
    private static FileObject? IopTakeRequestFileReference(Irp irp)
    {
        if (irp.FileReferenced && irp.OriginalFileObject is { } file)
        {
            irp.FileReferenced = false;
            return file;
        }
        return null;
    }

    /// <summary>
    /// IopCloseFile: IRP_MJ_CLEANUP for <paramref name="file"/>, its last handle closed; the driver
    /// completes the file's queued IRPs. For a user-mode synchronous open it is sent under the file
    /// object's lock, as NT does: it waits for the synchronous request in progress (another thread's)
    /// to finish, and the requests still waiting for the lock after it get STATUS_FILE_CLOSED.
    /// </summary>
    internal async ValueTask<NtStatus> IopSendCleanup(FileObject file)
    {
        var locked = file.SynchronousIo && file.RequestorMode == KProcessorMode.UserMode && Processor.CurrentOrNull?.KiCurrentThread is not null;
        if (locked)
        {
            await Wdm.KeWaitForSingleObject(file.Lock, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        }
        var status = await IopSendFileRequest(file, IrpMajorFunction.Cleanup, "NtClose").ConfigureAwait(false);
        file.CleanupComplete = true;
        if (locked)
        {
            Wdm.KeSetEvent(file.Lock, (int)PriorityBoost.IoNoIncrement, false);
        }
        return status;
    }

    /// <summary>
    /// Builds and sends the IRP_MJ_CLEANUP or IRP_MJ_CLOSE of <paramref name="file"/> to the top of its
    /// stack and waits for it; a close is IRP_CLOSE_OPERATION and gives back the device's open count.
    /// </summary>
    internal async ValueTask<NtStatus> IopSendFileRequest(FileObject file, IrpMajorFunction major, string requester)
    {
        var top = Wdm.IoGetRelatedDeviceObject(file);
        var irp = Wdm.IoAllocateIrp(this, top.StackSize, false);
        var next = irp.NextStackLocation;
        next.MajorFunction = major;
        next.FileObject = file;
        // IopCloseFile's IRPs are IRP_SYNCHRONOUS_API (the I/O manager's own status block and wait).
        irp.Flags |= IrpFlags.SynchronousApi;
        if (major == IrpMajorFunction.Close)
        {
            irp.Flags |= IrpFlags.CloseOperation;
        }
        var status = await IopSynchronousCall(top, irp, file, new IoStatusBlock(), requester).ConfigureAwait(false);
        if (major == IrpMajorFunction.Close && file.Vpb is { } vpb)
        {
            IopDereferenceVpb(vpb); // IopDeleteFile: the open of a file on the volume is gone
        }
        if (major == IrpMajorFunction.Close && Interlocked.Decrement(ref file.DeviceObject.OpenCountField) == 0)
        {
            // IopDecrementDeviceObjectRef: a surprise-removed stack waits for its last close.
            PnpManager?.IopDeviceClosed(file.DeviceObject);
        }
        return status;
    }

    /// <summary>
    /// IopDeleteFile, the file object's delete procedure: the last reference went. The last
    /// dereference may come from a completion in a DPC at DISPATCH_LEVEL, so IRP_MJ_CLOSE is sent from
    /// a system worker thread at PASSIVE_LEVEL (a thread of its own when the machine has no workers).
    /// A file whose IRP_MJ_CREATE failed gets no IRP_MJ_CLOSE.
    /// </summary>
    internal void IopDeleteFile(FileObject file)
    {
        if (!file.Opened || file.CloseSent)
        {
            return;
        }
        file.CloseSent = true;
        if (ReferenceEquals(t_dereferencingAtPassive, file))
        {
            // ObDereferenceObject at PASSIVE_LEVEL runs the delete procedure in the caller's thread.
            t_closeHere = true;
            return;
        }
        if (Processor.CurrentOrNull is not { } processor)
        {
            // Outside the processor model requests complete inline: so does the close.
            _ = IopSendClose(file);
            return;
        }
        var machine = processor.Machine;
        if (machine.Options.SystemWorkerThreads > 0)
        {
            var item = new IoWorkItem(file.DeviceObject, KernelModule.Kernel) { Routine = (_, context) => IopSendClose((FileObject)context!), Context = file, RoutineName = "IopDeleteFile" };
            item.EnsureAddress(machine);
            machine.KiQueueWorkItem(item, processor);
        }
        else
        {
            machine.CreateSystemThread(processor.Number, KernelModule.Kernel, "IopDeleteFile", context => IopSendClose((FileObject)context!), file);
        }
    }

    // The file whose reference the running thread drops at PASSIVE_LEVEL (IopDereferenceFileAtPassive), and
    // whether that dereference was the last: set and read around one synchronous call on this OS thread.
    [ThreadStatic]
    private static FileObject? t_dereferencingAtPassive;

    [ThreadStatic]
    private static bool t_closeHere;

    /// <summary>
    /// ObDereferenceObject of a file by a thread at PASSIVE_LEVEL (the handle's reference, in NtClose):
    /// when it is the last, IRP_MJ_CLOSE is sent now, in this thread, before the caller goes on, as NT
    /// runs the delete procedure inline at PASSIVE_LEVEL; otherwise the last request's completion sends it later.
    /// </summary>
    /// <remarks>Not async itself: a dereference that is not the last (every request's) returns a completed task.</remarks>
    internal ValueTask IopDereferenceFileAtPassive(FileObject file)
    {
        t_dereferencingAtPassive = file;
        t_closeHere = false;
        try
        {
            file.ObDereferenceObject();
        }
        finally
        {
            t_dereferencingAtPassive = null;
        }
        if (!t_closeHere)
        {
            return ValueTask.CompletedTask;
        }
        t_closeHere = false;
        return IopSendClose(file);
    }

    private async ValueTask IopSendClose(FileObject file)
    {
        MakeCurrent();
        await IopSendFileRequest(file, IrpMajorFunction.Close, "IopDeleteFile").ConfigureAwait(false);
        // The file's association held a reference to its completion port.
        file.CompletionContext?.Port.ObDereferenceObject();
    }
}
