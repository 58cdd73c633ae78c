namespace ActorKernel.Host.Tests;

/// <summary>SIGTERM (what Ctrl+C and service managers send) during a run: drain, summary, exit 0.</summary>
[Trait("Area", "Host")]
public sealed class SignalProcessTests
{
    private const int SigTerm = 15;

    [Theory]
    [InlineData("deterministic")]
    [InlineData("concurrent")]
    public void Sigterm_during_a_run_drains_writes_the_summary_and_exits_0(string dispatcher)
    {
        var output = TempDirectory.Create();
        using var host = HostProcess.Start(["run", "default", "--dispatcher", dispatcher, "--duration", "1h", "--out", output]);
        Assert.True(host.WaitForLog("progress:", TimeSpan.FromSeconds(30)), host.StandardError);
        host.Signal(SigTerm);
        var result = host.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Stop requested", result.StandardError, StringComparison.Ordinal);
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        Assert.Equal("stopped", summary.GetProperty("stopReason").GetString());
        Assert.Equal(0, summary.GetProperty("totals").GetProperty("inFlight").GetInt64());
        Assert.True(summary.GetProperty("totals").GetProperty("issued").GetInt64() > 0);
        Assert.True(summary.GetProperty("simulatedNanoseconds").GetInt64() < 3_600_000_000_000L, "stopped long before the hour");
    }
}
