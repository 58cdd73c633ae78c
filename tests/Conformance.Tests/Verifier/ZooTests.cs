using ActorKernel.Actors.Verifier;
using ActorKernel.Drivers.Zoo;
using Xunit.Abstractions;

namespace ActorKernel.Conformance.Tests.Verifier;

[Trait("Area", "Verifier")]
public sealed class ZooTests(ITestOutputHelper output)
{
    private const int Budget = 300;

    public static TheoryData<string> Entries() => [.. ZooCatalog.Entries.Select(e => e.Name)];

    [Theory]
    [MemberData(nameof(Entries))]
    public void The_explorer_finds_each_zoo_bug_replays_it_byte_for_byte_and_the_fixed_twin_survives(string name)
    {
        var entry = ZooCatalog.Entries.Single(e => e.Name == name);
        var directory = Path.Combine(Path.GetTempPath(), "ak-zoo-" + name + "-" + Environment.ProcessId);
        foreach (var strategy in new[] { ExplorationStrategyKind.Random, ExplorationStrategyKind.Pct })
        {
            var options = new ExplorerOptions { Strategy = strategy, Seed = 1, Schedules = Budget, ReplayDirectory = directory, Commit = "test", Shrink = false };
            var report = Explorer.Explore(entry.Scenario, options);
            output.WriteLine($"{name} {strategy}: {report.Stop} after {report.SchedulesRun} schedules: {report.Failure?.Failure}");
            Assert.Equal(ExplorationStop.Failure, report.Stop);
            Assert.Equal(entry.Expected, report.Failure!.Failure!.Kind);
            Assert.Equal((uint)entry.ExpectedBugCheck, report.Failure.Failure.BugCheckCode);

            var replay = Explorer.Replay(entry.Scenario, ReplayFile.Load(report.ReplayPath!));
            Assert.True(replay.Reproduced, $"replay: failure {replay.SameFailure}, event log {replay.SameEventLog}, crash dump {replay.SameCrashDump}, diverged {replay.Diverged}");

            var twin = Explorer.Explore(entry.Fixed, options with { ReplayDirectory = null });
            Assert.True(twin.Stop == ExplorationStop.ScheduleBudget, $"the fixed twin failed: {twin.Failure?.Failure}");
            Assert.Equal(Budget, twin.SchedulesRun);
        }
    }
}
