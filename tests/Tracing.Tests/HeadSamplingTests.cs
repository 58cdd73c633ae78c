using ActorKernel.Actors;

namespace ActorKernel.Tracing.Tests;

/// <summary>
/// Issue 14, acceptance 4 (the floors need it): ratio sampling is decided when a request starts,
/// from its trace id, so an unsampled request records no span; the metrics stay exact because they
/// are counted for every request whatever was recorded.
/// </summary>
[Trait("Area", "Tracing")]
public sealed class HeadSamplingTests
{
    private const int Reads = 24;

    private static string Metrics(IoTraceRecorder recorder) => string.Join("\n",
        recorder.Metrics.Requests.Select(kv => $"{kv.Key} n={kv.Value.Count} sum={kv.Value.SumNs} min={kv.Value.MinNs} max={kv.Value.MaxNs} failed={kv.Value.Flagged} [{string.Join(',', kv.Value.BucketCounts)}]")
            .Concat(recorder.Metrics.Routines.Select(kv => $"{kv.Key} n={kv.Value.Count} sum={kv.Value.SumNs} max={kv.Value.MaxNs} over={kv.Value.Flagged}")));

    private static string Shape(FinishedTrace trace) =>
        trace.TraceId + ": " + string.Join(" | ", trace.Spans.Select(s => $"{s.Name} {s.StartNs}..{s.EndNs} {string.Join(',', s.Attributes.Where(a => a.Key != TraceAttributes.IrpAddress).Select(a => a.Key + "=" + a.Value))}"));

    [Fact]
    public void Ratio_sampling_records_only_the_requests_chosen_at_their_start_and_they_equal_the_full_runs_traces()
    {
        using var full = new TracedDiskBed(processors: 2, options: new KernelTraceOptions { Seed = 7 });
        using var half = new TracedDiskBed(processors: 2, options: new KernelTraceOptions { Seed = 7, Sampling = TraceSampling.Ratio, Ratio = 0.5 });
        Assert.All(full.ReadFromUserMode(Reads), r => Assert.True(r.Succeeded));
        Assert.All(half.ReadFromUserMode(Reads), r => Assert.True(r.Succeeded));

        var all = full.Recorder.GetTraces().Where(t => t.Root.Name == "ReadFile").ToDictionary(t => t.TraceId);
        var kept = half.Recorder.GetTraces().Where(t => t.Root.Name == "ReadFile").ToList();
        Assert.Equal(Reads, all.Count);
        Assert.InRange(kept.Count, 1, Reads - 1); // decided per request, not all or nothing
        Assert.True(half.Recorder.Dropped >= Reads - kept.Count);
        foreach (var trace in kept)
        {
            // Same trace id (from the seed), same spans, times and attributes as in the run that recorded everything.
            Assert.True(all.TryGetValue(trace.TraceId, out var same), trace.TraceId);
            Assert.Equal(Shape(same), Shape(trace));
        }
    }

    [Theory]
    [InlineData(TraceSampling.Ratio, 0.5)]
    [InlineData(TraceSampling.Ratio, 0.0)]
    [InlineData(TraceSampling.Off, 1.0)]
    public void Metrics_count_every_request_exactly_whatever_is_sampled(TraceSampling sampling, double ratio)
    {
        using var full = new TracedDiskBed(processors: 2, options: new KernelTraceOptions { Seed = 7 });
        using var sampled = new TracedDiskBed(processors: 2, options: new KernelTraceOptions { Seed = 7, Sampling = sampling, Ratio = ratio });
        full.ReadFromUserMode(Reads);
        sampled.ReadFromUserMode(Reads);

        Assert.Equal(Reads, sampled.Recorder.Metrics.Requests[(TracedDiskBed.DeviceName, "IRP_MJ_READ")].Count);
        Assert.Equal(Metrics(full.Recorder), Metrics(sampled.Recorder));
        Assert.Equal(full.Recorder.Metrics.DpcsQueued, sampled.Recorder.Metrics.DpcsQueued);
        Assert.Equal(full.Recorder.Metrics.IrqlChanges, sampled.Recorder.Metrics.IrqlChanges);
    }

