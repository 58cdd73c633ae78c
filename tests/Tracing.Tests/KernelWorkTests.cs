using ActorKernel.Actors;

namespace ActorKernel.Tracing.Tests;

/// <summary>Kernel work that belongs to no request gets its own trace; ISRs and DPCs over Microsoft's guidance are flagged.</summary>
[Trait("Area", "Tracing")]
public sealed class KernelWorkTests
{
    [Fact]
    public void An_interrupt_with_no_request_in_flight_is_a_trace_of_its_own_ISR_then_the_DPC_it_queued()
    {
        using var bed = new TracedDiskBed();
        bed.Machine.System.Scheduler.ScheduleOnce(TimeSpan.FromTicks(100), () => bed.Machine.RaiseInterrupt(TracedDiskBed.Line));
        bed.Machine.System.Deterministic!.RunUntilQuiescent(1_000_000);
        bed.Recorder.Flush();

        var trace = Assert.Single(bed.Recorder.GetTraces());
        Assert.Equal("Isr DiskIsr", trace.Root.Name);
        Assert.Equal("", trace.Root.ParentSpanId);
        var dpc = Assert.Single(trace.Spans, s => s.Category == TraceSpanCategory.Dpc);
        Assert.Equal(trace.Root.SpanId, dpc.ParentSpanId);
        Assert.Contains(dpc.Links, l => l.Relation == "queued-by" && l.SpanId == trace.Root.SpanId);
        Assert.Equal(1, bed.Recorder.Metrics.Routines[("tdisk.sys", "Isr")].Count);
        Assert.Equal(1, bed.Recorder.Metrics.Routines[("tdisk.sys", "Dpc")].Count);
    }

    [Fact]
    public void A_DPC_over_100_microseconds_is_flagged_against_Microsofts_guidance_in_the_span_and_the_metrics()
    {
        using var bed = new TracedDiskBed { };
        bed.DpcStallMicroseconds = 150;
        bed.ReadFromUserMode(1);
        var dpc = Assert.Single(bed.Recorder.GetTraces().SelectMany(t => t.Spans), s => s.Category == TraceSpanCategory.Dpc);
        Assert.True(dpc.DurationNs > IoTraceRecorder.DpcGuidanceNs);
        Assert.Equal("dpc-over-100us", dpc.Attribute(TraceAttributes.Guidance));
        Assert.Equal(1, bed.Recorder.Metrics.Routines[("tdisk.sys", "Dpc")].Flagged);
        var isr = Assert.Single(bed.Recorder.GetTraces().SelectMany(t => t.Spans), s => s.Category == TraceSpanCategory.Isr);
        Assert.Null(isr.Attribute(TraceAttributes.Guidance)); // a short ISR is within its 25 us
    }
}
