using System.Text.Json;

namespace ActorKernel.Host.Tests;

/// <summary>Issue 17: the timeline (timeline.json, timeline.csv, the summary's chart) and the wall-time estimate.</summary>
[Trait("Area", "Host")]
public sealed class TimelineProcessTests
{
    private static List<JsonElement> Intervals(string output) =>
        [.. Summary.Read(output, "timeline.json").GetProperty("intervals").EnumerateArray()];

    private static JsonElement Device(JsonElement interval, string name) =>
        interval.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("name").GetString() == name);

    private static long DpcTime(JsonElement interval) =>
        interval.GetProperty("processors").EnumerateArray().Sum(p => p.GetProperty("dpcNanoseconds").GetInt64());

    [Fact]
    public void Interrupt_storm_timeline_shows_the_storm_in_DPC_time_and_latency_and_the_recovery()
    {
        var output = TempDirectory.Create();
        // The storm is 500..800 ms; a second shows the calm before, the storm, and the recovery after.
        var result = HostProcess.Run(["run", "interrupt-storm", "--duration", "1s", "--out", output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var intervals = Intervals(output);
        Assert.Equal(10, intervals.Count(i => i.GetProperty("endNanoseconds").GetInt64() <= 1_000_000_000)); // 100 ms intervals
        static long Start(JsonElement i) => i.GetProperty("startNanoseconds").GetInt64();
        var calm = intervals.Where(i => Start(i) < 500_000_000).ToList();
        var storm = intervals.Where(i => Start(i) is >= 500_000_000 and < 800_000_000).ToList();
        var recovery = intervals.Single(i => Start(i) == 800_000_000);
        var after = intervals.Where(i => Start(i) == 900_000_000).ToList();
        Assert.Equal(3, storm.Count);

        // DPC time: the storm's intervals carry many times the calm ones', and it falls back after.
        var calmDpc = calm.Average(DpcTime);
        Assert.All(storm, i => Assert.True(DpcTime(i) > 5 * calmDpc, $"storm DPC time {DpcTime(i)} vs calm {calmDpc}"));
        Assert.All(after, i => Assert.True(DpcTime(i) < 2 * calmDpc, $"after the storm {DpcTime(i)} vs calm {calmDpc}"));

        // Latency: the timer's readers on processor 1 finish every tick when calm, nothing during the
        // storm (their thread never runs), and the interval that ends it holds a request as late as the storm was long.
        Assert.All(calm, i => Assert.InRange(Device(i, "timer0").GetProperty("requests").GetInt64(), 150, 250));
        Assert.All(calm, i => Assert.True(Device(i, "timer0").GetProperty("maxNanoseconds").GetInt64() < 1_000_000));
        Assert.All(storm, i => Assert.Equal(0, Device(i, "timer0").GetProperty("requests").GetInt64()));
        Assert.True(Device(recovery, "timer0").GetProperty("maxNanoseconds").GetInt64() > 100_000_000, "the request the storm held finished late");
        Assert.All(after, i => Assert.True(Device(i, "timer0").GetProperty("maxNanoseconds").GetInt64() < 1_000_000, "recovered"));

        // The same figures in the CSV and drawn in the text summary.
        var csv = File.ReadAllLines(Path.Combine(output, "timeline.csv"));
        Assert.StartsWith("startNs,endNs,boot,scope,name,", csv[0], StringComparison.Ordinal);
        Assert.Contains(csv, l => l.StartsWith("500000000,600000000,0,processor,cpu1,", StringComparison.Ordinal));
        Assert.Contains("DPC time, all processors (us)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("slowest request finished (us)", File.ReadAllText(Path.Combine(output, "summary.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_timeline_is_byte_identical_for_the_same_seed()
    {
        var (a, b) = (TempDirectory.Create(), TempDirectory.Create());
        Assert.Equal(0, HostProcess.Run(["run", "echo-timer", "--duration", "300ms", "--out", a]).ExitCode);
        Assert.Equal(0, HostProcess.Run(["run", "echo-timer", "--duration", "300ms", "--out", b]).ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "timeline.json")), File.ReadAllBytes(Path.Combine(b, "timeline.json")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "timeline.csv")), File.ReadAllBytes(Path.Combine(b, "timeline.csv")));
        Assert.Equal(3, Intervals(a).Count(i => i.GetProperty("endNanoseconds").GetInt64() <= 300_000_000));
    }

    [Fact]
    public void A_deterministic_run_estimated_past_the_wall_time_limit_is_warned_about_after_calibration()
    {
        var output = TempDirectory.Create();
        using var host = HostProcess.Start(["--set", "Run:WallTimeWarning=00:00:01", "run", "echo-timer", "--duration", "1000h", "--out", output]);
        Assert.True(host.WaitForLog("Estimated wall time", HostProcess.Patience), host.StandardError);
        host.Signal(SignalProcessTests.SigTerm); // the warning said so: a graceful stop still writes the summary
        var result = host.WaitForExit(HostProcess.Patience);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("stopped", Summary.Read(output).GetProperty("stopReason").GetString());
        Assert.Contains("for 1000h of simulated time", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Run:WallTimeWarning", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_run_is_not_warned_about()
    {
        var result = HostProcess.Run(["run", "echo-timer", "--duration", "200ms", "--out", TempDirectory.Create()]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("Estimated wall time", result.StandardError, StringComparison.Ordinal);
    }
}
