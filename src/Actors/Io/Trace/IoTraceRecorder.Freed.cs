namespace ActorKernel.Actors;

public sealed partial class IoTraceRecorder
{
    /// <summary>
    /// IoFreeIrp or IoReuseIrp on a driver's own IRP: its request ends there. A completion routine that
    /// returned STATUS_MORE_PROCESSING_REQUIRED kept completion from reaching the top, so the request is
    /// completed now with the IRP's status; and the IRP's mark goes, so the next use of the same IRP
    /// (the lookaside list hands freed IRPs out again; IoReuseIrp sends it again) starts a request of its
    /// own instead of joining this one. An unsampled request keeps its mark (it records no span: joining
    /// changes no trace, and its routines still running find it by the mark).
    /// </summary>
    internal void IrpEnded(Irp irp)
    {
        if (irp.TraceRequest is not { } request)
        {
            return;
        }
        if (!request.Completed)
        {
            IrpCompleted(irp);
        }
        if (request.Sampled)
        {
            Interlocked.CompareExchange(ref irp.TraceRequest, null, request);
        }
    }
}
