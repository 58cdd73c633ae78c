using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>
/// ISRs and DPCs report to the I/O manager's one trace hook (<see cref="IoTrace"/>), so a trace shows
/// every routine an I/O request passes through: dispatch, completion, StartIo, ISR and DPC alike; and
/// to the machine's <see cref="IoTraceRecorder"/>, with IRQL changes, DPC queueing and spin waits for
/// the processor timeline. Each hook is one static check when nothing listens.
/// </summary>
internal sealed partial class Processor
{
    /// <summary>Reports the start of the ISR or DPC in <paramref name="frame"/>; one static check when nothing listens.</summary>
    private void KiTraceRoutineStarted(Frame frame, IoRoutineKind kind)
    {
        var observer = Machine.RoutineObserver; // kd's breakpoints on ISRs and DPCs
        var recorder = IoTraceRecorder.Active ? Machine.TraceRecorder : null;
        var listened = observer is not null || IoTrace.Listened;
        if (!listened && recorder is null)
        {
            return;
        }
        frame.Traced = true;
        if (listened)
        {
            KiTraceRoutineListened(frame, kind, observer);
        }
        if (recorder is not null)
        {
            // The recorder's own record, kept on the frame: no lock, no span until a recorded request needs one.
            frame.TraceRoutine = recorder.KernelRoutineStarted(kind, frame.RoutineName, frame.Module, this, frame.Irql, kind == IoRoutineKind.Dpc ? frame.Dpc : null);
            if (kind == IoRoutineKind.Isr && frame.Interrupt is { } interrupt)
            {
                recorder.DeviceInterrupted(interrupt.Line); // the device's work that raised the line is over
            }
        }
    }

    /// <summary>
    /// The event of an ISR or DPC that a listener or observer reads (the recorder alone keeps its own record): apart, so
    /// the hook of every ISR and DPC does not set up the event's frame when only the recorder (or nothing) listens.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void KiTraceRoutineListened(Frame frame, IoRoutineKind kind, IIoRoutineObserver? observer)
    {
        frame.TraceEvent = new IoRoutineEvent(kind, frame.RoutineName, null, null, null, 0, default, Number, frame.Irql, frame.Module);
        frame.TraceListened = true;
        // An ISR or DPC runs in an arbitrary context: its span must not become the parent of whatever
        // the interrupted routine traces next, so the ambient activity is put back at once.
        var interrupted = Activity.Current;
        frame.TraceActivity = IoTrace.RoutineStarted(frame.TraceEvent, observer);
        Activity.Current = interrupted;
    }

    /// <summary>Reports the end of a traced ISR or DPC.</summary>
    private void KiTraceRoutineFinished(Frame frame, NtStatus result)
    {
        if (!frame.Traced)
        {
            return;
        }
        frame.Traced = false;
        if (frame.TraceListened)
        {
            // The end of what a listener or observer saw start.
            frame.TraceListened = false;
            IoTrace.RoutineFinished(frame.TraceEvent, frame.TraceActivity, Machine.RoutineObserver, result);
            frame.TraceActivity = null;
        }
        if (frame.TraceRoutine is { } routine)
        {
            frame.TraceRoutine = null;
            Machine.TraceRecorder?.KernelRoutineFinished(routine, result, this); // this processor's own turn: no thread-static read
        }
    }

    /// <summary>KeInsertQueueDpc was called on this processor (so an ISR's span can be joined to its DPC's).</summary>
    internal void KiTraceDpcQueued(KDpc dpc)
    {
        if (IoTraceRecorder.Active)
        {
            Machine.TraceRecorder?.DpcQueued(dpc, Number);
        }
    }

    /// <summary>The IRQL changed from <paramref name="from"/> (the timeline's IRQL counter; the metrics count <see cref="IrqlChangeCount"/>).</summary>
    private void KiTraceIrql(Irql from)
    {
        if (IoTraceRecorder.Active && from != Irql && Machine.TraceRecorder is { DrawsTimeline: true } recorder)
        {
            recorder.IrqlChanged(Number, from, Irql);
        }
    }

    /// <summary>A spin on <paramref name="spinLock"/> ended after <paramref name="spunNs"/> (the timeline's spin slice).</summary>
    private void KiTraceSpin(Frame frame, KSpinLock spinLock, long spunNs)
    {
        if (IoTraceRecorder.Active && Machine.TraceRecorder is { } recorder)
        {
            recorder.SpinEnded(Number, spinLock.Name, frame.SpinStartNs, spunNs, frame.RoutineName);
        }
    }
}
