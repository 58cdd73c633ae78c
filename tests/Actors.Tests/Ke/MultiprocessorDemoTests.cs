using ActorKernel.Actors;

namespace ActorKernel.Actors.Tests.Ke;

[Trait("Area", "Processors")]
public sealed class MultiprocessorDemoTests
{
    private static string Render(ulong seed) =>
        MultiprocessorDemo.Run(new MultiprocessorDemoOptions { Processors = 4, Seed = seed, Duration = TimeSpan.FromMilliseconds(20) }).ToText();

    [Fact]
    public void Same_seed_prints_byte_identical_output_twice()
    {
        var first = Render(7);
        var second = Render(7);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Different_seed_prints_different_output()
    {
        Assert.NotEqual(Render(7), Render(8));
    }

    [Fact]
    public void Demo_reports_IRQL_residency_and_ISR_and_DPC_counts_on_all_four_processors_without_a_bugcheck()
    {
        var report = MultiprocessorDemo.Run(new MultiprocessorDemoOptions { Processors = 4, Seed = 7, Duration = TimeSpan.FromMilliseconds(20) });
        Assert.Null(report.CrashDump);
        Assert.Equal(4, report.Statistics.Processors.Count);
        Assert.Equal(20_000_000, report.Statistics.TimeNs);
        Assert.All(report.Statistics.Processors, p => Assert.True(p.DpcCount > 0, $"cpu{p.Number} ran no DPC"));
        Assert.All(report.Statistics.Processors, p => Assert.True(p.IrqlResidencyNs[(int)Irql.DispatchLevel] > 0));
        Assert.True(report.Statistics.Processors[0].IrqlResidencyNs[(int)Irql.ClockLevel] > 0, "the clock runs on processor 0");
        Assert.All(report.InterruptsByDriver, d => Assert.True(d.Calls > 0 && d.Claimed >= d.Calls - 4, $"{d.Driver}: {d.Calls} calls, {d.Claimed} claimed"));
        Assert.True(report.WorkItems > 0);
        var text = report.ToText();
        Assert.Contains("DISPATCH_LEVEL", text, StringComparison.Ordinal);
        Assert.Contains("DIRQL(6)", text, StringComparison.Ordinal);
        Assert.Contains("seed 7", text, StringComparison.Ordinal);
    }
}
