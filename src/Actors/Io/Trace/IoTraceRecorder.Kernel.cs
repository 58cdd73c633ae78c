using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>
/// The processor side: ISRs and DPCs (which join the one request they served, or become kernel work
/// of their own linked to each request they touched), IRQL changes and spin waits for the timeline.
/// An ISR or DPC is first a <see cref="KernelRoutineTrace"/> kept by its processor without the lock;
/// it becomes a span only when a recorded request needs it or it is kept as kernel work, so with
/// ratio sampling most ISRs and DPCs cost a few field writes, their metrics and no lock.
/// </summary>
public sealed partial class IoTraceRecorder
{
    /// <summary>Microsoft's guidance: an ISR should run no longer than 25 microseconds.</summary>
    public const long IsrGuidanceNs = 25_000;

    /// <summary>Microsoft's guidance: a DPC should run no longer than 100 microseconds.</summary>
    public const long DpcGuidanceNs = 100_000;

    /// <summary>An ISR or DPC frame starts on <paramref name="cpu"/>, this machine's processor running it (on that processor's thread; no lock).</summary>
    internal KernelRoutineTrace KernelRoutineStarted(IoRoutineKind kind, string routineName, KernelModule module, Processor cpu, Irql irql, KDpc? dpc)
    {
        var processor = cpu.Number;
        var state = ProcessorState(processor);
        var routine = state.Rent();
        routine.Start(kind, routineName, module, processor, irql, Now(cpu), NextSpanSequence());
        if (dpc?.TraceQueuedBy is KernelRoutineTrace isr)
        {
            dpc.TraceQueuedBy = null;
            routine.Cause = isr; // the reference DpcQueued took passes to this DPC
        }
        state.Push(routine);
        return routine;
    }

    /// <summary>The ISR or DPC of <paramref name="routine"/> returned on <paramref name="cpu"/>, this machine's processor that ran it.</summary>
    internal void KernelRoutineFinished(KernelRoutineTrace routine, NtStatus result, Processor cpu)
    {
        if (!routine.Running)
        {
            return; // flushed meanwhile
        }
        routine.EndNs = Math.Max(routine.StartNs, Now(cpu));
        routine.Claimed = result == NtStatus.Success;
        ProcessorState(routine.Processor).Remove(routine);
        routine.Running = false;
        Metrics.RecordRoutine(routine);
        if (_drawTimeline)
        {
            AddRoutineSlice(routine);
        }
        if (routine.IsIsr && routine.AwaitingDpc && routine.RequestCount == 0)
        {
            Unreference(routine);
            return; // the DPC it queued decides where it goes
        }
        if (routine.AnySampled)
        {
            FinishKernelRoutine(routine);
            return;
        }
        // Only unsampled requests (or none) touched it: no span unless it is kept as kernel work.
        var isr = TakeCause(routine);
        routine.Taken = true;
        var count = routine.RequestCount;
        if (count == 1)
        {
            // Part of one unsampled request: no span, but the request's latency lasts until the DPC (and its ISR) ended.
            var request = routine.RequestAt(0);
            request.ExtendTo(Math.Max(routine.EndNs, isr?.EndNs ?? 0));
            Release(request, cpu);
            Unreference(routine);
            return;
        }
        var sequence = NextTraceSequence(); // kernel work of its own: it takes a trace id, kept or not (the full run's ids)
        var lo = TraceLoOf(sequence);
        if (KeepKernelWork(lo, routine, isr))
        {
            KeepKernelWorkTrace(routine, isr, TraceHiOf(sequence), lo);
        }
        else
        {
            TraceAtomic.Increment(ref _dropped, _serial);
        }
        for (var i = 0; i < count; i++)
        {
            Release(routine.RequestAt(i), cpu);
        }
        Unreference(routine);
    }

