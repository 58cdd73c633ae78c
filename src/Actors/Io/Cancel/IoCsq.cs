namespace ActorKernel.Actors;

/// <summary>CSQ_INSERT_IRP_EX: puts the IRP in the driver's queue (called with the queue lock held).</summary>
/// <param name="csq">The queue.</param>
/// <param name="irp">The IRP.</param>
/// <param name="insertContext">The context given to IoCsqInsertIrpEx.</param>
/// <returns>STATUS_SUCCESS to queue it; a failure leaves it unqueued.</returns>
public delegate NtStatus CsqInsertIrp(IoCsq csq, Irp irp, object? insertContext);

/// <summary>CSQ_REMOVE_IRP: takes the IRP out of the driver's queue (called with the queue lock held).</summary>
/// <param name="csq">The queue.</param>
/// <param name="irp">The IRP.</param>
public delegate void CsqRemoveIrp(IoCsq csq, Irp irp);

/// <summary>CSQ_PEEK_NEXT_IRP: the queued IRP after <paramref name="irp"/> (the head when null) that matches <paramref name="peekContext"/>.</summary>
/// <param name="csq">The queue.</param>
/// <param name="irp">Where to continue from, or null.</param>
/// <param name="peekContext">A driver-defined filter (e.g. a file object), or null for any.</param>
/// <returns>The next matching IRP, or null.</returns>
public delegate Irp? CsqPeekNextIrp(IoCsq csq, Irp? irp, object? peekContext);

/// <summary>CSQ_ACQUIRE_LOCK: takes the lock that guards the driver's queue.</summary>
/// <param name="csq">The queue.</param>
/// <returns>The IRQL to restore on release.</returns>
public delegate ValueTask<Irql> CsqAcquireLock(IoCsq csq);

/// <summary>CSQ_RELEASE_LOCK: releases the queue lock.</summary>
/// <param name="csq">The queue.</param>
/// <param name="irql">The IRQL CsqAcquireLock returned.</param>
public delegate void CsqReleaseLock(IoCsq csq, Irql irql);

/// <summary>CSQ_COMPLETE_CANCELED_IRP: completes an IRP the queue removed because it was cancelled (with STATUS_CANCELLED).</summary>
/// <param name="csq">The queue.</param>
/// <param name="irp">The IRP.</param>
/// <returns>A task that ends when it is completed.</returns>
public delegate ValueTask CsqCompleteCanceledIrp(IoCsq csq, Irp irp);

/// <summary>IO_CSQ_IRP_CONTEXT: lets a driver remove a particular queued IRP later (IoCsqRemoveIrp).</summary>
public sealed class IoCsqIrpContext
{
    /// <summary>The IRP while it is queued; null once removed or cancelled.</summary>
    public Irp? Irp { get; internal set; }

    /// <summary>The queue.</summary>
    public IoCsq? Csq { get; internal set; }
}

/// <summary>
/// IO_CSQ: a cancel-safe queue. The driver keeps the queue and its lock; the queue sets and clears
/// the cancel routine so that an IRP is either removed by the driver or cancelled, never both.
/// </summary>
public sealed class IoCsq
{
    internal CsqInsertIrp? Insert { get; set; }
    internal CsqRemoveIrp? Remove { get; set; }
    internal CsqPeekNextIrp? PeekNext { get; set; }
    internal CsqAcquireLock? AcquireLock { get; set; }
    internal CsqReleaseLock? ReleaseLock { get; set; }
    internal CsqCompleteCanceledIrp? CompleteCanceled { get; set; }

    /// <summary>The driver's own state for its callbacks (the structure the WDK's IO_CSQ is embedded in).</summary>
    public object? Context { get; set; }

    // IopCsqCancelRoutine: the cancel routine the queue gives each IRP it holds.
    internal static readonly IoCancelRoutine CancelRoutine = static async (device, irp) =>
    {
        _ = device;
        irp.Manager.IopReleaseCancelSpinLock(irp.CancelIrql);
        var entry = irp.DriverContext[3];
        var csq = entry as IoCsq ?? ((IoCsqIrpContext)entry!).Csq!;
        var irql = await csq.AcquireLock!(csq).ConfigureAwait(false);
        csq.Remove!(csq, irp);
        if (entry is IoCsqIrpContext context)
        {
            context.Irp = null;
        }
        csq.ReleaseLock!(csq, irql);
        await csq.CompleteCanceled!(csq, irp).ConfigureAwait(false);
    };
}
