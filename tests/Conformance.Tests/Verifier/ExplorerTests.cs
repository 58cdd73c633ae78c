using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using ActorKernel.Drivers.Zoo;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Verifier;

[Trait("Area", "Verifier")]
public sealed class ExplorerTests
{
    private static readonly ZooEntry CancelRace = ZooCatalog.Entries.Single(e => e.Name == "cancel-race");

    [Fact]
    public void The_same_options_explore_the_same_schedules_with_the_same_fingerprints()
    {
        var options = new ExplorerOptions { Seed = 7, Schedules = 40, Shrink = false };
        var first = Explorer.Explore(CancelRace.Scenario, options);
        var second = Explorer.Explore(CancelRace.Scenario, options);

        Assert.Equal(ExplorationStop.Failure, first.Stop);
        Assert.Equal(first.FailingSchedule, second.FailingSchedule);
        Assert.Equal(first.Failure!.Choices, second.Failure!.Choices);
        Assert.Equal(first.Failure.EventLogHash, second.Failure.EventLogHash);
        Assert.Equal(first.Failure.CrashDumpJson, second.Failure.CrashDumpJson);
    }

    [Fact]
    public void Shrink_shortens_the_choice_trace_and_the_shrunk_trace_still_replays_the_same_failure_byte_for_byte()
    {
        var options = new ExplorerOptions { Seed = 1, Schedules = 100, Shrink = false };
        var found = Explorer.Explore(CancelRace.Scenario, options);
        var shrunk = Explorer.Explore(CancelRace.Scenario, options with { Shrink = true });

        Assert.Equal(found.FailingSchedule, shrunk.FailingSchedule);
        Assert.True(shrunk.Failure!.Choices.Count < found.Failure!.Choices.Count,
            $"shrunk {shrunk.Failure.Choices.Count} choices, found with {found.Failure.Choices.Count}");
        Assert.True(shrunk.ShrinkRuns > 0);
        var replay = Explorer.Replay(CancelRace.Scenario, Explorer.ToReplayFile(CancelRace.Scenario.Name, options, shrunk.Failure));
        Assert.True(replay.Reproduced);
        Assert.Equal(found.Failure.Failure!.Signature, replay.Outcome.Failure!.Signature);
    }

    [Fact]
    public void Two_shards_run_disjoint_schedules_that_together_are_the_schedules_of_one_run()
    {
        var options = new ExplorerOptions { Seed = 3, Schedules = 10 };
        var whole = Explorer.Explore(CancelRace.Fixed, options);
        var first = Explorer.Explore(CancelRace.Fixed, options with { ShardIndex = 0, ShardCount = 2 });
        var second = Explorer.Explore(CancelRace.Fixed, options with { ShardIndex = 1, ShardCount = 2 });

        Assert.Empty(first.ScheduleNumbers.Intersect(second.ScheduleNumbers));
        Assert.Equal(whole.ScheduleNumbers, first.ScheduleNumbers.Concat(second.ScheduleNumbers).Order());
        Assert.Equal(Enumerable.Range(0, 10), whole.ScheduleNumbers);
    }

    [Fact]
    public void Exhaustive_search_finds_the_lost_update_of_a_tiny_test_and_exhausts_its_fixed_form()
    {
        var options = new ExplorerOptions { Strategy = ExplorationStrategyKind.Exhaustive, ExhaustiveDepth = 6, Schedules = 2000, Shrink = false };

        var racy = Explorer.Explore(TwoIncrements(atomic: false), options);
        var atomic = Explorer.Explore(TwoIncrements(atomic: true), options);

        Assert.Equal(ExplorationStop.Failure, racy.Stop);
        Assert.Equal(FailureKind.Invariant, racy.Failure!.Failure!.Kind);
        Assert.Equal(ExplorationStop.Exhausted, atomic.Stop);
        Assert.InRange(atomic.SchedulesRun, 2, 2000);
    }

