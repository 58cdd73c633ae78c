namespace ActorKernel.Host.Tests;

[Trait("Area", "Verifier")]
public sealed class CheckedStressProcessTests
{
    [Fact]
    public void Stress_checked_exits_1_with_the_failed_assertion_and_replay_reproduces_it_checked()
    {
        var dir = TempDirectory.Create();
        var stress = HostProcess.Run(["stress", "zoo.wait-at-dispatch", "--seeds", "3", "--checked", "--no-shrink", "--out", "out"], dir);
        Assert.True(stress.ExitCode == 1, stress.ToString());
        Assert.Contains("*** Assertion failed: (KeGetCurrentIrql() < DISPATCH_LEVEL)", stress.StandardOutput, StringComparison.Ordinal);
        var replayPath = Directory.GetFiles(Path.Combine(dir, "out"), "*.replay.json").Single();
        Assert.Contains("\"checkedBuild\": true", File.ReadAllText(replayPath), StringComparison.Ordinal);

        var replay = HostProcess.Run(["replay", replayPath], dir);
        Assert.True(replay.ExitCode == 1, replay.ToString());
        Assert.Contains("reproduced byte for byte", replay.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Stress_with_an_unknown_fault_names_the_device_and_thread_faults_and_exits_2()
    {
        var dir = TempDirectory.Create();
        var stress = HostProcess.Run(["stress", "zoo.cancel-race", "--faults", "unplug"], dir);
        Assert.Equal(2, stress.ExitCode);
        Assert.Contains("(pool, cancel, close, timeout, removal, exit)", stress.StandardError, StringComparison.Ordinal);
    }
}