    // The paths below are taken by a few ISRs and DPCs in a hundred with ratio sampling: out of line, so the hook every ISR
    // and DPC runs keeps a small frame (no lock, no span, no timeline event set up in it).

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddRoutineSlice(KernelRoutineTrace routine)
    {
        lock (_gate)
        {
            AddTimelineLocked(new TimelineEvent(TimelineKind.Slice, routine.StartNs, routine.DurationNs, routine.Processor, null, SpanName(routine),
                routine.IsIsr ? "isr" : "dpc", routine.Sequence, routine.Module.Name));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FinishKernelRoutine(KernelRoutineTrace routine)
    {
        lock (_gate)
        {
            FinishKernelRoutineLocked(routine);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void KeepKernelWorkTrace(KernelRoutineTrace routine, KernelRoutineTrace? isr, ulong hi, ulong lo)
    {
        lock (_gate)
        {
            FinishKernelWorkLocked(MaterializeLocked(routine), isr is null ? null : MaterializeLocked(isr), hi, lo, true);
        }
    }

    /// <summary>
    /// A DPC's or ISR's own run is over (and a DPC's hold on the ISR that queued it): the last holder gives a record
    /// that never became a span back to the current processor's pool. One with a span stays with its trace.
    /// </summary>
    private void Unreference(KernelRoutineTrace routine)
    {
        if (routine.Cause is { } cause)
        {
            routine.Cause = null;
            if (cause.Span is null && TraceAtomic.Decrement(ref cause.References, _serial) == 0)
            {
                ProcessorState(routine.Processor).Return(cause);
            }
        }
        if (routine.Span is null && TraceAtomic.Decrement(ref routine.References, _serial) == 0)
        {
            ProcessorState(routine.Processor).Return(routine);
        }
    }

    /// <summary>A system worker thread starts a work item's routine (IoQueueWorkItem): a span of kernel work of its own.</summary>
    internal TraceSpan WorkItemStarted(string routineName, KernelModule module, int processor, Irql irql)
    {
        lock (_gate)
        {
            var span = NewSpanLocked("WorkItem " + routineName, TraceSpanCategory.WorkItem, NowLocked());
            span.ProcessorNumber = processor;
            span.SetRoutine(new RoutineAttributes(processor, irql, IoRoutineKind.WorkItem, routineName, module.Name, null, 0, 0, default, -1, -1));
            return span;
        }
    }

    /// <summary>The work item's routine returned: its trace ends (sampled as kernel work).</summary>
    internal void WorkItemFinished(TraceSpan span)
    {
        lock (_gate)
        {
            span.EndNs = Math.Max(span.StartNs, NowLocked());
            span.Open = false;
            span.Status = TraceStatusCode.Ok;
            AddTimelineLocked(new TimelineEvent(TimelineKind.Interval, span.StartNs, span.DurationNs, span.ProcessorNumber, null, span.Name,
                CategoryName(span.Category), span.Sequence, span.Image));
            var (hi, lo) = NewTraceId();
            FinishKernelWorkLocked(span, null, hi, lo, KeepKernelWork(lo, span));
        }
    }

    /// <summary>KeInsertQueueDpc on <paramref name="processor"/>: remember the ISR that queued it, so they share a trace (no lock).</summary>
    internal void DpcQueued(KDpc dpc, int processor)
    {
        Metrics.DpcQueued(processor);
        var state = ProcessorState(processor);
        if (state.Innermost is { IsIsr: true, Running: true } isr && dpc.TraceQueuedBy is null)
        {
            TraceAtomic.Increment(ref isr.References, _serial); // held by the DPC until it returns
            dpc.TraceQueuedBy = isr;
            isr.AwaitingDpc = true;
            state.AddAwaiting(isr);
        }
    }

    /// <summary>The processor's IRQL changed (reported only for the timeline: the metrics read the processors' own counts).</summary>
    internal void IrqlChanged(int processor, Irql from, Irql to)
    {
        if (!_drawTimeline)
        {
            return;
        }
        lock (_gate)
        {
            var now = NowLocked();
            AddTimelineLocked(new TimelineEvent(TimelineKind.Counter, now, 0, processor, null, "IRQL", "irql", (long)to, null));
        }
    }

    /// <summary>A spin on <paramref name="lockName"/> ended after <paramref name="spunNs"/>.</summary>
    internal void SpinEnded(int processor, string lockName, long startNs, long spunNs, string routine)
    {
        if (!_drawTimeline)
        {
            return; // only the timeline shows spins
        }
        lock (_gate)
        {
            AddTimelineLocked(new TimelineEvent(TimelineKind.Slice, startNs, spunNs, processor, null, "Spin " + lockName, "spin", 0, routine));
        }
    }

    /// <summary>The ISR that queued <paramref name="routine"/>, if it is still to be placed: it goes where the DPC goes.</summary>
    private KernelRoutineTrace? TakeCause(KernelRoutineTrace routine)
    {
        var isr = routine.Cause;
        if (isr is null)
        {
            return null;
        }
        isr.AwaitingDpc = false;
        if (isr.Processor == routine.Processor)
        {
            // The usual case (KeInsertQueueDpc targets the current processor): this processor's own list, so the ISR leaves
            // it now instead of being looked at again when the list is next compacted.
            ProcessorState(isr.Processor).Awaited(isr);
        }
        if (isr.Running || isr.Taken)
        {
            return null; // still running elsewhere, or placed already: it ends on its own
        }
        isr.Taken = true;
        return isr;
    }

    /// <summary>An ISR or DPC that a recorded request touched (or one flushed) ends: under the lock, with spans.</summary>
    private void FinishKernelRoutineLocked(KernelRoutineTrace routine)
    {
        var isr = TakeCause(routine);
        routine.Taken = true;
        var span = MaterializeLocked(routine);
        var count = routine.RequestCount;
        if (count == 1)
        {
            // Served exactly one request: the ISR and DPC are part of its trace.
            var request = routine.RequestAt(0);
            if (!request.Sampled)
            {
                request.ExtendTo(Math.Max(routine.EndNs, isr?.EndNs ?? 0));
                ReleaseLocked(request);
                return;
            }
            Adopt(span, request);
            if (isr is not null)
            {
                var isrSpan = MaterializeLocked(isr);
                Adopt(isrSpan, request);
                (span.LinkSpans ??= []).Add((isrSpan, "queued-by"));
            }
            ReleaseLocked(request);
            return;
        }
        for (var i = 0; i < count; i++)
        {
            // Several requests served by one DPC: it links to each recorded one, and each routine it ran links back.
            if (routine.RequestAt(i) is { Sampled: true } request)
            {
                (span.LinkSpans ??= []).Add((request.Root, "completes"));
            }
        }
        var (hi, lo) = NewTraceId();
        FinishKernelWorkLocked(span, isr is null ? null : MaterializeLocked(isr), hi, lo, KeepKernelWork(lo, routine, isr));
        if (routine.Children is { } children)
        {
            foreach (var child in children)
            {
                if (child.Owner is { } owner && ReferenceEquals(child.ParentSpan, span))
                {
                    child.ParentSpan = owner.Service ?? owner.Root;
                    (child.LinkSpans ??= []).Add((span, "completed-by"));
                }
            }
        }
        for (var i = 0; i < count; i++)
        {
            ReleaseLocked(routine.RequestAt(i));
        }
    }

    /// <summary>The span of <paramref name="routine"/>, built now if it was not (with the id and order it took when it started).</summary>
    private TraceSpan MaterializeLocked(KernelRoutineTrace routine)
    {
        var span = routine.Span;
        if (span is null)
        {
            span = NewSpan(SpanName(routine), routine.IsIsr ? TraceSpanCategory.Isr : TraceSpanCategory.Dpc, routine.StartNs, routine.Sequence);
            span.ProcessorNumber = routine.Processor;
            span.SetRoutine(new RoutineAttributes(routine.Processor, routine.Irql, routine.Kind, routine.RoutineName, routine.Module.Name, null, 0, 0, default, -1, -1));
            routine.Span = span;
        }
        if (!routine.Running && span.Open)
        {
            span.EndNs = routine.EndNs;
            span.Open = false;
            if (routine.Unfinished)
            {
                span.MarkUnfinished();
            }
            else
            {
                if (routine.IsIsr)
                {
                    span.Set("nt.interrupt.claimed", routine.Claimed);
                }
                span.Status = TraceStatusCode.Ok;
                if (routine.GuidanceBroken is { } guidance)
                {
                    span.MarkGuidance(guidance);
                }
            }
        }
        return span;
    }

    private static string SpanName(KernelRoutineTrace routine) => (routine.IsIsr ? "Isr " : "Dpc ") + routine.RoutineName;

    private static void Adopt(TraceSpan span, IoRequestTrace request)
    {
        span.Owner = request;
        span.ParentSpan = request.Service ?? request.Root;
        request.Spans.Add(span);
    }

    /// <summary>Whether kernel work with trace id low half <paramref name="lo"/> is kept: by its own id for ratio, by Microsoft's guidance for tail sampling.</summary>
    private bool KeepKernelWork(ulong lo, KernelRoutineTrace routine, KernelRoutineTrace? isr) => _sampling switch
    {
        TraceSampling.Off => false,
        TraceSampling.Always => true,
        TraceSampling.Ratio => InRatio(lo),
        _ => routine.GuidanceBroken is not null || isr?.GuidanceBroken is not null,
    };

    private bool KeepKernelWork(ulong lo, TraceSpan span) => _sampling switch
    {
        TraceSampling.Off => false,
        TraceSampling.Always => true,
        TraceSampling.Ratio => InRatio(lo),
        _ => span.GuidanceBroken is not null,
    };

    /// <summary>A trace of kernel work that belongs to no one request: <paramref name="span"/>, under the ISR that queued it if any.</summary>
    private void FinishKernelWorkLocked(TraceSpan span, TraceSpan? isr, ulong hi, ulong lo, bool keep)
    {
        var spans = new List<TraceSpan>(2);
        if (isr is not null)
        {
            isr.ParentSpan = null;
            span.ParentSpan = isr;
            spans.Add(isr);
            (span.LinkSpans ??= []).Add((isr, "queued-by"));
        }
        else
        {
            span.ParentSpan = null;
        }
        spans.Add(span);
        EmitLocked(hi, lo, spans, keep);
    }
}
