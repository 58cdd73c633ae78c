namespace ActorKernel.Runtime.Tests;

/// <summary>DeathWatch, PoisonPill, Kill and dead letters, on both dispatchers.</summary>
public abstract class DeathWatchSpec(DispatcherKind dispatcher) : ActorTestKit(dispatcher)
{
    [Fact]
    public void Watch_then_stop_delivers_exactly_one_Terminated_with_existence_confirmed()
    {
        var watcher = CreateTestProbe();
        var target = ActorOf(Props.Create<EchoActor>(), "target");
        watcher.Watch(target);

        Sys.Stop(target);

        var terminated = watcher.ExpectTerminated(target);
        Assert.True(terminated.ExistenceConfirmed);
        Assert.Same(target, terminated.ActorRef);
        watcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Watching_an_already_stopped_actor_delivers_Terminated_without_existence_confirmed()
    {
        var first = CreateTestProbe();
        var late = CreateTestProbe();
        var target = ActorOf(Props.Create<EchoActor>(), "target");
        first.Watch(target);
        Sys.Stop(target);
        first.ExpectTerminated(target);

        late.Watch(target);

        Assert.False(late.ExpectTerminated(target).ExistenceConfirmed);
    }

    [Fact]
    public void Unwatch_before_the_stop_suppresses_Terminated()
    {
        var watcher = CreateTestProbe();
        var witness = CreateTestProbe();
        var target = ActorOf(Props.Create<EchoActor>(), "target");
        watcher.Watch(target);
        witness.Watch(target);

        watcher.Unwatch(target);
        Sys.Stop(target);

        witness.ExpectTerminated(target);
        watcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Unwatch_drops_a_Terminated_already_queued_but_not_handled()
    {
        var probe = CreateTestProbe();
        var target = ActorOf(Props.Create<EchoActor>(), "target");
        var watcher = ActorOf(Props.Create(() => new StopThenUnwatch(target, probe.Ref)), "watcher");

        watcher.Tell("stop");
        watcher.Tell("unwatch");
        watcher.Tell("ping");

        probe.ExpectMsg("pong");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Terminated_comes_after_every_message_the_stopped_actor_sent()
    {
        var watcher = CreateTestProbe();
        var target = ActorOf(Props.Create(() => new ForwardActor(watcher.Ref)), "target");
        watcher.Watch(target);

        target.Tell("last words");
        target.Tell(PoisonPill.Instance);

        watcher.ExpectMsg("last words");
        watcher.ExpectTerminated(target);
    }

    [Fact]
    public void PoisonPill_stops_after_earlier_messages_and_later_ones_become_dead_letters()
    {
        var probe = CreateTestProbe();
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe<DeadLetter>(deadLetters.Ref);
        var target = ActorOf(Props.Create(() => new ForwardActor(probe.Ref)), "target");
        probe.Watch(target);

        target.Tell(1);
        target.Tell(2);
        target.Tell(PoisonPill.Instance);
        target.Tell(3);

        probe.ExpectMsg(1);
        probe.ExpectMsg(2);
        probe.ExpectTerminated(target);
        var dead = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal((3, target.Path), (dead.Message, dead.Recipient.Path));
        Assert.Equal(1, Sys.DeadLetterCount);
    }

    [Fact]
    public void Kill_fails_the_actor_and_the_default_strategy_stops_it()
    {
        var watcher = CreateTestProbe();
        var decisions = CreateTestProbe();
        Sys.EventStream.Subscribe<SupervisionDecision>(decisions.Ref);
        var target = ActorOf(Props.Create<EchoActor>(), "target");
        watcher.Watch(target);

        target.Tell(Kill.Instance);

        watcher.ExpectTerminated(target);
        var decision = decisions.ExpectMsg<SupervisionDecision>();
        Assert.IsType<ActorKilledException>(decision.Cause);
        Assert.Equal(Directive.Stop, decision.Directive);
    }

    [Fact]
    public void Message_to_a_stopped_actor_is_counted_and_published_as_a_dead_letter()
    {
        var watcher = CreateTestProbe();
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe<DeadLetter>(deadLetters.Ref);
        var target = ActorOf(Props.Create<EchoActor>(), "target");
        watcher.Watch(target);
        Sys.Stop(target);
        watcher.ExpectTerminated(target);

        target.Tell("too late", watcher.Ref);

        var dead = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal("too late", dead.Message);
        Assert.Same(watcher.Ref, dead.Sender);
        Assert.Same(target, dead.Recipient);
        Assert.Equal(1, Sys.DeadLetterCount);
    }

    [Fact]
    public void Messages_left_in_the_mailbox_at_stop_become_dead_letters()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe<DeadLetter>(deadLetters.Ref);
        var target = ActorOf(Props.Create(() => new StopsOnFirstMessage()), "target");

        target.Tell("stop");
        for (var i = 0; i < 10; i++)
        {
            target.Tell(i);
        }

        var numbers = deadLetters.ReceiveN(10).Cast<DeadLetter>().Select(d => (int)d.Message);
        Assert.Equal(Enumerable.Range(0, 10), numbers);
        Assert.Equal(10, Sys.DeadLetterCount);
    }

    [Fact]
    public void Tell_to_dead_letters_is_counted_and_published()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe<DeadLetter>(deadLetters.Ref);

        Sys.DeadLetters.Tell("nobody");

        Assert.Equal("nobody", deadLetters.ExpectMsg<DeadLetter>().Message);
        Assert.Equal(1, Sys.DeadLetterCount);
    }

    [Fact]
    public void Every_watcher_gets_exactly_one_Terminated_per_target_even_when_watches_race_the_stops()
    {
        const int Targets = 100;
        const int Watchers = 10;
        var probe = CreateTestProbe();
        var targets = Enumerable.Range(0, Targets).Select(i => ActorOf(Props.Create<EchoActor>(), "t" + i)).ToArray();
        var watchers = Enumerable.Range(0, Watchers).Select(i => ActorOf(Props.Create(() => new CountingWatcher(targets, probe.Ref)), "w" + i)).ToArray();

        foreach (var watcher in watchers)
        {
            watcher.Tell("watch");
        }
        foreach (var target in targets)
        {
            target.Tell(PoisonPill.Instance);
        }

        var reports = probe.ReceiveN(Watchers).Cast<int[]>().ToList();
        Assert.All(reports, counts => Assert.All(counts, c => Assert.Equal(1, c)));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    /// <summary>Watches every target on "watch"; reports the Terminated count per target once all came.</summary>
    private sealed class CountingWatcher(IActorRef[] targets, IActorRef probe) : ActorBase
    {
        private readonly int[] _counts = new int[targets.Length];
        private int _total;

        protected internal override bool Receive(object message)
        {
            switch (message)
            {
                case "watch":
                    foreach (var target in targets)
                    {
                        Context.Watch(target);
                    }
                    return true;
                case Terminated terminated:
                    _counts[Array.IndexOf(targets, terminated.ActorRef)]++;
                    if (++_total == targets.Length)
                    {
                        probe.Tell(_counts.ToArray());
                    }
                    return true;
                default:
                    return false;
            }
        }
    }

    private sealed class StopsOnFirstMessage : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            Context.Stop(Self);
            return true;
        }
    }

    /// <summary>Watches a target; "stop" stops it, "unwatch" unwatches it; any Terminated is reported (it must not come).</summary>
    private sealed class StopThenUnwatch(IActorRef target, IActorRef probe) : ActorBase
    {
        protected internal override void PreStart() => Context.Watch(target);

        protected internal override bool Receive(object message)
        {
            switch (message)
            {
                case "stop":
                    Context.Stop(target);
                    return true;
                case "unwatch":
                    Context.Unwatch(target);
                    return true;
                case "ping":
                    probe.Tell("pong");
                    return true;
                default:
                    probe.Tell(message);
                    return true;
            }
        }
    }
}

[Trait("Area", "Runtime")]
public sealed class DeathWatchOnDeterministicDispatcher() : DeathWatchSpec(DispatcherKind.Deterministic);

[Trait("Area", "Runtime")]
public sealed class DeathWatchOnConcurrentDispatcher() : DeathWatchSpec(DispatcherKind.Concurrent);
