namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>IoAllocateIrp: a new IRP with <paramref name="stackSize"/> locations, from the current I/O manager.</summary>
    /// <param name="stackSize">Locations needed: the target device's StackSize (plus one to keep one for the caller).</param>
    /// <param name="chargeQuota">Charge the requester's quota (recorded, not enforced).</param>
    /// <returns>The IRP; the caller frees it with IoFreeIrp.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static Irp IoAllocateIrp(sbyte stackSize, bool chargeQuota) => IoAllocateIrp(IoManager.Current, stackSize, chargeQuota);

    /// <summary>
    /// IoAllocateIrp on a given I/O manager: from its lookaside list for the stack size when one is
    /// free (a recycled IRP, indistinguishable from a new one but for its <see cref="Irp.Generation"/>
    /// and possibly its address), else a new IRP.
    /// </summary>
    /// <param name="manager">The I/O manager.</param>
    /// <param name="stackSize">Locations needed (1..64).</param>
    /// <param name="chargeQuota">Charge the requester's quota (recorded, not enforced).</param>
    /// <returns>The IRP.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static Irp IoAllocateIrp(IoManager manager, sbyte stackSize, bool chargeQuota)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentOutOfRangeException.ThrowIfLessThan(stackSize, (sbyte)1);
        KiChecked.IoAllocateIrp();
        _ = chargeQuota;
        InlineIoProcessor.Current.Charge(manager.Costs.AllocateIrpNs);
        return manager.IopAllocateIrp(stackSize);
    }

    /// <summary>
    /// IoFreeIrp: returns an IRP from IoAllocateIrp (or IoBuildAsynchronousFsdRequest) to the I/O
    /// manager's lookaside list, with the system buffer the I/O manager gave it (IRP_DEALLOCATE_BUFFER).
    /// The next IoAllocateIrp of the same stack size may hand out the same object again, with a new
    /// <see cref="Irp.Generation"/>: do not touch a freed IRP.
    /// </summary>
    /// <param name="irp">The IRP; it must not be in use by any driver.</param>
    /// <remarks>
    /// IRQL &lt;= DISPATCH_LEVEL. With I/O verification, freeing an IRP a driver still holds is 0xC9/0x20B.
    /// Freeing an IRP twice: Driver Verifier documents no 0xC9 subcode of its own for it (on NT the
    /// verified IRP sits in special pool and the second free faults on it); with I/O verification
    /// (the IRP reached a verified driver, the freeing driver is verified, or VerifyAllDrivers) it is
    /// reported here as the nearest documented one, 0xC9/0x20B "IoFreeIrp on an IRP in use"
    /// (P2 the freeing driver, P3 the IRP, P4 0). Without verification NT's behaviour is undefined
    /// (the lookaside list may get the IRP twice); here the second free is ignored, quietly, and the
    /// IRP goes back to the list once.
    /// </remarks>
    public static void IoFreeIrp(Irp irp)
    {
        ArgumentNullException.ThrowIfNull(irp);
        var manager = irp.Manager;
        if (irp.IsFreed)
        {
            var freeing = IopFreeingDriver(manager);
            if (irp.NeverRecycle || manager.VerifyAllDrivers || manager.IsVerified(freeing))
            {
                throw IoManager.IopWdmDriverError(IoVerifierViolation.FreeIrpInUse, freeing, irp, null);
            }
            KiChecked.IoFreeIrp(irp); // the checked build's ASSERT(Irp->Type == IO_TYPE_IRP)
            return;
        }
        KiChecked.IoFreeIrp(irp);
        if (irp.CurrentLocation <= irp.StackCount && manager.IsVerified(irp.CurrentStackLocation.DeviceObject?.DriverObject))
        {
            throw IoManager.IopWdmDriverError(IoVerifierViolation.FreeIrpInUse, irp.CurrentStackLocation.DeviceObject?.DriverObject, irp, irp.CurrentStackLocation.DeviceObject);
        }
        manager.IopFreeSystemBuffer(irp);
        if (IoTraceRecorder.Active)
        {
            IoTraceRecorder.For(manager)?.IrpEnded(irp); // the request of a driver's own IRP ends with it (IoTraceRecorder.Freed.cs)
        }
        irp.IopMarkFreed();
    }

    /// <summary>The driver whose routine calls IoFreeIrp (null outside a driver's routine).</summary>
    private static DriverObject? IopFreeingDriver(IoManager manager) =>
        Processor.CurrentOrNull is { Top: { } frame } && frame.Module != KernelModule.Kernel ? manager.IopDriverOfModule(frame.Module) : null;

    /// <summary>IoReuseIrp: makes a completed IRP from IoAllocateIrp ready to send again, with IoStatus.Status = <paramref name="status"/>.</summary>
    /// <param name="irp">The IRP.</param>
    /// <param name="status">The initial status (STATUS_SUCCESS, or STATUS_NOT_SUPPORTED for PnP requests).</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void IoReuseIrp(Irp irp, NtStatus status)
    {
        ArgumentNullException.ThrowIfNull(irp);
        if (IoTraceRecorder.Active)
        {
            IoTraceRecorder.For(irp.Manager)?.IrpEnded(irp); // sent again: a new request (IoTraceRecorder.Freed.cs)
        }
        irp.Initialize();
        irp.IoStatus.Status = status;
    }

    /// <summary>IoGetCurrentIrpStackLocation: the caller's location.</summary>
    /// <param name="irp">The IRP.</param>
    /// <returns>The current location.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static IoStackLocation IoGetCurrentIrpStackLocation(Irp irp) => irp.CurrentStackLocation;

    /// <summary>IoGetNextIrpStackLocation: the location of the driver below.</summary>
    /// <param name="irp">The IRP.</param>
    /// <returns>The next-lower location.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static IoStackLocation IoGetNextIrpStackLocation(Irp irp) => irp.NextStackLocation;

    /// <summary>IoSkipCurrentIrpStackLocation: the driver below gets the caller's own location (no completion routine possible).</summary>
    /// <param name="irp">The IRP.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void IoSkipCurrentIrpStackLocation(Irp irp)
    {
        ArgumentNullException.ThrowIfNull(irp);
        // The skipping driver still owns the IRP until its IoCallDriver: the verifier's caller of that call.
        irp.SkippedBy = irp.CurrentLocation <= irp.StackCount ? irp.CurrentStackLocation.DeviceObject : null;
        irp.CurrentLocation++;
    }

    /// <summary>IoSetNextIrpStackLocation: makes the next location current without IoCallDriver (for a driver that calls a lower routine itself).</summary>
    /// <param name="irp">The IRP.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void IoSetNextIrpStackLocation(Irp irp)
    {
        irp.CurrentLocation--;
        if (irp.CurrentLocation <= 0)
        {
            throw IoManager.IopBugCheck(BugCheckCode.NoMoreIrpStackLocations, irp.Address);
        }
    }

    /// <summary>IoCopyCurrentIrpStackLocationToNext: copies the caller's location to the next, without completion routine and with Control cleared.</summary>
    /// <param name="irp">The IRP.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void IoCopyCurrentIrpStackLocationToNext(Irp irp) => irp.NextStackLocation.CopyForNextDriver(irp.CurrentStackLocation);

    /// <summary>IoMarkIrpPending: sets SL_PENDING_RETURNED in the current location; the driver must then return STATUS_PENDING.</summary>
    /// <param name="irp">The IRP.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void IoMarkIrpPending(Irp irp)
    {
        KiSchedulingPoint.Write(irp);
        if (irp.CurrentLocation == irp.StackCount + 1)
        {
            // The IRP's creator has no stack location (its completion routine runs with none current).
            return;
        }
        var location = irp.CurrentStackLocation;
        location.Control |= StackLocationControl.PendingReturned;
        irp.MarkedPendingLocations |= 1UL << location.Index;
    }

    /// <summary>
    /// IoSetCompletionRoutine: the routine to call when the driver below completes the IRP, written
    /// in the next location.
    /// </summary>
    /// <param name="irp">The IRP.</param>
    /// <param name="completionRoutine">The routine.</param>
    /// <param name="context">Its context.</param>
    /// <param name="invokeOnSuccess">Call when NT_SUCCESS(status).</param>
    /// <param name="invokeOnError">Call when the status is an error or warning.</param>
    /// <param name="invokeOnCancel">Call when the IRP was cancelled.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void IoSetCompletionRoutine(Irp irp, IoCompletionRoutine? completionRoutine, object? context, bool invokeOnSuccess, bool invokeOnError, bool invokeOnCancel)
    {
        var next = irp.NextStackLocation;
        next.CompletionRoutine = completionRoutine;
        next.Context = context;
        next.Control = StackLocationControl.None;
        if (invokeOnSuccess)
        {
            next.Control |= StackLocationControl.InvokeOnSuccess;
        }
        if (invokeOnError)
        {
            next.Control |= StackLocationControl.InvokeOnError;
        }
        if (invokeOnCancel)
        {
            next.Control |= StackLocationControl.InvokeOnCancel;
        }
    }

    /// <summary>
    /// IoSetCompletionRoutineEx: as IoSetCompletionRoutine; in NT it also keeps the driver loaded
    /// until the routine ran. Always succeeds here.
    /// </summary>
    /// <param name="deviceObject">The caller's device object.</param>
    /// <param name="irp">The IRP.</param>
    /// <param name="completionRoutine">The routine.</param>
    /// <param name="context">Its context.</param>
    /// <param name="invokeOnSuccess">Call when NT_SUCCESS(status).</param>
    /// <param name="invokeOnError">Call when the status is an error or warning.</param>
    /// <param name="invokeOnCancel">Call when the IRP was cancelled.</param>
    /// <returns>STATUS_SUCCESS.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static NtStatus IoSetCompletionRoutineEx(DeviceObject deviceObject, Irp irp, IoCompletionRoutine? completionRoutine, object? context, bool invokeOnSuccess, bool invokeOnError, bool invokeOnCancel)
    {
        _ = deviceObject;
        IoSetCompletionRoutine(irp, completionRoutine, context, invokeOnSuccess, invokeOnError, invokeOnCancel);
        return NtStatus.Success;
    }

    /// <summary>IoSetCancelRoutine: atomically sets the cancel routine, returning the previous one.</summary>
    /// <param name="irp">The IRP.</param>
    /// <param name="cancelRoutine">The new routine, or null to clear.</param>
    /// <returns>The previous routine: null when IoCancelIrp already took it (the cancel routine is running or will run).</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static IoCancelRoutine? IoSetCancelRoutine(Irp irp, IoCancelRoutine? cancelRoutine) => KiSchedulingPoint.Written(irp, irp.ExchangeCancelRoutine(KiChecked.IoSetCancelRoutine(KiSchedulingPoint.Written(irp, cancelRoutine))));
}
