namespace ActorKernel.Runtime.Tests;

/// <summary>Behaviours (Become/Unbecome), Stash, children, paths and names, on both dispatchers.</summary>
public abstract class ActorLifecycleSpec(DispatcherKind dispatcher) : ActorTestKit(dispatcher)
{
    [Fact]
    public void ReceiveActor_Become_replaces_handlers_and_BecomeStacked_then_Unbecome_restores_them()
    {
        var probe = CreateTestProbe();
        var mood = ActorOf(Props.Create(() => new MoodActor()), "mood");

        probe.Send(mood, "how?");
        probe.ExpectMsg("happy");
        probe.Send(mood, "anger");
        probe.Send(mood, "how?");
        probe.ExpectMsg("angry");
        probe.Send(mood, "stack-calm");
        probe.Send(mood, "how?");
        probe.ExpectMsg("calm");
        probe.Send(mood, "unbecome");
        probe.Send(mood, "how?");
        probe.ExpectMsg("angry");
    }

    [Fact]
    public void ReceiveActor_tries_handlers_in_declaration_order_and_ReceiveAny_takes_the_rest()
    {
        var probe = CreateTestProbe();
        var sorter = ActorOf(Props.Create(() => new Sorter()), "sorter");

        foreach (var message in new object[] { 2, 3, "x", 4 })
        {
            probe.Send(sorter, message);
        }

        Assert.Equal(["even 2", "int 3", "any x", "even 4"], probe.ReceiveN(4));
    }

    [Fact]
    public void ActorBase_Become_and_Unbecome_switch_behaviours_and_never_pop_the_initial_one()
    {
        var probe = CreateTestProbe();
        var unhandled = CreateTestProbe();
        Sys.EventStream.Subscribe<UnhandledMessage>(unhandled.Ref);
        var toggle = ActorOf(Props.Create(() => new ToggleActor()), "toggle");

        probe.Send(toggle, "state");
        probe.ExpectMsg("off");
        probe.Send(toggle, "flip");
        probe.Send(toggle, "state");
        probe.ExpectMsg("on");
        probe.Send(toggle, 17); // the "on" behaviour does not handle ints
        Assert.Equal(17, unhandled.ExpectMsg<UnhandledMessage>().Message);
        probe.Send(toggle, "flip");
        probe.Send(toggle, "state");
        probe.ExpectMsg("off");
        probe.Send(toggle, "unbecome-twice");
        probe.Send(toggle, "state");
        probe.ExpectMsg("off");
    }

    [Fact]
    public void UnstashAll_delivers_stashed_messages_in_order_before_newer_ones()
    {
        var probe = CreateTestProbe();
        var gate = ActorOf(Props.Create(() => new GateActor(probe.Ref)), "gate");

        for (var i = 1; i <= 5; i++)
        {
            gate.Tell(i);
        }
        gate.Tell("open");
        gate.Tell(6);

        Assert.Equal([1, 2, 3, 4, 5, 6], probe.ReceiveN(6).Cast<int>());
    }

    [Fact]
    public void Stashed_messages_survive_a_restart_and_reach_the_new_instance()
    {
        var probe = CreateTestProbe();
        var gate = ActorOf(Props.Create(() => new GateActor(probe.Ref)), "gate");

        gate.Tell(1);
        gate.Tell(2);
        gate.Tell("fail");
        gate.Tell("open");

        Assert.Equal([1, 2], probe.ReceiveN(2).Cast<int>());
    }

    [Fact]
    public void Stashed_messages_of_a_stopped_actor_become_dead_letters()
    {
        var probe = CreateTestProbe();
        var gate = ActorOf(Props.Create(() => new GateActor(probe.Ref)), "gate");
        probe.Watch(gate);

        gate.Tell(1);
        gate.Tell(2);
        gate.Tell(3);
        gate.Tell(PoisonPill.Instance);

        probe.ExpectTerminated(gate);
        Assert.Equal(3, Sys.DeadLetterCount);
    }

