namespace ActorKernel.Actors.Tests.User;

[Trait("Area", "UserMode")]
public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_of_a_uniform_range_are_within_one_percent()
    {
        var h = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++)
        {
            h.Record(v * 1_000); // 1us .. 100ms
        }
        foreach (var (p, expected) in new[] { (50.0, 50_000_000L), (90.0, 90_000_000L), (99.0, 99_000_000L) })
        {
            var actual = h.Percentile(p);
            Assert.InRange(actual, expected * 0.99, expected * 1.01);
        }
        Assert.Equal(100_000, h.Count);
        Assert.Equal(1_000, h.Min);
        Assert.Equal(100_000_000, h.Max);
        Assert.Equal(50_000_500, h.Mean);
    }

    [Fact]
    public void Percentile_stays_within_min_and_max()
    {
        var h = new LatencyHistogram();
        h.Record(250_000);
        h.Record(250_000);
        Assert.Equal(250_000, h.Percentile(50));
        Assert.Equal(250_000, h.Percentile(99));
    }

    [Fact]
    public void Add_merges_counts_and_extremes()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        a.Record(10);
        b.Record(1_000_000);
        b.Record(5);
        a.Add(b);
        Assert.Equal(3, a.Count);
        Assert.Equal(5, a.Min);
        Assert.Equal(1_000_000, a.Max);
        Assert.Equal(0, new LatencyHistogram().Percentile(50));
    }
}
