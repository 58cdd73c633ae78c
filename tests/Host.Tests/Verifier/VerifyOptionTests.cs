using System.Text.Json;

namespace ActorKernel.Host.Tests.Verifier;

/// <summary><c>run --verify DRIVER</c>: Driver Verifier's special pool, pool tracking and I/O verification for a scenario's stack, with <c>!verifier</c> figures in the summary.</summary>
[Trait("Area", "Verifier")]
public sealed class VerifyOptionTests
{
    [Fact]
    public void Run_verify_counts_the_drivers_pool_and_writes_its_verifier_figures_in_the_summary()
    {
        var dir = TempDirectory.Create();
        // 2 ms of the planted-bug stack: the filter allocates its history (a page of paged pool) and no 1,000th read happens yet.
        var run = HostProcess.Run(["run", "planted-bugcheck", "--duration", "2ms", "--verify", "planted-bug", "--out", "out"], dir);
        Assert.True(run.ExitCode == 0, run.ToString());

        var summary = Summary.Read(Path.Combine(dir, "out"));
        var filter = summary.GetProperty("verifier").EnumerateArray().Single(v => v.GetProperty("driver").GetString() == "plantflt.sys");
        Assert.Equal("0x0000001B", filter.GetProperty("flags").GetString()); // special pool, force IRQL checking, pool tracking, I/O verification
        Assert.Equal(1, filter.GetProperty("loads").GetInt32());
        // The history is a whole page: too big for special pool (a page beside its header), so regular pool, as on NT.
        Assert.Equal(0, filter.GetProperty("allocationsSucceededSpecialPool").GetInt64());
        Assert.Equal((1, 4096), (filter.GetProperty("currentPagedAllocations").GetInt64(), filter.GetProperty("currentPagedBytes").GetInt64()));
        var text = File.ReadAllText(Path.Combine(dir, "out", "summary.txt"));
        Assert.Contains("Driver Verifier: plantflt.sys  flags 0x0000001B (SpecialPool, ForceIrqlChecking, PoolTracking, IoVerification)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_verify_of_a_driver_the_scenario_does_not_have_is_bad_input_and_a_run_without_it_has_no_verifier_section()
    {
        var dir = TempDirectory.Create();
        var bad = HostProcess.Run(["run", "planted-bugcheck", "--duration", "1ms", "--verify", "nosuch", "--out", "bad"], dir);
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("--verify: no driver or filter of the scenario is named nosuch", bad.StandardError, StringComparison.Ordinal);

        var plain = HostProcess.Run(["run", "ramdisk", "--duration", "1ms", "--out", "plain"], dir);
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.False(Summary.Read(Path.Combine(dir, "plain")).TryGetProperty("verifier", out JsonElement _));
    }
}
