using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>
/// The device extension of the zoo's queueing read drivers: a read queue under a spin lock, the last
/// read that arrived (what a canceller on another processor looks for), and the queue's correct cancel
/// handling, which each driver's fixed twin uses and its buggy twin gets wrong in its own way.
/// </summary>
public sealed class ZooReadQueue
{
    /// <summary>Guards <see cref="Queue"/>.</summary>
    public KSpinLock QueueLock { get; } = new();

    /// <summary>Reads waiting.</summary>
    public List<Irp> Queue { get; } = [];

    /// <summary>The last read that arrived.</summary>
    public Irp? Arrived { get; set; }

    /// <summary>
    /// Queues a read marked pending as the WDK teaches: under the queue lock, set the cancel routine,
    /// then re-check Irp-&gt;Cancel; a read cancelled before the routine was set (whose routine will not
    /// run) is completed here STATUS_CANCELLED.
    /// </summary>
    /// <param name="irp">The read, already marked pending.</param>
    /// <returns>A task.</returns>
    public async ValueTask QueueCancellable(Irp irp)
    {
        ArgumentNullException.ThrowIfNull(irp);
        var old = await KeAcquireSpinLock(QueueLock);
        IoSetCancelRoutine(irp, CancelRoutine);
        if (irp.Cancel && IoSetCancelRoutine(irp, null) is not null)
        {
            await KeReleaseSpinLock(QueueLock, old);
            irp.IoStatus.Status = NtStatus.Cancelled;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return;
        }
        Queue.Add(irp);
        Arrived = irp;
        await KeReleaseSpinLock(QueueLock, old);
    }

    /// <summary>The cancel routine of a queued read: releases the cancel lock, takes the read off the queue, completes it STATUS_CANCELLED.</summary>
    /// <param name="device">The device.</param>
    /// <param name="irp">The read being cancelled.</param>
    /// <returns>A task.</returns>
    public static async ValueTask CancelRoutine(DeviceObject device, Irp irp)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(irp);
        IoReleaseCancelSpinLock(irp.CancelIrql);
        var ext = device.GetExtension<ZooReadQueue>();
        var old = await KeAcquireSpinLock(ext.QueueLock);
        ext.Queue.Remove(irp);
        await KeReleaseSpinLock(ext.QueueLock, old);
        irp.IoStatus.Status = NtStatus.Cancelled;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
    }
}
