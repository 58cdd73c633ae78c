using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    /// <summary>The recorder attached to this I/O manager (<see cref="IoTraceRecorder.Attach(IoManager, KernelTraceOptions)"/>), read by every trace hook.</summary>
    internal IoTraceRecorder? TraceRecorder;

    /// <summary>
    /// Whether IoCallDriver must report the dispatch of <paramref name="irp"/> at <paramref name="irql"/> (the traced
    /// path). As <see cref="Tracing"/>, except for an unsampled request's dispatch routines called inside its first one
    /// (a filter passing it down) below DISPATCH_LEVEL, when only the recorder listens: they start and return inside the
    /// first, outside any ISR or DPC, so they change neither the request's latency nor which ISR or DPC served it, and
    /// skipping them saves the traced path's extra frame per stack location.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // in IoCallDriver's hop, once per call
    internal bool TracingFor(Irp irp, Irql irql)
    {
        if (!Tracing)
        {
            return false;
        }
        // The IRP's mark first: a listener is looked for (two instruments' state) only for the nested hops it decides.
        return irql >= Irql.DispatchLevel || irp.TraceRequest is not { Sampled: false, FirstDispatchLocation: >= 0, FirstDispatchReturned: false }
            || Observer is not null || IoTrace.Listened;
    }

    /// <summary>
    /// The unsampled request <paramref name="irp"/> serves, when IoCallDriver's hop may report its dispatch routine to the
    /// recorder itself (<see cref="IoTraceRecorder.UnsampledDispatchStarted"/>), with no traced frame around it: only the
    /// recorder listens (no observer, no ActivityListener or meter listener) and the IRP's mark says unsampled. Null otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // in the hop and StartIo, once per call
    internal IoRequestTrace? IopUnsampledTrace(Irp irp) =>
        irp.TraceRequest is { Sampled: false } request && TraceRecorder is not null && Observer is null && !IoTrace.Listened ? request : null;
}
