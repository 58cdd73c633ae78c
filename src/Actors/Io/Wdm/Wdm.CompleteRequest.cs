namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// IoCompleteRequest: the caller is done with the IRP. Completion runs up the stack on the
    /// caller's processor at the caller's IRQL: each location's PendingReturned is propagated, each
    /// completion routine whose invoke-on flags match the status (or the cancel) is called, bottom-up,
    /// and a routine returning STATUS_MORE_PROCESSING_REQUIRED stops completion there (its driver owns
    /// the IRP again). At the top the I/O manager finishes the request: copies a buffered read back,
    /// unlocks a direct-I/O MDL, fills the requester's status block and signals its event.
    /// </summary>
    /// <param name="irp">The IRP, with IoStatus filled in.</param>
    /// <param name="priorityBoost">The requester's priority boost (IO_*_INCREMENT).</param>
    /// <returns>A task that ends when completion stops (at the top, or at STATUS_MORE_PROCESSING_REQUIRED).</returns>
    /// <remarks>
    /// IRQL &lt;= DISPATCH_LEVEL. Completing an IRP that is already complete bugchecks
    /// MULTIPLE_IRP_COMPLETE_REQUESTS (0x44, P1 = IRP). With I/O verification: status STATUS_PENDING
    /// is 0xC9/0x6, a cancel routine still set 0xC9/0x7, IRQL above DISPATCH_LEVEL 0xC9/0xE, and a
    /// location that returned STATUS_PENDING but was never marked pending 0xC9/0x23D.
    /// </remarks>
    public static ValueTask IoCompleteRequest(Irp irp, PriorityBoost priorityBoost)
    {
        KiSchedulingPoint.Write(irp);
        ArgumentNullException.ThrowIfNull(irp);
        return irp.Manager.IopCompleteRequest(irp, priorityBoost);
    }
}
