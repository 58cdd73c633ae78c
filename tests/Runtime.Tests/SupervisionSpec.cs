namespace ActorKernel.Runtime.Tests;

/// <summary>Supervision rules, run on both dispatchers (see the two sealed classes at the end).</summary>
public abstract class SupervisionSpec(DispatcherKind dispatcher) : ActorTestKit(dispatcher)
{
    private static readonly TimeSpan Ask = TimeSpan.FromSeconds(10);

    [Fact]
    public void Restarted_actor_keeps_its_mailbox_and_drops_only_the_failed_message()
    {
        var events = CreateTestProbe();
        var worker = ActorOf(Worker.Props(events.Ref, "w"), "w");
        worker.Tell("fail");
        worker.Tell(1);
        worker.Tell(2);
        worker.Tell(3);

        events.ExpectMsg("w:ctor#1");
        events.ExpectMsg("w:PreStart#1");
        events.ExpectMsg("w:PreRestart#1(fail)");
        events.ExpectMsg("w:PostStop#1");
        events.ExpectMsg("w:ctor#2");
        events.ExpectMsg("w:PostRestart#2");
        events.ExpectMsg("w:PreStart#2");
        events.ExpectMsg("w#2:1");
        events.ExpectMsg("w#2:2");
        events.ExpectMsg("w#2:3");
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Restart_limit_within_the_time_window_stops_the_child()
    {
        var refs = CreateTestProbe();
        var events = CreateTestProbe();
        var decisions = CreateTestProbe();
        Sys.EventStream.Subscribe<SupervisionDecision>(decisions.Ref);
        var strategy = new OneForOneStrategy(2, TimeSpan.FromMinutes(1), _ => Directive.Restart);
        ActorOf(Props.Create(() => new Supervisor(strategy, refs.Ref, n => Worker.Props(events.Ref, n), "w")), "sup");
        var child = refs.ExpectMsg<IActorRef>();
        events.Watch(child);

        child.Tell("fail");
        child.Tell("fail");
        child.Tell("fail");

        Assert.Equal(Directive.Restart, decisions.ExpectMsg<SupervisionDecision>().Directive);
        Assert.Equal(Directive.Restart, decisions.ExpectMsg<SupervisionDecision>().Directive);
        var last = decisions.ExpectMsg<SupervisionDecision>();
        Assert.Equal(Directive.Stop, last.Directive);
        Assert.IsType<TestFailure>(last.Cause);
        events.FishForMessage<Terminated>(t => t.ActorRef.Path.Equals(child.Path));
    }

    [Fact]
    public void Resume_keeps_the_instance_and_its_state()
    {
        var refs = CreateTestProbe();
        var events = CreateTestProbe();
        var strategy = new OneForOneStrategy(_ => Directive.Resume);
        ActorOf(Props.Create(() => new Supervisor(strategy, refs.Ref, n => Worker.Props(events.Ref, n), "w")), "sup");
        var child = refs.ExpectMsg<IActorRef>();

        child.Tell(5);
        child.Tell("fail");
        child.Tell(7);

        Assert.Equal(12, AwaitResult(child.Ask<int>("state", Ask)));
        events.ExpectMsg("w:ctor#1");
        events.ExpectMsg("w:PreStart#1");
        events.ExpectMsg("w#1:5");
        events.ExpectMsg("w#1:7");
    }

    [Fact]
    public void Stop_directive_stops_the_child_and_its_watchers_get_Terminated()
    {
        var refs = CreateTestProbe();
        var events = CreateTestProbe();
        var watcher = CreateTestProbe();
        var strategy = new OneForOneStrategy(_ => Directive.Stop);
        ActorOf(Props.Create(() => new Supervisor(strategy, refs.Ref, n => Worker.Props(events.Ref, n), "w")), "sup");
        var child = refs.ExpectMsg<IActorRef>();
        watcher.Watch(child);

        child.Tell("fail");

        Assert.True(watcher.ExpectTerminated(child).ExistenceConfirmed);
        events.FishForMessage<string>(s => s == "w:PostStop#1");
    }

    [Fact]
    public void Escalate_fails_the_supervisor_and_the_grandparent_decides()
    {
        var refs = CreateTestProbe();
        var events = CreateTestProbe();
        var decisions = CreateTestProbe();
        Sys.EventStream.Subscribe<SupervisionDecision>(decisions.Ref);
        var escalate = new OneForOneStrategy(_ => Directive.Escalate);
        var restart = new OneForOneStrategy(_ => Directive.Restart);
        var middleProps = Props.Create(() => new Supervisor(escalate, refs.Ref, n => Worker.Props(events.Ref, n), "leaf"));
        var top = ActorOf(Props.Create(() => new Supervisor(restart, refs.Ref, _ => middleProps, "middle")), "top");
        var middle = refs.ExpectMsg<IActorRef>();
        var leaf = refs.ExpectMsg<IActorRef>();
        events.Watch(leaf);

        leaf.Tell("fail");

        var first = decisions.ExpectMsg<SupervisionDecision>();
        Assert.Equal((middle.Path, leaf.Path, Directive.Escalate), (first.Supervisor.Path, first.Child.Path, first.Directive));
        var second = decisions.ExpectMsg<SupervisionDecision>();
        Assert.Equal((top.Path, middle.Path, Directive.Restart), (second.Supervisor.Path, second.Child.Path, second.Directive));
        Assert.Same(first.Cause, second.Cause);
        // The middle actor's default PreRestart stops the old leaf; its new instance makes a new one.
        events.FishForMessage<Terminated>(t => ReferenceEquals(t.ActorRef, leaf));
        var newLeaf = refs.ExpectMsg<IActorRef>();
        Assert.Equal(leaf.Path, newLeaf.Path);
        Assert.NotSame(leaf, newLeaf);
        newLeaf.Tell(4);
        // A new instance of the new child (the old child is dead, so only it can answer).
        events.FishForMessage<string>(s => s == "leaf#1:4");
    }

    [Fact]
    public void Escalate_then_resume_leaves_the_failed_child_running()
    {
        var refs = CreateTestProbe();
        var events = CreateTestProbe();
        var escalate = new OneForOneStrategy(_ => Directive.Escalate);
        var resume = new OneForOneStrategy(_ => Directive.Resume);
        var middleProps = Props.Create(() => new Supervisor(escalate, refs.Ref, n => Worker.Props(events.Ref, n), "leaf"));
        ActorOf(Props.Create(() => new Supervisor(resume, refs.Ref, _ => middleProps, "middle")), "top");
        refs.ExpectMsg<IActorRef>();
        var leaf = refs.ExpectMsg<IActorRef>();

        leaf.Tell(1);
        leaf.Tell("fail");
        leaf.Tell(2);

        Assert.Equal(3, AwaitResult(leaf.Ask<int>("state", Ask)));
    }

    [Fact]
    public void One_for_one_restarts_only_the_failed_child()
    {
        var refs = CreateTestProbe();
        var events = CreateTestProbe();
        var strategy = new OneForOneStrategy(_ => Directive.Restart);
        ActorOf(Props.Create(() => new Supervisor(strategy, refs.Ref, n => Worker.Props(events.Ref, n), "a", "b")), "sup");
        var a = refs.ExpectMsg<IActorRef>();
        var b = refs.ExpectMsg<IActorRef>();
        b.Tell(10);
        Assert.Equal(10, AwaitResult(b.Ask<int>("state", Ask)));

        a.Tell("fail");

        events.FishForMessage<string>(s => s == "a:PreStart#2");
        Assert.Equal(10, AwaitResult(b.Ask<int>("state", Ask)));
        Assert.Equal(0, AwaitResult(a.Ask<int>("state", Ask)));
    }

    [Fact]
    public void All_for_one_restarts_every_child_when_one_fails()
    {
        var refs = CreateTestProbe();
        var events = CreateTestProbe();
        var strategy = new AllForOneStrategy(_ => Directive.Restart);
        ActorOf(Props.Create(() => new Supervisor(strategy, refs.Ref, n => Worker.Props(events.Ref, n), "a", "b")), "sup");
        var a = refs.ExpectMsg<IActorRef>();
        var b = refs.ExpectMsg<IActorRef>();
        b.Tell(10);
        Assert.Equal(10, AwaitResult(b.Ask<int>("state", Ask)));

        a.Tell("fail");

        var restarted = new HashSet<string>();
        events.FishForMessage<string>(s => (s is "a:PreStart#2" or "b:PreStart#2") && restarted.Add(s) && restarted.Count == 2);
        Assert.Equal(0, AwaitResult(b.Ask<int>("state", Ask)));
    }

    [Fact]
    public void All_for_one_stop_stops_every_child()
    {
        var refs = CreateTestProbe();
        var events = CreateTestProbe();
        var watcher = CreateTestProbe();
        var strategy = new AllForOneStrategy(_ => Directive.Stop);
        ActorOf(Props.Create(() => new Supervisor(strategy, refs.Ref, n => Worker.Props(events.Ref, n), "a", "b")), "sup");
        var a = refs.ExpectMsg<IActorRef>();
        var b = refs.ExpectMsg<IActorRef>();
        watcher.Watch(a);
        watcher.Watch(b);

        a.Tell("fail");

        var stopped = new[] { watcher.ExpectMsg<Terminated>().ActorRef.Path.Name, watcher.ExpectMsg<Terminated>().ActorRef.Path.Name };
        Assert.Equal(["a", "b"], stopped.Order());
    }

    [Fact]
    public void Actor_whose_constructor_or_PreStart_throws_is_stopped()
    {
        var watcher = CreateTestProbe();
        var badCtor = ActorOf(Props.Create<ActorBase>(() => throw new TestFailure("no constructor today")), "badCtor");
        var badStart = ActorOf(Props.Create(() => new ThrowingPreStart()), "badStart");
        watcher.Watch(badCtor);
        watcher.Watch(badStart);

        var names = new[] { watcher.ExpectMsg<Terminated>().ActorRef.Path.Name, watcher.ExpectMsg<Terminated>().ActorRef.Path.Name };

        Assert.Equal(["badCtor", "badStart"], names.Order());
    }

    [Fact]
    public void Exceptions_in_handlers_and_hooks_never_kill_a_dispatcher_thread()
    {
        var refs = CreateTestProbe();
        var events = CreateTestProbe();
        var strategy = new OneForOneStrategy(_ => Directive.Resume);
        ActorOf(Props.Create(() => new Supervisor(strategy, refs.Ref, n => Worker.Props(events.Ref, n), "w")), "sup");
        var child = refs.ExpectMsg<IActorRef>();
        var badStop = ActorOf(Props.Create(() => new ThrowingPostStop()), "badStop");
        using var _ = Sys.EventStream.Subscribe<UnhandledMessage>(_ => throw new TestFailure("a subscriber that throws"));

        for (var i = 0; i < 1000; i++)
        {
            child.Tell("fail");
            child.Tell(1);
        }
        child.Tell(new object()); // unhandled: the throwing subscriber runs
        Sys.Stop(badStop);

        Assert.Equal(1000, AwaitResult(child.Ask<int>("state", TimeSpan.FromSeconds(20)), TimeSpan.FromSeconds(20)));
        var echo = ActorOf(Props.Create<EchoActor>(), "echo");
        Assert.Equal("still alive", AwaitResult(echo.Ask<string>("still alive", Ask)));
    }

    [Fact]
    public void An_actor_whose_restart_constructor_throws_is_stopped_and_its_old_instance_stops_only_once()
    {
        var events = CreateTestProbe();
        var instances = 0;
        var props = Props.Create(() => Interlocked.Increment(ref instances) == 1
            ? new Worker(events.Ref, "w", 1)
            : throw new TestFailure("the second constructor fails"));
        var worker = ActorOf(props, "w");
        events.Watch(worker);

        worker.Tell("fail");

        events.ExpectMsg("w:ctor#1");
        events.ExpectMsg("w:PreStart#1");
        events.ExpectMsg("w:PreRestart#1(fail)");
        events.ExpectMsg("w:PostStop#1");
        events.ExpectTerminated(worker);
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_throwing_scheduled_action_does_not_stop_the_timers()
    {
        var probe = CreateTestProbe();
        var scheduler = (TimerQueueScheduler)Sys.Scheduler;

        scheduler.ScheduleOnce(TimeSpan.FromMilliseconds(5), () => throw new TestFailure("callback bug"));
        scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(10), probe.Ref, "after", null);

        probe.ExpectMsg("after");
        Assert.Equal(1, scheduler.ActionFailures);
    }

    private sealed class ThrowingPreStart : ActorBase
    {
        protected internal override bool Receive(object message) => true;

        protected internal override void PreStart() => throw new TestFailure("PreStart failed on purpose");
    }

    private sealed class ThrowingPostStop : ActorBase
    {
        protected internal override bool Receive(object message) => true;

        protected internal override void PostStop() => throw new TestFailure("PostStop failed on purpose");
    }
}

[Trait("Area", "Runtime")]
public sealed class SupervisionOnDeterministicDispatcher() : SupervisionSpec(DispatcherKind.Deterministic)
{
    [Fact]
    public void Restart_count_starts_again_once_the_window_has_passed()
    {
        var refs = CreateTestProbe();
        var events = CreateTestProbe();
        var decisions = CreateTestProbe();
        Sys.EventStream.Subscribe<SupervisionDecision>(decisions.Ref);
        var strategy = new OneForOneStrategy(1, TimeSpan.FromSeconds(1), _ => Directive.Restart);
        ActorOf(Props.Create(() => new Supervisor(strategy, refs.Ref, n => Worker.Props(events.Ref, n), "w")), "sup");
        var child = refs.ExpectMsg<IActorRef>();

        child.Tell("fail");
        Assert.Equal(Directive.Restart, decisions.ExpectMsg<SupervisionDecision>().Directive);
        Deterministic!.RunFor(TimeSpan.FromSeconds(2));
        child.Tell("fail");
        Assert.Equal(Directive.Restart, decisions.ExpectMsg<SupervisionDecision>().Directive);
        child.Tell("fail");
        Assert.Equal(Directive.Stop, decisions.ExpectMsg<SupervisionDecision>().Directive);
    }
}

[Trait("Area", "Runtime")]
public sealed class SupervisionOnConcurrentDispatcher() : SupervisionSpec(DispatcherKind.Concurrent);
