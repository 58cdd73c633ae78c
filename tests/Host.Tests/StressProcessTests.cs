using System.Text.Json;

namespace ActorKernel.Host.Tests;

[Trait("Area", "Verifier")]
public sealed class StressProcessTests
{
    [Fact]
    public void Stress_on_a_zoo_bug_exits_1_with_a_replay_file_that_replay_reproduces_with_the_same_crash_dump()
    {
        var dir = TempDirectory.Create();
        var stress = HostProcess.Run(["stress", "zoo.cancel-race", "--seeds", "50", "--out", "out"], dir);
        Assert.True(stress.ExitCode == 1, stress.ToString());
        var replayPath = Directory.GetFiles(Path.Combine(dir, "out"), "*.replay.json").Single();
        Assert.Contains("replay with: actorkernel replay ", stress.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(replayPath), stress.StandardOutput, StringComparison.Ordinal);

        var replay = HostProcess.Run(["replay", replayPath, "--out", "replayed.crash.json"], dir);
        Assert.True(replay.ExitCode == 1, replay.ToString());
        Assert.Contains("reproduced byte for byte", replay.StandardOutput, StringComparison.Ordinal);
        var recorded = File.ReadAllText(Directory.GetFiles(Path.Combine(dir, "out"), "*.crash.json").Single());
        Assert.Equal(recorded, File.ReadAllText(Path.Combine(dir, "replayed.crash.json")));
    }

    [Fact]
    public void Stress_on_the_fixed_twin_exits_0_and_two_shards_cover_the_seeds_of_one_run()
    {
        var dir = TempDirectory.Create();
        var whole = HostProcess.Run(["stress", "zoo.cancel-race.fixed", "--seeds", "12", "--out", "whole"], dir);
        Assert.True(whole.ExitCode == 0, whole.ToString());
        var first = HostProcess.Run(["stress", "zoo.cancel-race.fixed", "--seeds", "12", "--shard", "0/2", "--out", "shards"], dir);
        var second = HostProcess.Run(["stress", "zoo.cancel-race.fixed", "--seeds", "12", "--shard", "1/2", "--out", "shards"], dir);
        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first + "\n" + second);

        static List<int> Schedules(string file) =>
            [.. JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("schedules").EnumerateArray().Select(e => e.GetInt32())];
        var shards = Directory.GetFiles(Path.Combine(dir, "shards"), "*.shard.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, shards.Count);
        Assert.Empty(Schedules(shards[0]).Intersect(Schedules(shards[1])));
        Assert.Equal(Schedules(Directory.GetFiles(Path.Combine(dir, "whole"), "*.shard.json").Single()), shards.SelectMany(Schedules).Order());

        var merge = HostProcess.Run(["stress", "merge", .. shards], dir);
        Assert.True(merge.ExitCode == 0, merge.ToString());
        Assert.Contains("2 of 2 shard(s), 12 of 12 schedule(s) run", merge.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Stress_with_an_unknown_scenario_or_a_bad_shard_exits_2()
    {
        var dir = TempDirectory.Create();
        Assert.Equal(2, HostProcess.Run(["stress", "zoo.nope"], dir).ExitCode);
        Assert.Equal(2, HostProcess.Run(["stress", "zoo.cancel-race", "--shard", "2/2"], dir).ExitCode);
        Assert.Equal(2, HostProcess.Run(["replay", "missing.replay.json"], dir).ExitCode);
    }
}
