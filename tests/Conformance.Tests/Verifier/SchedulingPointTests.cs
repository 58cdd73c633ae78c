using ActorKernel.Runtime;

namespace ActorKernel.Conformance.Tests.Verifier;

[Trait("Area", "Verifier")]
public sealed class SchedulingPointTests
{
    [Fact]
    public void Without_a_strategy_a_scheduling_point_runs_nothing_else()
    {
        using var system = ActorSystem.Create("points", ActorSystemOptions.DeterministicWith(1));
        var log = new List<string>();
        var other = system.ActorOf(Props.Create(() => new Logger(log, "other", null)), "other");
        var paused = system.ActorOf(Props.Create(() => new Logger(log, "paused", system.Deterministic)), "paused");
        other.Tell("go");
        paused.Tell("go");
        system.Deterministic!.RunUntilQuiescent();

        Assert.Contains("paused: point ran nothing", log);
    }

    [Fact]
    public void With_a_strategy_a_scheduling_point_runs_another_ready_actor_inside_the_paused_turn()
    {
        using var system = ActorSystem.Create("points", ActorSystemOptions.DeterministicWith(1));
        var log = new List<string>();
        var strategy = new FirstPausedThenOther();
        system.Deterministic!.Strategy = strategy;
        var paused = system.ActorOf(Props.Create(() => new Logger(log, "paused", system.Deterministic)), "paused");
        var other = system.ActorOf(Props.Create(() => new Logger(log, "other", null)), "other");
        paused.Tell("go");
        other.Tell("go");
        system.Deterministic.RunUntilQuiescent();

        Assert.Equal(["paused: before", "other: go", "paused: point ran others"], log);
        Assert.Equal(1, system.Deterministic.InterleavedDeliveries);
    }

    private sealed class Logger : ReceiveActor
    {
        public Logger(List<string> log, string name, DeterministicDispatcher? pointAt) => Receive<string>(_ =>
        {
            if (pointAt is null)
            {
                log.Add(name + ": go");
                return;
            }
            log.Add(name + ": before");
            log.Add(name + (pointAt.Interleave() ? ": point ran others" : ": point ran nothing"));
        });
    }

    // At the dispatcher step: the actor created first (the paused one). At the point: the other one once, then continue.
    private sealed class FirstPausedThenOther : ISchedulingStrategy
    {
        private bool _switched;

        public int Choose(ReadOnlySpan<int> candidates, int pausedIndex)
        {
            if (pausedIndex < 0)
            {
                var first = 0;
                for (var i = 1; i < candidates.Length; i++)
                {
                    first = candidates[i] < candidates[first] ? i : first;
                }
                return first;
            }
            if (_switched)
            {
                return pausedIndex;
            }
            _switched = true;
            return pausedIndex == 0 ? 1 : 0;
        }
    }
}
