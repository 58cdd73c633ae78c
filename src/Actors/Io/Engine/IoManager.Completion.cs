using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    /// <summary>IofCompleteRequest.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    internal async ValueTask IopCompleteRequest(Irp irp, PriorityBoost priorityBoost)
    {
        if (irp.CurrentLocation > irp.StackCount + 1 || irp.IsFreed)
        {
            throw IoManager.IopBugCheck(BugCheckCode.MultipleIrpCompleteRequests, irp.Address);
        }
        var cpu = InlineIoProcessor.Current;
        MakeCurrent();
        var completer = irp.CurrentLocation <= irp.StackCount ? irp.CurrentStackLocation.DeviceObject : null;
        var verify = IsVerified(completer?.DriverObject);
        if (verify)
        {
            IopVerifyCompleteRequest(irp, cpu.CurrentIrql);
        }
        KiChecked.IoCompleteRequest(irp); // the checked build's ASSERTs, after the free build's and Driver Verifier's checks as in NT
        var major = irp.CurrentLocation <= irp.StackCount ? irp.CurrentStackLocation.MajorFunction : irp.StackAt(irp.StackCount).MajorFunction;
        var tracing = Tracing;

        // As in NT: the location being passed is CurrentLocation - 1 once CurrentLocation has moved up.
        for (irp.CurrentLocation++; irp.CurrentLocation <= irp.StackCount + 1; irp.CurrentLocation++)
        {
            cpu.Charge(Costs.CompleteLocationNs);
            var passed = irp.StackAt(irp.CurrentLocation - 1);
            irp.PendingReturned = (passed.Control & StackLocationControl.PendingReturned) != 0;
            if ((irp.ReturnedPendingLocations & (1UL << passed.Index)) != 0 && !irp.PendingReturned && IsVerified(passed.DeviceObject?.DriverObject))
            {
                throw IopWdmDriverError(IoVerifierViolation.ReturnedPendingWithoutMarkPending, passed.DeviceObject!.DriverObject, irp, passed.DeviceObject);
            }
            irp.CompletedThroughLocation = passed.Location;
            passed.DeviceObject?.IopReportPassed(cpu);
            var status = irp.IoStatus.Status;
            var invoke = passed.CompletionRoutine is not null &&
                ((status.IsSuccess() && (passed.Control & StackLocationControl.InvokeOnSuccess) != 0) ||
                 (!status.IsSuccess() && (passed.Control & StackLocationControl.InvokeOnError) != 0) ||
                 (irp.Cancel && (passed.Control & StackLocationControl.InvokeOnCancel) != 0));
            if (invoke)
            {
                var routine = passed.CompletionRoutine!;
                var context = passed.Context;
                passed.ClearForCompletion();
                var device = irp.CurrentLocation == irp.StackCount + 1 ? null : irp.StackAt(irp.CurrentLocation).DeviceObject;
                IopCheckLoaded(device?.DriverObject, routine);
                NtStatus result;
                using (cpu is KeIoProcessor { Processor: var processor } ? IopAttribute(processor, device?.DriverObject, routine) : KeIoProcessor.Attribute(device?.DriverObject, routine))
                {
                    result = tracing
                        ? await IopInvokeCompletionTraced(routine, device, irp, context, cpu).ConfigureAwait(false)
                        : await routine(device, irp, context).ConfigureAwait(false);
                }
                if (result == NtStatus.MoreProcessingRequired)
                {
                    // The routine's driver owns the IRP again; do not touch it.
                    return;
                }
                if (irp.PendingReturned && irp.CurrentLocation <= irp.StackCount && device is not null && IsVerified(device.DriverObject)
                    && (irp.StackAt(irp.CurrentLocation).Control & StackLocationControl.PendingReturned) == 0)
                {
                    // Non-fatal in NT's verifier: logged, and the request goes on (and may hang its requester).
                    IopLogVerifierFinding(IoVerifierViolation.CompletionRoutineDidNotPropagatePending, device, irp, routine);
                }
            }
            else
            {
                if (irp.CurrentLocation <= irp.StackCount && irp.PendingReturned)
                {
                    Wdm.IoMarkIrpPending(irp);
                }
                passed.ClearForCompletion();
            }
        }
        if ((irp.Flags & IrpFlags.AssociatedIrp) != 0)
        {
            await IopCompleteAssociatedIrp(irp, priorityBoost); // IoMakeAssociatedIrp: IoManager.AssociatedIrp.cs
            return;
        }
        IopFinishCompletedIrp(irp, major);
    }

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private async ValueTask<NtStatus> IopInvokeCompletionTraced(IoCompletionRoutine routine, DeviceObject? device, Irp irp, object? context, IIoProcessor cpu)
    {
        var location = irp.CurrentLocation <= irp.StackCount ? irp.CurrentLocation : 0;
        var major = irp.StackAt(irp.CurrentLocation - 1).MajorFunction;
        var run = new IoRoutineEvent(IoRoutineKind.Completion, routine.Method.Name, device?.DriverObject, device, irp, location, major, cpu.Number, cpu.CurrentIrql);
        var activity = IoTrace.RoutineStarted(run, Observer);
        var result = await routine(device, irp, context).ConfigureAwait(false);
        IoTrace.RoutineFinished(run, activity, Observer, result);
        return result;
    }

    private readonly List<VerifierFinding> _verifierFindings = [];

    /// <summary>The non-fatal I/O verification findings so far (NT's verifier logs these instead of bugchecking).</summary>
    public IReadOnlyList<VerifierFinding> VerifierFindings
    {
        get
        {
            lock (_verifierFindings)
            {
                return [.. _verifierFindings];
            }
        }
    }

    private void IopLogVerifierFinding(IoVerifierViolation code, DeviceObject device, Irp irp, Delegate routine)
    {
        lock (_verifierFindings)
        {
            _verifierFindings.Add(new VerifierFinding(code, device.DriverObject.ImageName, routine.Method.Name, irp.Address, device.Address));
        }
    }

    private void IopVerifyCompleteRequest(Irp irp, Irql irql)
    {
        var status = irp.IoStatus.Status;
        if (status == NtStatus.Pending || (int)status == -1)
        {
            throw IoManager.IopBugCheck(BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.CompleteRequestWithPendingStatus, (ulong)(uint)status, irp.Address);
        }
        if (irp.CancelRoutine is { } cancel)
        {
            throw IoManager.IopBugCheck(BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.CompleteRequestWithCancelRoutineSet, RoutineAddress(cancel), irp.Address);
        }
        if (irql > Irql.DispatchLevel)
        {
            throw IoManager.IopBugCheck(BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.CompleteRequestAboveDispatch, (ulong)irql, irp.Address);
        }
    }

    /// <summary>
    /// Completion reached the top of an IRP with no thread (IoAllocateIrp, Tail.Overlay.Thread NULL) and
    /// no completion routine returned STATUS_MORE_PROCESSING_REQUIRED. IofCompleteRequest queues
    /// IopCompleteRequest as a kernel APC to that NULL thread, and KeInsertQueueApc faults on its APC
    /// queue lock at SYNCH_LEVEL: IRQL_NOT_LESS_OR_EQUAL (P1 the NULL thread, P2 SYNCH_LEVEL, P3 1 =
    /// write, P4 KeInsertQueueApc). A cancelled one is cleaned up instead (IopCleanupIrp: MDLs, system
    /// buffer, IRP freed), as ReactOS io/iomgr/irp.c IofCompleteRequest does.
    /// </summary>
    private void IopCompleteThreadlessIrp(Irp irp)
    {
        if (irp.Cancel)
        {
            if (irp.MdlAddress is not null)
            {
                IopUnlockAndFreeMdls(irp);
            }
            IopFreeSystemBuffer(irp);
            IopRequestFinished(irp);
            irp.IopMarkFreed();
            return;
        }
        const Irql SynchLevel = Irql.DeviceLevelMax; // SYNCH_LEVEL is 12 on x64
        var insertQueueApc = Processor.CurrentOrNull is { } processor ? processor.Machine.RoutineAddress(KernelModule.Kernel, "KeInsertQueueApc") : 0;
        throw IopBugCheck(BugCheckCode.IrqlNotLessOrEqual, 0, (ulong)SynchLevel, 1, insertQueueApc);
    }

    /// <summary>
    /// IopCompleteRequest, the part that runs once completion reached the top: in NT a kernel APC in
    /// the requester's thread; here at once, in the completer's context.
    /// </summary>
    private void IopFinishCompletedIrp(Irp irp, IrpMajorFunction major)
    {
        IoTrace.IrpCompleted(irp, major);
        if (!irp.ThreadedByIoManager && irp.Thread is null)
        {
            IopCompleteThreadlessIrp(irp);
            return;
        }
        var status = irp.IoStatus.Status;
        if ((irp.Flags & IrpFlags.BufferedIo) != 0)
        {
            // NT copies back unless the status is an error or STATUS_VERIFY_REQUIRED (a warning: the media changed).
            if ((irp.Flags & IrpFlags.InputOperation) != 0 && !status.IsError() && status != NtStatus.VerifyRequired && irp.UserBuffer is { } user && irp.SystemBuffer is { } system)
            {
                // A pooled buffer may be longer than asked: never copy back past the length the request asked for.
                var count = (int)Math.Min(irp.IoStatus.Information, (ulong)Math.Min(user.Length, Math.Min(system.Length, irp.SystemBufferLength)));
                if (IopCopyBack(user, system.AsSpan(0, count)) is var copied && copied != NtStatus.Success)
                {
                    // The requester freed its buffer meanwhile: the except clause of the copy-back.
                    irp.IoStatus.Status = status = copied;
                }
            }
        }
        IopFreeSystemBuffer(irp);
        if (irp.MdlAddress is not null)
        {
            IopUnlockAndFreeMdls(irp);
        }
        IopSignalRequester(irp, status);
        IopRequestFinished(irp);
        // The file's reference goes after the IRP is freed (its last one may send IRP_MJ_CLOSE inline);
        // the IRP goes back to the lookaside list now, or when the requester holding it lets go.
        var file = IopTakeRequestFileReference(irp);
        irp.IopMarkFreed();
        file?.ObDereferenceObject();
    }
}
