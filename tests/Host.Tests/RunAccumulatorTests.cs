namespace ActorKernel.Host.Tests;

/// <summary>Merging boots into one summary.</summary>
[Trait("Area", "Host")]
public sealed class RunAccumulatorTests
{
    private static WorkloadResult Workload(long issued, long completed, long failed, long inFlight, long latency)
    {
        var w = new WorkloadResult { Name = "w", Device = "nic0", Issued = issued, Completed = completed, Failed = failed, InFlight = inFlight };
        for (var i = 0; i < completed + failed; i++)
        {
            w.Latency.Record(latency);
        }
        return w;
    }

    private static RunAccumulator Accumulator()
    {
        var (scenario, _) = ScenarioReader.Read(ScenarioValidationTests.Valid, "unit.json");
        return new RunAccumulator(scenario!, "kernel", 5, "deterministic", 1_000_000_000);
    }

    [Fact]
    public void Boots_are_summed_per_workload_and_the_run_ends_at_the_last_boot()
    {
        var acc = Accumulator();
        acc.Add(new SimulationResult { EndNanoseconds = 400, Workloads = [Workload(10, 8, 2, 0, 100)], Counters = [new("x", 1)] });
        acc.Add(new SimulationResult { EndNanoseconds = 900, Workloads = [Workload(5, 5, 0, 0, 300)], Counters = [new("x", 2)] });
        var summary = acc.Build("completed", 0);
        var w = Assert.Single(summary.Workloads);
        Assert.Equal((15L, 13L, 2L), (w.Issued, w.Completed, w.Failed));
        Assert.Equal(15, w.Latency.Count);
        Assert.Equal(300, w.Latency.Max);
        Assert.Equal(900, summary.SimulatedNanoseconds);
        Assert.Equal(2, summary.Boots);
        Assert.Equal(3, summary.Counters["x"]);
        Assert.True(summary.Totals.Consistent);
    }

    [Fact]
    public void A_request_neither_completed_failed_nor_in_flight_breaks_consistency()
    {
        var acc = Accumulator();
        acc.Add(new SimulationResult { Workloads = [Workload(10, 8, 1, 0, 100)] });
        Assert.False(acc.Consistent(out var detail));
        Assert.Contains("issued 10 != completed 8 + failed 1 + in flight 0", detail, StringComparison.Ordinal);
        Assert.False(acc.Build("completed", 1).Totals.Consistent);
    }

    [Fact]
    public void Violations_reported_by_a_runner_reach_the_summary()
    {
        var acc = Accumulator();
        acc.Add(new SimulationResult { Workloads = [Workload(1, 1, 0, 0, 5)], Violations = ["IRP 0x10 completed twice"] });
        var summary = acc.Build("completed", 1);
        Assert.Equal(["IRP 0x10 completed twice"], summary.Violations);
        Assert.Contains("INVARIANT VIOLATED: IRP 0x10 completed twice", SummaryText.Render(summary), StringComparison.Ordinal);
    }

    [Fact]
    public void Event_log_entries_of_every_boot_reach_the_summary_numbered_by_boot_and_only_when_there_are_some()
    {
        var entry = new EventLogSummary(0, 1_500_000_000, "BlkMini", 9, "IO_ERR_TIMEOUT", @"\Device\BlkDisk0",
            @"The device, \Device\BlkDisk0, did not respond within the timeout period.", "STATUS_IO_TIMEOUT (0xC00000B5)", 3);
        var quiet = Accumulator();
        quiet.Add(new SimulationResult { Workloads = [Workload(1, 1, 0, 0, 5)] });
        var none = quiet.Build("completed", 0);
        Assert.Null(none.EventLog);
        Assert.DoesNotContain("eventLog", System.Text.Json.JsonSerializer.Serialize(none, SummaryJson.Options), StringComparison.Ordinal);

        var acc = Accumulator();
        acc.Add(new SimulationResult { Workloads = [Workload(1, 1, 0, 0, 5)] });
        acc.Add(new SimulationResult { Workloads = [Workload(1, 1, 0, 0, 5)], EventLog = [entry] });
        var summary = acc.Build("completed", 0);

        var logged = Assert.Single(summary.EventLog!);
        Assert.Equal(1, logged.Boot);
        Assert.Contains("\"eventLog\"", System.Text.Json.JsonSerializer.Serialize(summary, SummaryJson.Options), StringComparison.Ordinal);
        Assert.Contains(@"boot 1 at 1.5s  BlkMini  event 9 IO_ERR_TIMEOUT: The device, \Device\BlkDisk0, did not respond within the timeout period. (STATUS_IO_TIMEOUT (0xC00000B5))",
            SummaryText.Render(summary), StringComparison.Ordinal);
    }
}