    // Two processors add one to a shared counter, with a read and a write or with InterlockedIncrement.
    private static ExplorerScenario TwoIncrements(bool atomic) => new("two-increments", run =>
    {
        var bed = ZooBed.Create(run);
        var shared = new SharedVariable<int>(0);
        var interlocked = new int[1];
        var done = 0;
        for (var cpu = 0; cpu < 2; cpu++)
        {
            bed.Thread(cpu, "Incrementer", async () =>
            {
                await KeCompute(100);
                if (atomic)
                {
                    InterlockedIncrement(ref interlocked[0]);
                }
                else
                {
                    shared.Write(shared.Read() + 1);
                }
                done++;
            });
        }
        bed.RunUntil(() => done == 2, "both increments");
        run.Invariant("the counter is 2", () => (atomic ? interlocked[0] : shared.Peek) == 2);
    });

    [Fact]
    public void The_wall_time_budget_stops_a_clean_exploration()
    {
        var clock = new SteppingClock(TimeSpan.FromSeconds(1));
        var report = Explorer.Explore(CancelRace.Fixed, new ExplorerOptions { Schedules = 1000, WallTimeBudget = TimeSpan.FromSeconds(2.5), WallClock = clock });

        Assert.Equal(ExplorationStop.WallTimeBudget, report.Stop);
        Assert.InRange(report.SchedulesRun, 1, 3);
    }

    [Fact]
    public void An_injected_pool_allocation_failure_is_in_the_fault_trace_and_replays()
    {
        var options = new ExplorerOptions { Schedules = 20, Faults = new HashSet<KiFault> { KiFault.PoolAllocation }, FaultProbability = 0.5, Shrink = true };
        var report = Explorer.Explore(PoolUser, options);

        Assert.Equal(ExplorationStop.Failure, report.Stop);
        Assert.Equal(FailureKind.Invariant, report.Failure!.Failure!.Kind);
        Assert.Contains(report.Failure.Faults, f => f is { Fault: KiFault.PoolAllocation, Injected: true });
        Assert.True(Explorer.Replay(PoolUser, Explorer.ToReplayFile(PoolUser.Name, options, report.Failure)).Reproduced);
    }

    [Fact]
    public void Without_enabled_faults_no_allocation_fails()
    {
        var report = Explorer.Explore(PoolUser, new ExplorerOptions { Schedules = 20 });

        Assert.Equal(ExplorationStop.ScheduleBudget, report.Stop);
    }

    [Fact]
    public void A_failed_assertion_in_the_body_is_a_failure_with_its_message()
    {
        var scenario = new ExplorerScenario("assert", run =>
        {
            ZooBed.Create(run);
            ExplorationRun.Assert(false, "the reply was wrong");
        });
        var report = Explorer.Explore(scenario, new ExplorerOptions { Schedules = 5, Shrink = false });

        Assert.Equal(FailureKind.Assertion, report.Failure!.Failure!.Kind);
        Assert.Contains("the reply was wrong", report.Failure.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, report.FailingSchedule);
    }

    // A thread allocates pool twice; the invariant says both allocations succeeded, which an injected failure breaks.
    private static readonly ExplorerScenario PoolUser = new("pool-user", run =>
    {
        var bed = ZooBed.Create(run);
        var got = new List<ulong>();
        bed.Thread(0, "Allocator", () =>
        {
            got.Add(ExAllocatePoolWithTag(PoolType.NonPagedPool, 64, 0x74736554));
            got.Add(ExAllocatePoolWithTag(PoolType.NonPagedPool, 64, 0x74736554));
            return ValueTask.CompletedTask;
        });
        bed.RunUntil(() => got.Count == 2, "two allocations");
        run.Invariant("both allocations succeeded", () => got.All(a => a != 0));
    });

    private sealed class SteppingClock(TimeSpan step) : TimeProvider
    {
        private long _now;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _now += step.Ticks;
    }
}
