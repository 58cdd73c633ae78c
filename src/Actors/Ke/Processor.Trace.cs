using System.Diagnostics;

namespace ActorKernel.Actors;

/// <summary>
/// ISRs and DPCs report to the I/O manager's one trace hook (<see cref="IoTrace"/>), so a trace shows
/// every routine an I/O request passes through: dispatch, completion, StartIo, ISR and DPC alike.
/// </summary>
internal sealed partial class Processor
{
    /// <summary>Reports the start of the ISR or DPC in <paramref name="frame"/>; one static check when nothing listens.</summary>
    private void KiTraceRoutineStarted(Frame frame, IoRoutineKind kind)
    {
        if (!IoTrace.Enabled)
        {
            return;
        }
        frame.TraceEvent = new IoRoutineEvent(kind, frame.RoutineName, null, null, null, 0, default, Number, frame.Irql, frame.Module);
        // An ISR or DPC runs in an arbitrary context: its span must not become the parent of whatever
        // the interrupted routine traces next, so the ambient activity is put back at once.
        var interrupted = Activity.Current;
        frame.TraceActivity = IoTrace.RoutineStarted(frame.TraceEvent, null);
        Activity.Current = interrupted;
        frame.Traced = true;
    }

    /// <summary>Reports the end of a traced ISR or DPC.</summary>
    private static void KiTraceRoutineFinished(Frame frame, NtStatus result)
    {
        if (!frame.Traced)
        {
            return;
        }
        frame.Traced = false;
        IoTrace.RoutineFinished(frame.TraceEvent, frame.TraceActivity, null, result);
        frame.TraceActivity = null;
    }
}
