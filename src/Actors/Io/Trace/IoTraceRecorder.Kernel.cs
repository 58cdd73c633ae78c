namespace ActorKernel.Actors;

/// <summary>
/// The processor side: ISRs and DPCs (which join the one request they served, or become kernel work
/// of their own linked to each request they touched), IRQL changes and spin waits for the timeline.
/// </summary>
public sealed partial class IoTraceRecorder
{
    /// <summary>Microsoft's guidance: an ISR should run no longer than 25 microseconds.</summary>
    public const long IsrGuidanceNs = 25_000;

    /// <summary>Microsoft's guidance: a DPC should run no longer than 100 microseconds.</summary>
    public const long DpcGuidanceNs = 100_000;

    /// <summary>An ISR or DPC frame starts on <paramref name="processor"/>.</summary>
    internal TraceSpan KernelRoutineStarted(IoRoutineKind kind, string routineName, KernelModule module, int processor, Irql irql, KDpc? dpc)
    {
        lock (_gate)
        {
            var now = NowLocked();
            var span = NewSpanLocked((kind == IoRoutineKind.Isr ? "Isr " : "Dpc ") + routineName,
                kind == IoRoutineKind.Isr ? TraceSpanCategory.Isr : TraceSpanCategory.Dpc, now);
            span.ProcessorNumber = processor;
            span.SetRoutine(new RoutineAttributes(processor, irql, kind, routineName, module.Name, null, 0, 0, default, -1, -1));
            if (dpc is not null && _dpcQueuedBy.Remove(dpc, out var isr))
            {
                span.Cause = isr;
            }
            _dpcTouches[span] = new DpcTouch();
            StackOf(processor).Add(span);
            return span;
        }
    }

    /// <summary>The ISR or DPC of <paramref name="span"/> returned.</summary>
    internal void KernelRoutineFinished(TraceSpan span, NtStatus result)
    {
        lock (_gate)
        {
            if (!span.Open)
            {
                return; // flushed meanwhile
            }
            var now = NowLocked();
            span.EndNs = Math.Max(span.StartNs, now);
            span.Open = false;
            RemoveFrom(StackOf(span.ProcessorNumber), span);
            if (span.Category == TraceSpanCategory.Isr)
            {
                span.Set("nt.interrupt.claimed", result == NtStatus.Success);
                span.Status = TraceStatusCode.Ok;
                if (span.DurationNs > IsrGuidanceNs)
                {
                    span.MarkGuidance("isr-over-25us");
                }
            }
            else
            {
                span.Status = TraceStatusCode.Ok;
                if (span.DurationNs > DpcGuidanceNs)
                {
                    span.MarkGuidance("dpc-over-100us");
                }
            }
            var image = span.Image;
            AddTimelineLocked(new TimelineEvent(TimelineKind.Slice, span.StartNs, span.DurationNs, span.ProcessorNumber, null, span.Name,
                CategoryName(span.Category), span.Sequence, image));
            Metrics.RecordRoutineLocked(span, image);
            if (!_dpcTouches.Remove(span, out var touch))
            {
                touch = new DpcTouch();
            }
            if (span.Category == TraceSpanCategory.Isr && span.AwaitingDpc && touch.Requests.Count == 0)
            {
                return; // the DPC it queued decides where it goes
            }
            FinishDpcLocked(span, touch);
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
            FinishKernelWorkLocked(span, null);
        }
    }

    /// <summary>KeInsertQueueDpc on <paramref name="processor"/>: remember the ISR that queued it, so they share a trace.</summary>
    internal void DpcQueued(KDpc dpc, int processor)
    {
        lock (_gate)
        {
            Metrics.DpcQueuedLocked();
            var stack = StackOf(processor);
            if (stack.Count > 0 && stack[^1] is { Category: TraceSpanCategory.Isr, Open: true } isr && !_dpcQueuedBy.ContainsKey(dpc))
            {
                _dpcQueuedBy[dpc] = isr;
                isr.AwaitingDpc = true;
            }
        }
    }

