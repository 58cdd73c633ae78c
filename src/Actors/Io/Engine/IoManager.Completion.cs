using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    /// <summary>IofCompleteRequest.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    internal async ValueTask IopCompleteRequest(Irp irp, PriorityBoost priorityBoost)
    {
        _ = priorityBoost;
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
            passed.DeviceObject?.IopReportPassed();
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
                using (KeIoProcessor.Attribute(device?.DriverObject, routine))
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
    /// IopCompleteRequest, the part that runs once completion reached the top: in NT a kernel APC in
    /// the requester's thread; here at once, in the completer's context.
    /// </summary>
    private void IopFinishCompletedIrp(Irp irp, IrpMajorFunction major)
    {
        IoTrace.IrpCompleted(irp, major);
        if (!irp.ThreadedByIoManager)
        {
            // An IRP from IoAllocateIrp that no completion routine stopped: its owner frees it.
            return;
        }
        var status = irp.IoStatus.Status;
        if ((irp.Flags & IrpFlags.BufferedIo) != 0)
        {
            if ((irp.Flags & IrpFlags.InputOperation) != 0 && !status.IsError() && irp.UserBuffer is { } user && irp.SystemBuffer is { } system)
            {
                var count = (int)Math.Min(irp.IoStatus.Information, (ulong)Math.Min(user.Length, system.Length));
                if (IopCopyBack(user, system.AsSpan(0, count)) is var copied && copied != NtStatus.Success)
                {
                    // The requester freed its buffer meanwhile: the except clause of the copy-back.
                    irp.IoStatus.Status = status = copied;
                }
            }
            irp.SystemBuffer = null;
        }
        if (irp.MdlAddress is not null)
        {
            IopUnlockAndFreeMdls(irp);
        }
        IopSignalRequester(irp, status);
        IopRequestFinished(irp);
        irp.IsFreed = true;
        IopDereferenceRequestFile(irp);
    }
}