    [Fact]
    public void Children_have_hierarchical_paths_and_can_be_found()
    {
        var probe = CreateTestProbe();
        var parent = ActorOf(Props.Create(() => new Parent(probe.Ref, "kid")), "parent");

        var kid = probe.ExpectMsg<IActorRef>();

        Assert.Equal($"ak://{Sys.Name}/user/parent/kid", kid.Path.ToString());
        Assert.Equal(parent.Path, kid.Path.Parent);
        Assert.Equal(3, kid.Path.Depth);
        Assert.Same(kid, Sys.Lookup("/user/parent/kid"));
        Assert.Null(Sys.Lookup("/user/parent/nobody"));
        probe.Send(parent, "children");
        Assert.Equal(["kid"], probe.ExpectMsg<string[]>());
    }

    [Fact]
    public void Child_names_are_unique_under_a_parent_and_free_again_once_the_child_stopped()
    {
        var probe = CreateTestProbe();
        var first = ActorOf(Props.Create<EchoActor>(), "same");

        Assert.Throws<InvalidActorNameException>(() => ActorOf(Props.Create<EchoActor>(), "same"));
        probe.Watch(first);
        Sys.Stop(first);
        probe.ExpectTerminated(first);
        // The guardian frees the name when it handles the child's death, which may come just after the watcher's Terminated.
        AwaitCondition(() => Sys.Lookup("/user/same") is null, description: "the guardian forgot the stopped child");
        var second = ActorOf(Props.Create<EchoActor>(), "same");

        Assert.NotSame(first, second);
        Assert.Equal(first.Path, second.Path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("$reserved")]
    [InlineData("a/b")]
    [InlineData("with space")]
    public void Malformed_child_names_are_refused(string name)
    {
        Assert.Throws<InvalidActorNameException>(() => ActorOf(Props.Create<EchoActor>(), name));
    }

    [Fact]
    public void Actors_cannot_be_created_with_new()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new EchoActor());