    [Fact]
    public void Histogram_buckets_count_each_value_in_the_first_bucket_whose_bound_is_at_least_it()
    {
        using var bed = new TracedDiskBed(processors: 2, options: new KernelTraceOptions { Seed = 7, Sampling = TraceSampling.Ratio, Ratio = 0.01 });
        bed.ReadFromUserMode(Reads);

        // OpenTelemetry's explicit buckets: (bound[i-1], bound[i]], the last above the largest bound. A histogram's
        // smallest and largest values fall in its first and last non-empty buckets, and the counts add up to its count.
        static int Bucket(long ns)
        {
            var i = 0;
            while (i < SimulatedHistogram.BoundsNs.Count && ns > SimulatedHistogram.BoundsNs[i])
            {
                i++;
            }
            return i;
        }
        var histograms = bed.Recorder.Metrics.Requests.Values.Concat(bed.Recorder.Metrics.Routines.Values).ToList();
        Assert.NotEmpty(histograms);
        foreach (var h in histograms)
        {
            var counts = h.BucketCounts;
            Assert.Equal(SimulatedHistogram.BoundsNs.Count + 1, counts.Count);
            Assert.Equal(h.Count, counts.Sum());
            var used = Enumerable.Range(0, counts.Count).Where(i => counts[i] > 0).ToList();
            Assert.Equal(Bucket(h.MinNs), used[0]);
            Assert.Equal(Bucket(h.MaxNs), used[^1]);
        }
    }

    [Fact]
    public void An_unsampled_request_records_no_span_yet_counts_the_latency_its_full_trace_shows()
    {
        using var full = new TracedDiskBed(options: new KernelTraceOptions { Seed = 7 });
        using var none = new TracedDiskBed(options: new KernelTraceOptions { Seed = 7, Sampling = TraceSampling.Ratio, Ratio = 0 });
        Assert.True(Assert.Single(full.ReadFromUserMode(1)).Succeeded);
        Assert.True(Assert.Single(none.ReadFromUserMode(1)).Succeeded);

        var read = Assert.Single(full.Recorder.GetTraces(), t => t.Root.Name == "ReadFile");
        Assert.True(read.Root.DurationNs > TracedDiskBed.DeviceLatencyNs, read.Root.ToString()); // it waited for the device, its ISR and DPC
        Assert.DoesNotContain(none.Recorder.GetTraces(), t => t.Root.Name == "ReadFile");
        var latency = none.Recorder.Metrics.Requests[(TracedDiskBed.DeviceName, "IRP_MJ_READ")];
        Assert.Equal(1, latency.Count);
        Assert.Equal(read.Root.DurationNs, latency.SumNs); // exact: the root span's duration, from the user call to the wake-up
    }

    [Fact]
    public void A_DPC_shared_by_a_sampled_and_an_unsampled_request_keeps_the_sampled_ones_trace_whole_and_linked()
    {
        using var full = new TracedDiskBed(options: new KernelTraceOptions { Seed = 11 });
        using var half = new TracedDiskBed(options: new KernelTraceOptions { Seed = 11, Sampling = TraceSampling.Ratio, Ratio = 0.5 });
        Assert.All(full.ReadFromUserModeOnThreads(2, 8), r => Assert.True(r.Succeeded));
        Assert.All(half.ReadFromUserModeOnThreads(2, 8), r => Assert.True(r.Succeeded));

        var all = full.Recorder.GetTraces();
        var kept = half.Recorder.GetTraces().Where(t => t.Root.Name == "ReadFile").ToDictionary(t => t.TraceId);
        // In the full run, the DPCs that served two reads (one completed, the next started inside it): kernel work of their own.
        var sharedDpcs = all.SelectMany(t => t.Spans).Where(s => s.Category == TraceSpanCategory.Dpc && s.Links.Count(l => l.Relation == "completes") == 2).ToList();
        Assert.NotEmpty(sharedDpcs);
        var mixed = sharedDpcs.Where(d => d.Links.Count(l => l.Relation == "completes" && kept.ContainsKey(l.TraceId)) == 1).ToList();
        Assert.NotEmpty(mixed); // some DPC served one request that ratio sampling kept and one it dropped
        foreach (var dpc in mixed)
        {
            var trace = kept[dpc.Links.Single(l => l.Relation == "completes" && kept.ContainsKey(l.TraceId)).TraceId];
            var same = all.Single(t => t.TraceId == trace.TraceId);
            Assert.Equal(Shape(same), Shape(trace));
            // Its routines that ran inside the shared DPC still link to it, with the DPC's own trace id, as in the full run.
            Assert.Equal(Links(same), Links(trace));
            Assert.Contains(trace.Spans, s => s.Links.Any(l => l.Relation == "completed-by" && l.TraceId == dpc.TraceId && l.SpanId.Length == 16));
        }
        Assert.Equal(Metrics(full.Recorder), Metrics(half.Recorder));
    }

