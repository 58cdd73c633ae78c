using ActorKernel.Actors;

namespace ActorKernel.Host.Tests;

/// <summary>The timeline's differencing of cumulative samples into intervals.</summary>
[Trait("Area", "Host")]
public sealed class TimelineTests
{
    private static TimelineSample Sample(long ns, long completed, LatencyHistogram latency, long interrupts) =>
        new(ns, [new DeviceSample("d", completed, 0, latency, interrupts, interrupts)], []);

    [Fact]
    public void An_interval_holds_only_what_happened_in_it()
    {
        var timeline = new Timeline(100);
        timeline.StartBoot(0, 0);
        var cumulative = new LatencyHistogram();
        for (var i = 0; i < 100; i++)
        {
            cumulative.Record(1_000);
        }
        var first = new LatencyHistogram();
        first.Add(cumulative);
        timeline.Add(Sample(100, 100, first, 10));
        cumulative.Record(5_000_000);
        timeline.Add(Sample(200, 101, cumulative, 1_010));

        Assert.Equal(2, timeline.Intervals.Count);
        var (a, b) = (timeline.Intervals[0].Devices[0], timeline.Intervals[1].Devices[0]);
        Assert.Equal((100L, 10L, 1_000L), (a.Requests, a.Interrupts, a.MaxNanoseconds));
        Assert.Equal((1L, 1_000L), (b.Requests, b.Interrupts));
        Assert.Equal(5_000_000, b.MaxNanoseconds); // the slow one alone, not the earlier fast ones
        Assert.InRange(b.P50Nanoseconds, 4_980_000, 5_000_000); // the histogram's resolution (0.4%)
        Assert.Equal((100L, 200L), (timeline.Intervals[1].StartNanoseconds, timeline.Intervals[1].EndNanoseconds));
    }

    [Fact]
    public void A_reboot_starts_its_counters_from_zero()
    {
        var timeline = new Timeline(100);
        timeline.StartBoot(0, 0);
        timeline.Add(Sample(100, 50, new LatencyHistogram(), 50));
        timeline.StartBoot(1, 150);
        timeline.Add(Sample(200, 7, new LatencyHistogram(), 7));
        Assert.Equal((150L, 200L, 1, 7L), (timeline.Intervals[1].StartNanoseconds, timeline.Intervals[1].EndNanoseconds, timeline.Intervals[1].Boot, timeline.Intervals[1].Devices[0].Requests));
        Assert.Equal(200, timeline.NextBoundary(150));
    }
}
