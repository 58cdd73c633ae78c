using ActorKernel.Runtime;

namespace ActorKernel.Runtime.Tests;

/// <summary>Cancelled timers (answered Asks above all) do not pile up in the timer queue, and dropping them changes no firing order.</summary>
[Trait("Area", "Runtime")]
public sealed class TimerCompactionSpec
{
    private sealed class Answerer : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            Sender.Tell(message, Self);
            return true;
        }
    }

    [Fact]
    public async Task Answered_asks_do_not_pile_up_in_the_timer_queue_until_their_timeouts()
    {
        await using var system = ActorSystem.Create("compaction", ActorSystemOptions.ConcurrentWith());
        var answerer = system.ActorOf(Props.Create(() => new Answerer()), "answerer");
        const int asks = 5_000;
        for (var i = 0; i < asks; i++)
        {
            Assert.Equal(i, await answerer.Ask<int>(i, TimeSpan.FromHours(1)));
        }
        var pending = ((TimerQueueScheduler)system.Scheduler).PendingTimers;
        Assert.True(pending < 2_100, $"{pending} timers still queued after {asks} answered asks");
    }

    [Fact]
    public void Dropping_cancelled_timers_keeps_the_firing_order_of_the_live_ones()
    {
        using var system = ActorSystem.Create("compaction", ActorSystemOptions.DeterministicWith(9));
        var scheduler = system.Scheduler;
        var random = new DeterministicRandom(9);
        var fired = new List<int>();
        var expected = new List<(long Due, int Id)>();
        var handles = new List<ICancelable>();
        for (var id = 0; id < 5_000; id++)
        {
            var due = random.NextInt64(1, 50) * 1_000; // many ties: same due, then scheduling order
            var captured = id;
            handles.Add(scheduler.ScheduleOnce(TimeSpan.FromTicks(due / 100), () => fired.Add(captured)));
            expected.Add((due, id));
        }
        var live = new List<(long Due, int Id)>();
        for (var id = 0; id < handles.Count; id++)
        {
            if (id % 3 != 0)
            {
                handles[id].Cancel(); // two thirds cancelled: enough to trigger a compaction
            }
            else
            {
                live.Add(expected[id]);
            }
        }
        var before = ((TimerQueueScheduler)scheduler).PendingTimers;
        scheduler.ScheduleOnce(TimeSpan.FromHours(1), () => { }); // the next Add compacts
        Assert.True(((TimerQueueScheduler)scheduler).PendingTimers < before / 2, "the cancelled timers were not dropped");

        system.Deterministic!.RunFor(TimeSpan.FromMilliseconds(1));

        var order = live.OrderBy(x => x.Due).ThenBy(x => x.Id).Select(x => x.Id).ToList();
        Assert.Equal(order, fired);
    }
}
