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