        Assert.Contains("ActorOf", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stopping_a_parent_stops_its_children_first()
    {
        var probe = CreateTestProbe();
        var parent = ActorOf(Props.Create(() => new Parent(probe.Ref, "kid")), "parent");
        var kid = probe.ExpectMsg<IActorRef>();
        probe.Watch(parent);

        Sys.Stop(parent);

        probe.ExpectMsg("kid stopped");
        probe.ExpectMsg("parent stopped");
        probe.ExpectTerminated(parent);
        AwaitCondition(() => Sys.Lookup("/user/parent") is null, description: "the guardian forgot the stopped parent");
    }

    private sealed class MoodActor : ReceiveActor
    {
        public MoodActor()
        {
            Receive<string>(s => Sender.Tell("happy", Self), s => s == "how?");
            Receive<string>(_ => Become(Angry), s => s == "anger");
        }

        private void Angry()
        {
            Receive<string>(s => Sender.Tell("angry", Self), s => s == "how?");
            Receive<string>(_ => BecomeStacked(Calm), s => s == "stack-calm");
        }

        private void Calm()
        {
            Receive<string>(s => Sender.Tell("calm", Self), s => s == "how?");
            Receive<string>(_ => Context.Unbecome(), s => s == "unbecome");
        }
    }

    private sealed class Sorter : ReceiveActor
    {
        public Sorter()
        {
            Receive<int>(n => Sender.Tell($"even {n}", Self), n => n % 2 == 0);
            Receive<int>(n => Sender.Tell($"int {n}", Self));
            ReceiveAny(m => Sender.Tell($"any {m}", Self));
        }
    }

    private sealed class ToggleActor : ActorBase
    {
        protected internal override bool Receive(object message) => Off(message);

        private bool Off(object message)
        {
            switch (message)
            {
                case "state":
                    Sender.Tell("off", Self);
                    return true;
                case "flip":
                    Context.BecomeStacked(On);
                    return true;
                case "unbecome-twice":
                    Context.Unbecome();
                    Context.Unbecome();
                    return true;
                default:
                    return false;
            }
        }

        private bool On(object message)
        {
            switch (message)
            {
                case "state":
                    Sender.Tell("on", Self);
                    return true;
                case "flip":
                    Context.Unbecome();
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>Stashes ints until "open", then forwards them (and later ones) in order; "fail" throws while closed.</summary>
    private sealed class GateActor(IActorRef probe) : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            switch (message)
            {
                case int:
                    Stash.Stash();
                    return true;
                case "open":
                    Context.Become(Open);
                    Stash.UnstashAll();
                    return true;
                case "fail":
                    throw new TestFailure("gate failed while closed");
                default:
                    return false;
            }
        }

        private bool Open(object message)
        {
            probe.Tell(message);
            return true;
        }
    }

    /// <summary>Creates one child, reports it, answers "children", and reports both PostStops.</summary>
    private sealed class Parent(IActorRef probe, string childName) : ActorBase
    {
        protected internal override void PreStart() =>
            probe.Tell(Context.ActorOf(Props.Create(() => new ReportsStop(probe, childName + " stopped")), childName));

        protected internal override bool Receive(object message)
        {
            if (message is "children")
            {
                Sender.Tell(Context.Children.Select(c => c.Path.Name).ToArray(), Self);
                return true;
            }
            return false;
        }

        protected internal override void PostStop() => probe.Tell("parent stopped");
    }
}

[Trait("Area", "Runtime")]
public sealed class StashOnDeterministicDispatcher() : ActorTestKit(DispatcherKind.Deterministic)
{
    [Fact]
    public void Stashed_timer_messages_and_Terminated_are_delivered_after_UnstashAll()
    {
        var probe = CreateTestProbe();
        var target = ActorOf(Props.Create<EchoActor>(), "target");
        var actor = ActorOf(Props.Create(() => new StashEverything(probe.Ref, target)), "stasher");
        Deterministic!.RunFor(TimeSpan.FromMilliseconds(1));
        Sys.Stop(target);
        Deterministic.RunFor(TimeSpan.FromMilliseconds(20)); // the timer fires at 10 ms; both are stashed

        actor.Tell("open");

        var received = probe.ReceiveN(2);
        Assert.Contains("tick", received);
        Assert.Contains(target, received);
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    /// <summary>Watches a target and arms a 10 ms timer, stashes everything until "open", then forwards all to the probe.</summary>
    private sealed class StashEverything(IActorRef probe, IActorRef target) : ActorBase
    {
        protected internal override void PreStart()
        {
            Context.Watch(target);
            Timers.StartSingleTimer("t", "tick", TimeSpan.FromMilliseconds(10));
        }

        protected internal override bool Receive(object message)
        {
            if (message is "open")
            {
                Context.Become(m =>
                {
                    // A Terminated told on would be dropped by the probe, which watches nothing: report its subject.
                    probe.Tell(m is Terminated t ? t.ActorRef : m);
                    return true;
                });
                Stash.UnstashAll();
            }
            else
            {
                Stash.Stash();
            }
            return true;
        }
    }
}

/// <summary>Reports its own stop with a given text.</summary>
internal sealed class ReportsStop(IActorRef reporter, string text) : ActorBase
{
    protected internal override bool Receive(object message) => false;

    protected internal override void PostStop() => reporter.Tell(text);
}

[Trait("Area", "Runtime")]
public sealed class ActorLifecycleOnDeterministicDispatcher() : ActorLifecycleSpec(DispatcherKind.Deterministic);

[Trait("Area", "Runtime")]
public sealed class ActorLifecycleOnConcurrentDispatcher() : ActorLifecycleSpec(DispatcherKind.Concurrent);
