using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using ActorKernel.Drivers.Zoo;

namespace ActorKernel.Conformance.Tests.Verifier;

/// <summary><c>stress --verify IMAGE</c>: a zoo scenario with Driver Verifier on one of its drivers, found and replayed by name.</summary>
[Trait("Area", "Verifier")]
public sealed class ZooVerifyTests
{
    [Fact]
    public void A_zoo_scenario_verified_by_name_puts_the_drivers_pool_in_special_pool_and_replays_from_its_file()
    {
        var scenario = ZooCatalog.Find("zoo.paged-pool-in-dpc+verify=zoopagedpoolindpc");
        Assert.NotNull(scenario);
        Assert.Equal("zoo.paged-pool-in-dpc+verify=zoopagedpoolindpc.sys", scenario.Name);
        var directory = Path.Combine(Path.GetTempPath(), "ak-zoo-verify-" + Environment.ProcessId);
        var options = new ExplorerOptions { Seed = 1, Schedules = 20, ReplayDirectory = directory, Commit = "test", Shrink = false };

        var report = Explorer.Explore(scenario, options);

        // The statistics block (64 bytes of paged pool) is now a special-pool page; force IRQL checking still trims it: 0xD1 in the DPC.
        Assert.Equal(ExplorationStop.Failure, report.Stop);
        Assert.Equal((uint)BugCheckCode.DriverIrqlNotLessOrEqual, report.Failure!.Failure!.BugCheckCode);
        Assert.Contains("fffff980", report.Failure.CrashDumpJson!, StringComparison.Ordinal); // P1: the special-pool address touched
        var file = ReplayFile.Load(report.ReplayPath!);
        var replay = Explorer.Replay(ZooCatalog.Find(file.Scenario)!, file);
        Assert.True(replay.Reproduced);

        var twin = Explorer.Explore(ZooCatalog.Find("zoo.paged-pool-in-dpc.fixed+verify=zoopagedpoolindpc.sys")!, options with { ReplayDirectory = null });
        Assert.Equal(ExplorationStop.ScheduleBudget, twin.Stop);
    }
}