    /// <summary>The processor's IRQL changed.</summary>
    internal void IrqlChanged(int processor, Irql from, Irql to)
    {
        if (!Options.Timeline)
        {
            Metrics.IrqlChanged(); // the only use without a timeline: no lock, no clock
            return;
        }
        lock (_gate)
        {
            var now = NowLocked();
            Metrics.IrqlChanged();
            AddTimelineLocked(new TimelineEvent(TimelineKind.Counter, now, 0, processor, null, "IRQL", "irql", (long)to, null));
        }
    }

    /// <summary>A spin on <paramref name="lockName"/> ended after <paramref name="spunNs"/>.</summary>
    internal void SpinEnded(int processor, string lockName, long startNs, long spunNs, string routine)
    {
        lock (_gate)
        {
            AddTimelineLocked(new TimelineEvent(TimelineKind.Slice, startNs, spunNs, processor, null, "Spin " + lockName, "spin", 0, routine));
        }
    }

    private void FinishDpcLocked(TraceSpan dpc, DpcTouch touch)
    {
        var isr = dpc.Cause;
        if (isr is not null)
        {
            isr.AwaitingDpc = false;
            if (isr.Open || isr.Owner is not null)
            {
                isr = null; // still running elsewhere, or taken already: it ends on its own
            }
        }
        if (touch.Requests.Count == 1)
        {
            // Served exactly one request: the ISR and DPC are part of its trace.
            var request = touch.Requests[0];
            if (!request.Sampled)
            {
                // Part of an unsampled request: no spans to keep, but its latency lasts until they end.
                request.EndNs = Math.Max(request.EndNs, Math.Max(dpc.EndNs, isr?.EndNs ?? 0));
                dpc.Owner = request;
                if (isr is not null)
                {
                    isr.Owner = request;
                }
                request.Open--;
                TryFinishLocked(request, NowLocked());
                return;
            }
            Adopt(dpc, request);
            if (isr is not null)
            {
                Adopt(isr, request);
                (dpc.LinkSpans ??= []).Add((isr, "queued-by"));
            }
            request.Open--;
            TryFinishLocked(request, NowLocked());
            return;
        }
        foreach (var request in touch.Requests)
        {
            // Several requests served by one DPC: it links to each recorded one, and each routine it ran links back.
            if (request.Sampled)
            {
                (dpc.LinkSpans ??= []).Add((request.Root, "completes"));
            }
        }
        FinishKernelWorkLocked(dpc, isr);
        foreach (var child in touch.Children)
        {
            if (child.Owner is { } owner && ReferenceEquals(child.ParentSpan, dpc))
            {
                child.ParentSpan = owner.Service ?? owner.Root;
                (child.LinkSpans ??= []).Add((dpc, "completed-by"));
            }
        }
        foreach (var request in touch.Requests)
        {
            request.Open--;
            TryFinishLocked(request, NowLocked());
        }
    }

    private static void Adopt(TraceSpan span, IoRequestTrace request)
    {
        span.Owner = request;
        span.ParentSpan = request.Service ?? request.Root;
        request.Spans.Add(span);
    }

    /// <summary>A trace of kernel work that belongs to no one request: <paramref name="span"/>, under the ISR that queued it if any.</summary>
    private void FinishKernelWorkLocked(TraceSpan span, TraceSpan? isr)
    {
        var (hi, lo) = NewTraceIdLocked();
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
        var keep = Options.Sampling switch
        {
            TraceSampling.Off => false,
            TraceSampling.Always => true,
            TraceSampling.Ratio => InRatio(lo),
            _ => spans.Exists(static s => s.GuidanceBroken is not null),
        };
        var traceId = IoRequestTrace.TraceIdText(hi, lo);
        EmitLocked(traceId, spans, keep);
    }
}
