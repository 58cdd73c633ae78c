using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    /// <summary>Whether routine runs must be reported (an observer is set or someone listens to <see cref="IoTrace"/>).</summary>
    internal bool Tracing => Observer is not null || IoTrace.Enabled;

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

    /// <summary>Takes a hop from <paramref name="processor"/>'s pool and fills it for this IRP (the caller already counted the arrival on the device).</summary>
    internal static IopIrpHop IopPrepareHop(IoManager manager, Processor processor, DriverDispatch dispatch, DeviceObject device, Irp irp,
        IoStackLocation location, Irql irql, bool verify)
    {
        // A hop is out of the pool from here until its caller read the status: a dispatch routine's own IoCallDriver, a
        // caller that did not await an earlier one, or a DPC that runs before a resumed routine continues gets another.
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
        // The pool is a stack, so an IRP's hop at each depth is the same object every time: a reference that did not
        // change is not stored again (each store is a GC write barrier).
        if (!ReferenceEquals(hop.Manager, manager))
        {
            hop.Manager = manager;
        }
        if (!ReferenceEquals(hop.Device, device))
        {
            hop.Device = device;
        }
        if (!ReferenceEquals(hop.Dispatch, dispatch))
        {
            hop.Dispatch = dispatch;
        }
        if (!ReferenceEquals(hop.Request, irp))
        {
            hop.Request = irp;
        }
        if (!ReferenceEquals(hop.StackLocation, location))
        {
            hop.StackLocation = location;
        }
        hop.Irql = irql;
        hop.Verify = verify;
        return hop;
    }

    /// <summary>Gives a hop back to its processor's pool, on that processor, once its caller read the status.</summary>
    internal static void IopReleaseHop(IopIrpHop hop)
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
