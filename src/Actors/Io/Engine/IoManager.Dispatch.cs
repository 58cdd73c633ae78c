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
    /// <remarks>Kept small: its state machine is copied into a pooled box at every hop.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    internal async ValueTask<NtStatus> IopCallDriverHop(DriverDispatch dispatch, DeviceObject device, Irp irp, IoStackLocation location, Irql irqlBefore, bool verify,
        KiHop hop, ActorKernel.Runtime.IActorRef actor)
    {
        await new KiHopAwaitable(hop, actor);
        hop.Processor.KiCheckHopIrql(irqlBefore);
        try
        {
            if (verify || TracingFor(irp, irqlBefore))
            {
                return await IopCallDriverChecked(dispatch, device, irp, location, irqlBefore, verify).ConfigureAwait(false);
            }
            using (KeIoProcessor.Attribute(device.DriverObject, dispatch))
            {
                return await dispatch(device, irp).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not BugCheckException)
        {
            // A caller that did not await IoCallDriver drops this task: the exception would vanish with it and the
            // IRP never complete. Stop the machine now, as a routine's unhandled exception does when it is awaited.
            hop.Processor.KiBugCheckForHopException(e);
            throw;
        }
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

    /// <summary>Fills <paramref name="processor"/>'s reusable IoCallDriver hop for this IRP (the caller already counted it on the device).</summary>
    internal static KiHop IopPrepareHop(Processor processor, DeviceObject device, Irp irp, IoStackLocation location, Irql irql)
    {
        // A caller that did not await an earlier IoCallDriver may call again while that hop is in flight: the
        // processor's reusable hop is taken then, so this one (told once the first finished) gets its own.
        var hop = processor.Top is { State: not FrameState.Running }
            ? new IopIrpHop(processor)
            : (IopIrpHop)(processor.IoCallDriverHop ??= new IopIrpHop(processor));
        hop.Device = device;
        hop.Irp = irp.Address;
        hop.MajorFunction = location.MajorFunction;
        hop.Location = location.Location;
        hop.Irql = irql;
        hop.TimeNs = processor.Now;
        return hop;
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
