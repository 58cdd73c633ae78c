namespace ActorKernel.Host.Tests.Power;

/// <summary>
/// The <c>power-cycle</c> scenario run as a process (issue 15, acceptance item 4): the block disk's
/// workload across S3 and back, an idle power-down and the wake on the next request, then S5.
/// </summary>
[Trait("Area", "Pnp")]
public sealed class PowerScenarioProcessTests
{
    /// <summary>Shipped scenarios these tests own (the shipped-scenario table includes them).</summary>
    public static IReadOnlyList<string> Names { get; } = ["power-cycle"];

    [Fact]
    public void Power_cycle_sleeps_wakes_idles_the_disk_and_shuts_down_with_every_request_completed_and_its_data_verified()
    {
        var output = TempDirectory.Create();
        var result = HostProcess.Run(["run", "power-cycle", "--out", output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        var notes = summary.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Equal(
        [
            "power at 308.537ms: system in S3",
            "power at 700.018ms: system in S0",
            @"power at 3s: PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\00 idle for 1 s: requesting D3",
            "power at 3.8s: system in S5",
        ], notes);
        foreach (var workload in summary.GetProperty("workloads").EnumerateArray())
        {
            Assert.Equal(workload.GetProperty("issued").GetInt64(), workload.GetProperty("completed").GetInt64());
            Assert.Equal(0, workload.GetProperty("failed").GetInt64());
            var name = workload.GetProperty("name").GetString();
            // Every read compared with the pattern its slot wrote: held across sleep and the idle D3, the data came back.
            Assert.Equal(workload.GetProperty("reads").GetInt64(), summary.GetProperty("counters").GetProperty($"workloads.{name}.verified").GetInt64());
        }
    }
}
