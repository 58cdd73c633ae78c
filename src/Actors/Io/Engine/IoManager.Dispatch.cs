using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    /// <summary>Whether routine runs must be reported (an observer is set or someone listens to <see cref="IoTrace"/>).</summary>
    internal bool Tracing => Observer is not null || IoTrace.Enabled;

    /// <summary>
    /// IoCallDriver's path on a processor: the hop to the device's actor (the routine waits until the
    /// actor resumes it), then the dispatch routine, under the trace hook and the verifier when on.
    /// </summary>
    /// <remarks>
    /// Kept small: its state machine is copied into a pooled box at every hop, so the call's arguments
    /// ride on the hop, which is taken apart as soon as the routine resumes.
    /// </remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    internal async ValueTask<NtStatus> IopCallDriverHop(IopIrpHop hop)
    {
        await new KiHopAwaitable(hop);
        var processor = hop.Processor;
        var dispatch = hop.Dispatch;
        var device = hop.Device;
        var irp = hop.Request;
        var irqlBefore = hop.Irql;
        var verify = hop.Verify;
        var location = hop.StackLocation;
        IopReleaseHop(hop); // before the dispatch routine, whose own IoCallDriver may take it
        processor.KiCheckHopIrql(irqlBefore);
        try
        {
            if (verify || Tracing)
            {
                return await IopCallDriverChecked(dispatch, device, irp, location, irqlBefore, verify).ConfigureAwait(false);
            }
            using (IopAttribute(processor, device.DriverObject, dispatch))
            {
                return await dispatch(device, irp).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not BugCheckException)
        {
            // A caller that did not await IoCallDriver drops this task: the exception would vanish with it and the
            // IRP never complete. Stop the machine now, as a routine's unhandled exception does when it is awaited.
            processor.KiBugCheckForHopException(e);
            throw;
        }
    }

    /// <summary>
    /// <see cref="KeIoProcessor.Attribute"/> for a routine about to run on <paramref name="processor"/>,
    /// the running one (known to the caller: no thread-static lookup).
    /// </summary>
    internal static KeIoProcessor.Attribution IopAttribute(Processor processor, DriverObject? driver, Delegate routine)
    {
        if (driver is null || processor.Top is not { } frame)
        {
            return default;
        }
        var scope = new KernelContext.ModuleScope(frame, frame.Module, frame.RoutineName);
        frame.Module = driver.Module;
        frame.RoutineName = routine.Method.Name;
        return new KeIoProcessor.Attribution(scope, true);
    }

    /// <summary>IoCallDriver's slow path: the dispatch routine under the trace hook and the verifier's checks around it.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    internal async ValueTask<NtStatus> IopCallDriverChecked(DriverDispatch dispatch, DeviceObject device, Irp irp, IoStackLocation location, Irql irqlBefore, bool verify)
    {
        var routine = new IoRoutineEvent(IoRoutineKind.Dispatch, dispatch.Method.Name, device.DriverObject, device, irp, location.Location,
            location.MajorFunction, InlineIoProcessor.Current.Number, irqlBefore);
        var activity = Tracing ? IoTrace.RoutineStarted(routine, Observer) : null;
        NtStatus status;
        using (KeIoProcessor.Attribute(device.DriverObject, dispatch))
        {
            status = await dispatch(device, irp).ConfigureAwait(false);
        }
        IoTrace.RoutineFinished(routine, activity, Observer, status);
        if (verify)
        {
            IopVerifyDispatchReturn(device, irp, location, irqlBefore, status);
        }
        return status;
    }

    /// <summary>Takes a hop from <paramref name="processor"/>'s pool and fills it for this IRP (the caller already counted it on the device).</summary>
    internal static IopIrpHop IopPrepareHop(Processor processor, ActorKernel.Runtime.IActorRef actor, DriverDispatch dispatch, DeviceObject device, Irp irp,
        IoStackLocation location, Irql irql, bool verify)
    {
        // A hop is out of the pool from here until its routine resumed and took its arguments: a caller that did not
        // await an earlier IoCallDriver, or a DPC that runs before a resumed routine continues, gets another one.
        var hop = (IopIrpHop?)processor.IoCallDriverHop;
        if (hop is null)
        {
            hop = new IopIrpHop(processor);
        }
        else
        {
            processor.IoCallDriverHop = hop.NextFree;
            hop.NextFree = null;
        }
        hop.Target = actor;
        hop.Device = device;
        hop.Irp = irp.Address;
        hop.MajorFunction = location.MajorFunction;
        hop.Location = location.Location;
        hop.Irql = irql;
        hop.TimeNs = processor.Now;
        hop.Dispatch = dispatch;
        hop.Request = irp;
        hop.StackLocation = location;
        hop.Verify = verify;
        return hop;
    }

    /// <summary>Gives a hop back to its processor's pool, on that processor, once its routine took its arguments.</summary>
    private static void IopReleaseHop(IopIrpHop hop)
    {
        var processor = hop.Processor;
        hop.NextFree = processor.IoCallDriverHop;
        processor.IoCallDriverHop = hop;
    }

    /// <summary>
    /// The verifier's checks of the device an IRP is sent to, against the driver that owns it:
    /// DO_DEVICE_INITIALIZING still set (0x243), both DO_BUFFERED_IO and DO_DIRECT_IO (0x245), and a
    /// device attached above one that buffers that did not copy its buffering flags (0x244): the I/O
    /// manager buffers by the top device's flags, so a filter must copy them.
    /// </summary>
    internal static void IopVerifyTargetDevice(DeviceObject device, Irp irp)
    {
        var driver = device.DriverObject;
        if (!driver.Manager.IsVerified(driver))
        {
            return;
        }
        const DeviceObjectFlags Buffering = DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo;
        if ((device.Flags & DeviceObjectFlags.DeviceInitializing) != 0)
        {
            throw IopWdmDriverError(IoVerifierViolation.DeviceInitializingNotCleared, driver, irp, device);
        }
        if ((device.Flags & Buffering) == Buffering)
        {
            throw IopWdmDriverError(IoVerifierViolation.BufferedAndDirectIoBothSet, driver, irp, device);
        }
        if (device.AttachedTo is { } lower && (lower.Flags & Buffering) != 0 && (lower.Flags & Buffering) != (device.Flags & Buffering))
        {
            throw IopWdmDriverError(IoVerifierViolation.IoFlagsNotCopied, driver, irp, device);
        }
    }

    /// <summary>The verifier's checks when a dispatch routine returns (IovCallDriver's post-processing).</summary>
    private void IopVerifyDispatchReturn(DeviceObject device, Irp irp, IoStackLocation location, Irql irqlBefore, NtStatus status)
    {
        var irqlAfter = InlineIoProcessor.Current.CurrentIrql;
        if (irqlAfter != irqlBefore)
        {
            throw IoManager.IopBugCheck(BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.IrqlChangedDuringDispatch,
                device.Address, (ulong)irqlBefore, (ulong)irqlAfter);
        }
        var bit = 1UL << location.Index;
        var marked = (irp.MarkedPendingLocations & bit) != 0;
        if (status == NtStatus.Pending)
        {
            if (!marked)
            {
                if (irp.CompletedThroughLocation >= location.Location)
                {
                    // Completion already went past this location without SL_PENDING_RETURNED.
                    throw IopWdmDriverError(IoVerifierViolation.ReturnedPendingWithoutMarkPending, device.DriverObject, irp, device);
                }
                // Completion has not reached this location yet: check when it does (IoMarkIrpPending may still come from a completion routine).
                irp.ReturnedPendingLocations |= bit;
            }
        }
        else if (marked)
        {
            throw IopWdmDriverError(IoVerifierViolation.MarkedPendingWithoutReturningPending, device.DriverObject, irp, device);
        }
    }
}
