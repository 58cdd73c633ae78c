namespace ActorKernel.Runtime.Tests;

/// <summary>Actor timers on virtual time: when they fire, and that they never fire once cancelled or after their actor stops.</summary>
[Trait("Area", "Runtime")]
public sealed class TimerSpec() : ActorTestKit(DispatcherKind.Deterministic)
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Single_timer_fires_once_at_exactly_its_delay()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new TimerActor(probe.Ref)), "timers");
        Deterministic!.RunUntilQuiescent();
        var start = Deterministic.NowNanoseconds;

        actor.Tell(new Arm("once", 100 * Ms, null));

        Assert.Equal(("once", start + 100_000_000), probe.ExpectMsg<(string, long)>());
        probe.ExpectNoMsg(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Periodic_timer_fires_after_its_initial_delay_then_every_interval()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new TimerActor(probe.Ref)), "timers");

        actor.Tell(new Arm("tick", 10 * Ms, 25 * Ms));

        var times = probe.ReceiveN(4).Cast<(string, long)>().Select(t => t.Item2 / 1_000_000);
        Assert.Equal([10L, 35L, 60L, 85L], times);
    }

    [Fact]
    public void Timers_never_fire_after_their_actor_stopped()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new TimerActor(probe.Ref)), "timers");
        actor.Tell(new Arm("tick", 10 * Ms, 25 * Ms));
        Sys.Scheduler.ScheduleTellOnce(50 * Ms, actor, PoisonPill.Instance, null);

        Deterministic!.RunFor(TimeSpan.FromSeconds(1));

        Assert.Equal([10L, 35L], probe.ReceiveN(2).Cast<(string, long)>().Select(t => t.Item2 / 1_000_000));
        Assert.Equal(0, probe.MessageCount);
        Assert.Equal(0, Sys.DeadLetterCount);
        Assert.True(Deterministic.IsQuiescent, "the stopped actor's periodic timer is gone");
    }

    [Fact]
    public void Cancelling_a_timer_drops_its_message_even_when_already_queued()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new TimerActor(probe.Ref)), "timers");

        // Both fire at 10 ms, canceller first (set first): the victim's message is queued behind the cancel.
        actor.Tell(new Arm("canceller", 10 * Ms, null, new CancelTimer("victim")));
        actor.Tell(new Arm("victim", 10 * Ms, null));

        Assert.Equal("cancelled victim at 10 ms", probe.ExpectMsg<string>());
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Cancelling_a_pending_timer_stops_it_and_it_is_no_longer_active()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new TimerActor(probe.Ref)), "timers");
        actor.Tell(new Arm("t", 100 * Ms, null));
        probe.Send(actor, new IsActive("t"));
        Assert.True(probe.ExpectMsg<bool>());

        actor.Tell(new CancelTimer("t"));
        probe.Send(actor, new IsActive("t"));

        Assert.False(probe.ExpectMsg<bool>());
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Starting_a_key_again_replaces_its_timer()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new TimerActor(probe.Ref)), "timers");

        actor.Tell(new Arm("k", 100 * Ms, null));
        actor.Tell(new Arm("k", 300 * Ms, null));

        Assert.Equal(300L, probe.ExpectMsg<(string, long)>().Item2 / 1_000_000);
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_restart_cancels_the_failed_instance_timers()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new TimerActor(probe.Ref)), "timers");

        actor.Tell(new Arm("t", 100 * Ms, null));
        actor.Tell("fail");

        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    private sealed record Arm(string Key, TimeSpan Delay, TimeSpan? Interval, object? Message = null);

    private sealed record CancelTimer(string Key);

    private sealed record IsActive(string Key);

    private sealed record Tick(string Key);

    /// <summary>Arms and cancels its timers on request; reports each tick as (key, virtual ns).</summary>
    private sealed class TimerActor(IActorRef probe) : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            switch (message)
            {
                case Arm { Interval: { } every } arm:
                    Timers.StartPeriodicTimer(arm.Key, arm.Message ?? new Tick(arm.Key), arm.Delay, every);
                    return true;
                case Arm arm:
                    Timers.StartSingleTimer(arm.Key, arm.Message ?? new Tick(arm.Key), arm.Delay);
                    return true;
                case CancelTimer cancel:
                    Timers.Cancel(cancel.Key);
                    if (cancel.Key == "victim")
                    {
                        probe.Tell($"cancelled victim at {Context.System.Scheduler.NowNanoseconds / 1_000_000} ms");
                    }
                    return true;
                case IsActive query:
                    Sender.Tell(Timers.IsTimerActive(query.Key), Self);
                    return true;
                case Tick tick:
                    probe.Tell((tick.Key, Context.System.Scheduler.NowNanoseconds));
                    return true;
                case "fail":
                    throw new TestFailure("timer actor failed on purpose");
                default:
                    return false;
            }
        }
    }
}

/// <summary>Actor timers on the wall clock.</summary>
[Trait("Area", "Runtime")]
public sealed class TimerOnConcurrentDispatcher() : ActorTestKit(DispatcherKind.Concurrent)
{
    [Fact]
    public void Single_timer_fires_on_the_wall_clock()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new ForwardActor(probe.Ref)), "forward");

        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(20), actor, "due", null);

        probe.ExpectMsg("due");
        Assert.True(Sys.Scheduler.NowNanoseconds >= 20_000_000);
    }
}
