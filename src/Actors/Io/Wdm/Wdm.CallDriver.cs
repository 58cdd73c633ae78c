namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// IoCallDriver: sends the IRP to <paramref name="deviceObject"/>: moves to the next stack
    /// location, records the device in it, and runs the device's driver's dispatch routine for the
    /// location's major function on the caller's processor at the caller's IRQL.
    /// </summary>
    /// <param name="deviceObject">The target device (the one the caller attached to, or the top of a stack).</param>
    /// <param name="irp">The IRP, whose next location the caller filled in.</param>
    /// <returns>The dispatch routine's status: the final status, or STATUS_PENDING.</returns>
    /// <remarks>
    /// <para>
    /// IRQL &lt;= DISPATCH_LEVEL. No location left bugchecks NO_MORE_IRP_STACK_LOCATIONS (0x35). A NULL
    /// device is an access violation at 0x8 (0xC9/0x204 with I/O verification).
    /// With I/O verification: above DISPATCH_LEVEL 0xC9/0x10; a dispatch routine that returns at
    /// another IRQL 0xC9/0x5; STATUS_PENDING without IoMarkIrpPending 0xC9/0x23D; IoMarkIrpPending
    /// without STATUS_PENDING 0xC9/0x23E; a cancel routine still set 0xC9/0x203.
    /// </para>
    /// <para>
    /// On a simulated processor (a routine of a machine the I/O manager is attached to) the hop is a
    /// message. The caller's checks (all of the above but the checks of the dispatch routine's
    /// return) run first, on the caller's processor, so a bugcheck's dump names the calling driver.
    /// Then the arrival is counted on the device (its actor's statistics) and the calling routine is
    /// suspended until its processor's own Continue, once IoCallDriver's cost is paid in virtual time;
    /// the processor runs the dispatch routine as a nested call at the caller's IRQL, and the
    /// caller's await returns its status. Between the send and the dispatch routine's first
    /// instruction other actors run (another processor, a device, a timer), in an order the
    /// deterministic dispatcher draws from its seed. Interrupts that arrive meanwhile are taken before
    /// the dispatch routine runs, as after any yield. A device already deleted gets no hop (its
    /// dispatch routine is called directly). Await the result at once (or return it to a caller that
    /// does), as every kernel awaitable: the calling frame is already suspended when IoCallDriver
    /// returns, so code between the call and the await would run before the dispatch routine.
    /// A dispatch routine that passes down the IRP it is dispatching, before it first suspended, gets
    /// no hop: the next dispatch routine runs at once, inside this call, as in NT (one delivery per
    /// request through a stack, not one per driver).
    /// </para>
    /// <para>
    /// Not awaited (<c>IoMarkIrpPending; _ = IoCallDriver(lower, irp); return STATUS_PENDING;</c>): the
    /// caller's next suspension (a yield, a wait, another IoCallDriver) or its return waits until the
    /// dispatch routine returned, so the IRP reaches the driver exactly once and in NT's order; a change
    /// of IRQL or a spin before that stops the machine with KMODE_EXCEPTION_NOT_HANDLED
    /// (STATUS_ASSERTION_FAILURE) naming the calling driver.
    /// </para>
    /// <para>
    /// Off a processor (unit tests and tools with no machine: <see cref="InlineIoProcessor"/>) it is a
    /// direct call; a device that has an actor is told <see cref="IrpArrived"/> after the fact.
    /// </para>
    /// </remarks>
    public static ValueTask<NtStatus> IoCallDriver(DeviceObject deviceObject, Irp irp)
    {
        const ulong DeviceObjectDriverObjectOffset = 0x8; // DEVICE_OBJECT.DriverObject on x64
        KiSchedulingPoint.Write(irp);
        KiChecked.IoCallDriver(); // the checked build's IRQL assertion
        ArgumentNullException.ThrowIfNull(irp);
        var manager = irp.Manager;
        var cpu = InlineIoProcessor.Current;
        manager.MakeCurrent();
        if (deviceObject is null)
        {
            var sender = irp.SkippedBy?.DriverObject ?? (irp.CurrentLocation <= irp.StackCount ? irp.CurrentStackLocation.DeviceObject?.DriverObject : null);
            if (manager.IsVerified(sender) || manager.VerifyAllDrivers)
            {
                throw IoManager.IopBugCheck(BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.CallDriverNullDeviceObject, 0, irp.Address, 0);
            }
            // Unverified, IofCallDriver reads DeviceObject->DriverObject (offset 0x8 on x64) through NULL:
            // an access violation the caller's frame turns into 0x1E / 0x7E.
            throw new NtStatusException(NtStatus.AccessViolation, DeviceObjectDriverObjectOffset, MemoryAccessType.Read);
        }
        cpu.Charge(manager.Costs.CallDriverNs);
        // The caller owns the current location, or skipped it (then the current one is the caller's caller's).
        var caller = irp.SkippedBy?.DriverObject ?? (irp.CurrentLocation <= irp.StackCount ? irp.CurrentStackLocation.DeviceObject?.DriverObject : null);
        irp.SkippedBy = null;
        var driver = deviceObject.DriverObject;
        var verify = manager.IsVerified(caller) || manager.IsVerified(driver);
        var irql = cpu.CurrentIrql;
        if (verify)
        {
            // Special pool: an IRP a verified driver saw is never recycled, so its use after free stays detectable.
            irp.NeverRecycle = true;
            if (irql > Irql.DispatchLevel)
            {
                throw IoManager.IopBugCheck(BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.CallDriverAboveDispatch, (ulong)irql);
            }
            if (irp.CancelRoutine is not null)
            {
                throw IoManager.IopWdmDriverError(IoVerifierViolation.CallDriverWithCancelRoutineSet, caller ?? driver, irp, deviceObject);
            }
            IoManager.IopVerifyTargetDevice(deviceObject, irp);
        }
        irp.CurrentLocation--;
        if (irp.CurrentLocation <= 0)
        {
            throw IoManager.IopBugCheck(BugCheckCode.NoMoreIrpStackLocations, irp.Address);
        }
        var location = irp.CurrentStackLocation;
        location.DeviceObject = deviceObject;
        var bit = 1UL << location.Index;
        irp.MarkedPendingLocations &= ~bit;
        irp.ReturnedPendingLocations &= ~bit;
        if (irp.CompletedThroughLocation >= location.Location)
        {
            irp.CompletedThroughLocation = location.Location - 1;
        }
        var dispatch = driver.MajorFunction[(int)location.MajorFunction];
        manager.IopCheckLoaded(driver, dispatch);
        if (cpu is KeIoProcessor { Processor: { Top: { } frame } processor } && deviceObject.IopHops)
        {
            deviceObject.IopReportArrived(processor.Number, location.MajorFunction);
            var hop = IoManager.IopPrepareHop(manager, processor, dispatch, deviceObject, irp, location, irql, verify);
            if (ReferenceEquals(processor.IoDispatchingIrp, irp) && frame.State == FrameState.Running)
            {
                // A dispatch routine passes its IRP down before it suspended: the next dispatch routine runs now, nested.
                return hop.StartNested();
            }
            // Otherwise the hop is the caller's processor's own Continue after the charge; the dispatch routine runs then.
            return hop.Start();
        }
        if (deviceObject.Actor is { } told && !deviceObject.DeletePending)
        {
            told.Tell(new IrpArrived(irp.Address, location.MajorFunction, location.Location, cpu.Number, irql, manager.IopNow()));
        }
        if (!verify && !manager.TracingFor(irp, irql) && cpu is InlineIoProcessor)
        {
            return dispatch(deviceObject, irp);
        }
        return manager.IopCallDriverChecked(dispatch, deviceObject, irp, location, irql, verify);
    }
}
