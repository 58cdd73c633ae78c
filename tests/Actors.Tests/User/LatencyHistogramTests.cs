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

    [Fact]
    public void Clear_forgets_every_value_and_the_histogram_records_again()
    {
        var h = new LatencyHistogram();
        h.Record(7_000);
        h.Record(9_000_000);
        h.Clear();
        Assert.Equal(0, h.Count);
        Assert.Equal(0, h.Min);
        Assert.Equal(0, h.Max);
        Assert.Equal(0, h.Percentile(99));
        h.Record(42_000);
        Assert.Equal(1, h.Count);
        Assert.Equal(42_000, h.Min);
        Assert.Equal(42_000, h.Max);
        Assert.InRange(h.Percentile(50), 41_580, 42_420);
    }

    [Fact]
    public void Since_works_from_and_of_an_empty_histogram()
    {
        var empty = new LatencyHistogram();
        var h = new LatencyHistogram();
        h.Record(3_000);
        h.Record(5_000);
        var since = h.Since(empty);
        Assert.Equal(2, since.Count);
        Assert.Equal(3_000, since.Min);
        Assert.Equal(5_000, since.Max);
        Assert.Equal(0, empty.Since(empty).Count);
        Assert.Equal(0, h.Since(h).Count);
    }
}
