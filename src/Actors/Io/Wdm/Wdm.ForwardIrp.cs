namespace ActorKernel.Actors;

public static partial class Wdm
{
    // The completion routine IoForwardIrpSynchronously sets: it stops completion (the caller owns the
    // IRP again) and wakes the waiter only if the lower driver pended, so a synchronous return costs no wait.
    private static readonly IoCompletionRoutine IopForwardIrpSynchronouslyDone = static (_, irp, context) =>
    {
        if (irp.PendingReturned)
        {
            KeSetEvent((KEvent)context!, 0, false);
        }
        return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
    };

    /// <summary>
    /// IoForwardIrpSynchronously: copies the current stack location to the next, sends the IRP to
    /// <paramref name="deviceObject"/> and waits until that driver (and those below it) completed it;
    /// the caller then owns the IRP again, reads Irp-&gt;IoStatus.Status and completes it itself. This is
    /// how a function driver does its IRP_MN_START_DEVICE work after the drivers below it started.
    /// </summary>
    /// <param name="deviceObject">The device object to send the IRP to (the next lower device).</param>
    /// <param name="irp">The IRP.</param>
    /// <returns>True when the IRP was sent and completed below; false when it has no next stack location.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL (it waits), in a thread.</remarks>
    public static async ValueTask<bool> IoForwardIrpSynchronously(DeviceObject deviceObject, Irp irp)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        ArgumentNullException.ThrowIfNull(irp);
        if (irp.CurrentLocation <= 1)
        {
            return false;
        }
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        IoCopyCurrentIrpStackLocationToNext(irp);
        IoSetCompletionRoutine(irp, IopForwardIrpSynchronouslyDone, done, true, true, true);
        if (await IoCallDriver(deviceObject, irp) == NtStatus.Pending)
        {
            await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        }
        return true;
    }
}