    [Theory]
    [InlineData(TraceSampling.Ratio, 0.0)]
    [InlineData(TraceSampling.Off, 1.0)]
    public void A_request_still_in_flight_when_the_run_stops_is_counted_as_in_a_full_run(TraceSampling sampling, double ratio)
    {
        using var full = new TracedDiskBed(options: new KernelTraceOptions { Seed = 7 }) { DeviceSilent = true };
        using var sampled = new TracedDiskBed(options: new KernelTraceOptions { Seed = 7, Sampling = sampling, Ratio = ratio }) { DeviceSilent = true };
        Assert.Empty(full.ReadFromUserMode(1)); // the read never completes: Flush ends it as it stands
        Assert.Empty(sampled.ReadFromUserMode(1));

        var read = Assert.Single(full.Recorder.GetTraces(), t => t.Root.Name == "ReadFile");
        Assert.Equal(true, read.Root.Attribute("nt.unfinished"));
        Assert.Equal(1, sampled.Recorder.Metrics.Requests[(TracedDiskBed.DeviceName, "IRP_MJ_READ")].Count);
        Assert.Equal(Metrics(full.Recorder), Metrics(sampled.Recorder));
    }

    private static string Links(FinishedTrace trace) =>
        string.Join(" | ", trace.Spans.Select(s => s.Name + ": " + string.Join(',', s.Links.Select(l => l.Relation + "->" + l.TraceId))));

    [Fact]
    public void Dpc_queue_counts_and_sampled_out_requests_are_counted_exactly_when_each_processor_keeps_its_own_count()
    {
        // One processor, one read at a time: each read's ISR queues one DPC, which completes that read alone.
        using var none = new TracedDiskBed(options: new KernelTraceOptions { Seed = 7, Sampling = TraceSampling.Ratio, Ratio = 0 });
        using var full = new TracedDiskBed(options: new KernelTraceOptions { Seed = 7 });
        none.ReadFromUserMode(Reads);
        full.ReadFromUserMode(Reads);

        Assert.Equal(Reads, none.Recorder.Metrics.DpcsQueued);
        Assert.Equal(1, none.Recorder.Metrics.MaxDpcQueueDepth);
        // Nothing recorded, no DPC served two requests: every request (the open, the reads, the cleanup and close) was sampled out.
        Assert.Empty(none.Recorder.GetTraces());
        Assert.Equal(none.Recorder.Metrics.Requests.Values.Sum(h => h.Count), none.Recorder.Dropped);
        Assert.Equal(full.Recorder.Metrics.IrqlChanges, none.Recorder.Metrics.IrqlChanges);
        Assert.True(none.Recorder.Metrics.IrqlChanges >= 4 * Reads, $"{none.Recorder.Metrics.IrqlChanges} IRQL changes"); // each read: ISR and DPC raise and lower
    }

    [Fact]
    public void An_unsampled_request_records_no_span()
    {
        using var none = new TracedDiskBed(options: new KernelTraceOptions { Seed = 7, Sampling = TraceSampling.Ratio, Ratio = 0 });
        none.ReadFromUserMode(4);
        // Only kernel work no request owns may remain (a DPC of several requests); no request's routine is a span.
        Assert.DoesNotContain(none.Recorder.GetTraces().SelectMany(t => t.Spans), s => s.Category is TraceSpanCategory.UserCall or TraceSpanCategory.SystemService
            or TraceSpanCategory.Dispatch or TraceSpanCategory.StartIo or TraceSpanCategory.Completion or TraceSpanCategory.WakeUp);
        Assert.True(none.Recorder.Dropped >= 4);
    }
}
