namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>IoCsqInitializeEx: sets the queue's callbacks.</summary>
    /// <param name="csq">The queue.</param>
    /// <param name="insertIrp">CsqInsertIrpEx.</param>
    /// <param name="removeIrp">CsqRemoveIrp.</param>
    /// <param name="peekNextIrp">CsqPeekNextIrp.</param>
    /// <param name="acquireLock">CsqAcquireLock.</param>
    /// <param name="releaseLock">CsqReleaseLock.</param>
    /// <param name="completeCanceledIrp">CsqCompleteCanceledIrp.</param>
    /// <returns>STATUS_SUCCESS.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static NtStatus IoCsqInitialize(IoCsq csq, CsqInsertIrp insertIrp, CsqRemoveIrp removeIrp, CsqPeekNextIrp peekNextIrp,
        CsqAcquireLock acquireLock, CsqReleaseLock releaseLock, CsqCompleteCanceledIrp completeCanceledIrp)
    {
        ArgumentNullException.ThrowIfNull(csq);
        csq.Insert = insertIrp;
        csq.Remove = removeIrp;
        csq.PeekNext = peekNextIrp;
        csq.AcquireLock = acquireLock;
        csq.ReleaseLock = releaseLock;
        csq.CompleteCanceled = completeCanceledIrp;
        return NtStatus.Success;
    }

    /// <summary>IoCsqInsertIrp: marks the IRP pending and queues it cancellably.</summary>
    /// <param name="csq">The queue.</param>
    /// <param name="irp">The IRP.</param>
    /// <param name="context">Receives the IRP for a later IoCsqRemoveIrp, or null.</param>
    /// <returns>A task that ends when the IRP is queued (or, if already cancelled, cancelled).</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static async ValueTask IoCsqInsertIrp(IoCsq csq, Irp irp, IoCsqIrpContext? context) =>
        _ = await IoCsqInsertIrpEx(csq, irp, context, null).ConfigureAwait(false);

    /// <summary>
    /// IoCsqInsertIrpEx: under the queue lock, marks the IRP pending, queues it (CsqInsertIrpEx) and
    /// sets the queue's cancel routine; an IRP already cancelled is taken back and completed as
    /// cancelled at once.
    /// </summary>
    /// <param name="csq">The queue.</param>
    /// <param name="irp">The IRP.</param>
    /// <param name="context">Receives the IRP for a later IoCsqRemoveIrp, or null.</param>
    /// <param name="insertContext">Passed to CsqInsertIrpEx.</param>
    /// <returns>CsqInsertIrpEx's status.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static async ValueTask<NtStatus> IoCsqInsertIrpEx(IoCsq csq, Irp irp, IoCsqIrpContext? context, object? insertContext)
    {
        KiSchedulingPoint.Write(irp);
        ArgumentNullException.ThrowIfNull(csq);
        ArgumentNullException.ThrowIfNull(irp);
        var irql = await csq.AcquireLock!(csq).ConfigureAwait(false);
        irp.DriverContext[3] = csq;
        if (context is not null)
        {
            context.Irp = irp;
            context.Csq = csq;
            irp.DriverContext[3] = context;
        }
        IoMarkIrpPending(irp);
        var status = csq.Insert!(csq, irp, insertContext);
        if (!status.IsSuccess())
        {
            if (context is not null)
            {
                context.Irp = null;
            }
            csq.ReleaseLock!(csq, irql);
            return status;
        }
        IoSetCancelRoutine(irp, IoCsq.CancelRoutine);
        if (irp.Cancel && IoSetCancelRoutine(irp, null) is not null)
        {
            // Cancelled before the routine was set: nobody else will cancel it.
            csq.Remove!(csq, irp);
            if (context is not null)
            {
                context.Irp = null;
            }
            csq.ReleaseLock!(csq, irql);
            await csq.CompleteCanceled!(csq, irp).ConfigureAwait(false);
            return status;
        }
        csq.ReleaseLock!(csq, irql);
        return status;
    }

    /// <summary>
    /// IoCsqRemoveNextIrp: the next queued IRP matching <paramref name="peekContext"/> whose cancel
    /// routine could still be cleared (an IRP being cancelled is skipped: its cancel routine owns it).
    /// </summary>
    /// <param name="csq">The queue.</param>
    /// <param name="peekContext">Driver-defined filter, or null for any.</param>
    /// <returns>The IRP, now the caller's, or null.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static async ValueTask<Irp?> IoCsqRemoveNextIrp(IoCsq csq, object? peekContext)
    {
        KiSchedulingPoint.Write(csq);
        ArgumentNullException.ThrowIfNull(csq);
        var irql = await csq.AcquireLock!(csq).ConfigureAwait(false);
        Irp? irp = null;
        while ((irp = csq.PeekNext!(csq, irp, peekContext)) is not null)
        {
            if (IoSetCancelRoutine(irp, null) is null)
            {
                continue;
            }
            csq.Remove!(csq, irp);
            if (irp.DriverContext[3] is IoCsqIrpContext context)
            {
                context.Irp = null;
            }
            irp.DriverContext[3] = null;
            break;
        }
        csq.ReleaseLock!(csq, irql);
        return irp;
    }

    /// <summary>IoCsqRemoveIrp: removes the IRP <paramref name="context"/> names, unless it is being cancelled.</summary>
    /// <param name="csq">The queue.</param>
    /// <param name="context">The context given to IoCsqInsertIrp.</param>
    /// <returns>The IRP, now the caller's, or null when it was cancelled or already removed.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static async ValueTask<Irp?> IoCsqRemoveIrp(IoCsq csq, IoCsqIrpContext context)
    {
        KiSchedulingPoint.Write(csq);
        ArgumentNullException.ThrowIfNull(csq);
        ArgumentNullException.ThrowIfNull(context);
        var irql = await csq.AcquireLock!(csq).ConfigureAwait(false);
        var irp = context.Irp;
        if (irp is not null)
        {
            context.Irp = null;
            if (IoSetCancelRoutine(irp, null) is not null)
            {
                csq.Remove!(csq, irp);
                irp.DriverContext[3] = null;
            }
            else
            {
                irp = null;
            }
        }
        csq.ReleaseLock!(csq, irql);
        return irp;
    }
}
