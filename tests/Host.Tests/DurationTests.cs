namespace ActorKernel.Host.Tests;

[Trait("Area", "Host")]
public sealed class DurationTests
{
    [Theory]
    [InlineData("500ms", 500_000_000L)]
    [InlineData("10s", 10_000_000_000L)]
    [InlineData("2m", 120_000_000_000L)]
    [InlineData("1h", 3_600_000_000_000L)]
    [InlineData("250us", 250_000L)]
    [InlineData("800ns", 800L)]
    [InlineData("1.5s", 1_500_000_000L)]
    [InlineData("00:01:30", 90_000_000_000L)]
    [InlineData(" 20ms ", 20_000_000L)]
    public void Duration_parses_units_and_TimeSpan_forms_exactly(string text, long expected)
    {
        Assert.True(Duration.TryParseNanoseconds(text, out var ns));
        Assert.Equal(expected, ns);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fast")]
    [InlineData("10")]
    [InlineData("10 parsecs")]
    [InlineData("ms")]
    [InlineData("1e3s")]
    public void Duration_rejects_text_that_is_not_a_duration(string text) =>
        Assert.False(Duration.TryParseNanoseconds(text, out _));

    [Theory]
    [InlineData(2_000_000_000L, "2s")]
    [InlineData(120_000_000_000L, "2m")]
    [InlineData(1_500_000L, "1.5ms")]
    [InlineData(250_000L, "250us")]
    [InlineData(12L, "12ns")]
    public void Duration_formats_in_the_largest_exact_unit(long ns, string expected) =>
        Assert.Equal(expected, Duration.Format(ns));

    [Theory]
    [InlineData(1L)]
    [InlineData(999L)]
    [InlineData(1_234_000L)]
    [InlineData(5_000_000_000L)]
    public void Duration_format_round_trips_through_parse(long ns)
    {
        Assert.True(Duration.TryParseNanoseconds(Duration.Format(ns), out var back));
        Assert.Equal(ns, back);
    }
}
