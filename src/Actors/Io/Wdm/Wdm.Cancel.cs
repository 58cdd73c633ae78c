namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// IoAcquireCancelSpinLock: raises to DISPATCH_LEVEL and takes the machine's cancel spin lock.
    /// </summary>
    /// <param name="manager">The I/O manager whose lock it is.</param>
    /// <returns>The IRQL to pass to IoReleaseCancelSpinLock (await it: on a machine the processor may spin for the lock).</returns>
    /// <remarks>
    /// IRQL &lt;= DISPATCH_LEVEL. Acquiring it again on the processor that holds it bugchecks
    /// SPIN_LOCK_ALREADY_OWNED (0xF, P1 = the lock).
    /// </remarks>
    public static ValueTask<Irql> IoAcquireCancelSpinLock(IoManager manager) => manager.IopAcquireCancelSpinLockAsync();

    /// <summary>IoAcquireCancelSpinLock on the I/O manager of the running routine.</summary>
    /// <returns>The IRQL to pass to IoReleaseCancelSpinLock.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static ValueTask<Irql> IoAcquireCancelSpinLock() => KiSchedulingPoint.Written(null, IoManager.Current).IopAcquireCancelSpinLockAsync();

    /// <summary>IoReleaseCancelSpinLock on the I/O manager of the running routine.</summary>
    /// <param name="irql">The IRQL IoAcquireCancelSpinLock returned, or Irp-&gt;CancelIrql.</param>
    /// <remarks>IRQL = DISPATCH_LEVEL.</remarks>
    public static void IoReleaseCancelSpinLock(Irql irql) => KiSchedulingPoint.Written(null, IoManager.Current).IopReleaseCancelSpinLock(irql);

    /// <summary>IoReleaseCancelSpinLock: releases the cancel spin lock and returns to <paramref name="irql"/>.</summary>
    /// <param name="manager">The I/O manager whose lock it is.</param>
    /// <param name="irql">The IRQL IoAcquireCancelSpinLock returned (or Irp-&gt;CancelIrql in a cancel routine).</param>
    /// <remarks>IRQL = DISPATCH_LEVEL. Releasing a lock the processor does not hold bugchecks SPIN_LOCK_NOT_OWNED (0x10).</remarks>
    public static void IoReleaseCancelSpinLock(IoManager manager, Irql irql) => manager.IopReleaseCancelSpinLock(irql);

    /// <summary>
    /// IoCancelIrp: sets Irp-&gt;Cancel and, if a cancel routine is set, takes it and calls it at
    /// DISPATCH_LEVEL with the cancel spin lock held (the routine releases it).
    /// </summary>
    /// <param name="irp">The IRP to cancel.</param>
    /// <returns>True when a cancel routine was called.</returns>
    /// <remarks>
    /// IRQL &lt;= DISPATCH_LEVEL. Cancelling a completed IRP that still has a cancel routine bugchecks
    /// CANCEL_STATE_IN_COMPLETED_IRP (0x48, P1 = IRP, P2 = the cancel routine).
    /// </remarks>
    public static ValueTask<bool> IoCancelIrp(Irp irp)
    {
        KiSchedulingPoint.Write(irp);
        ArgumentNullException.ThrowIfNull(irp);
        return irp.Manager.IopCancelIrp(irp);
    }
}
