namespace ActorKernel.Runtime.Tests;

/// <summary>The system event stream: dead letters, unhandled messages, supervision decisions; on both dispatchers.</summary>
public abstract class EventStreamSpec(DispatcherKind dispatcher) : ActorTestKit(dispatcher)
{
    [Fact]
    public void Unhandled_messages_are_published_with_sender_and_recipient()
    {
        var probe = CreateTestProbe();
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe<UnhandledMessage>(events.Ref);
        var deaf = ActorOf(Props.Create<DeafActor>(), "deaf");

        probe.Send(deaf, "what?");

        var unhandled = events.ExpectMsg<UnhandledMessage>();
        Assert.Equal(("what?", probe.Ref, deaf), (unhandled.Message, unhandled.Sender, unhandled.Recipient));
    }

    [Fact]
    public void Supervision_decisions_are_published()
    {
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe<SupervisionDecision>(events.Ref);
        var worker = ActorOf(Worker.Props(Sys.DeadLetters, "w"), "w");

        worker.Tell("fail");

        var decision = events.ExpectMsg<SupervisionDecision>();
        Assert.Equal((worker.Path, Directive.Restart), (decision.Child.Path, decision.Directive));
        Assert.Equal($"ak://{Sys.Name}/user", decision.Supervisor.Path.ToString());
        Assert.IsType<TestFailure>(decision.Cause);
    }

    [Fact]
    public void A_subscription_to_a_base_type_gets_every_subtype_and_disposing_it_ends_it()
    {
        var events = CreateTestProbe();
        var subscription = Sys.EventStream.Subscribe<object>(events.Ref);

        Sys.DeadLetters.Tell("one");
        events.ExpectMsg<DeadLetter>(d => d.Message is "one");
        subscription.Dispose();
        Sys.DeadLetters.Tell("two");

        events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_stopped_subscriber_is_dropped_instead_of_feeding_dead_letters_back_to_itself()
    {
        var watcher = CreateTestProbe();
        var subscriber = ActorOf(Props.Create<DeafActor>(), "subscriber");
        Sys.EventStream.Subscribe<DeadLetter>(subscriber);
        watcher.Watch(subscriber);
        Sys.Stop(subscriber);
        watcher.ExpectTerminated(subscriber);

        Sys.DeadLetters.Tell("after the subscriber stopped");

        // One for the message; at most one more for the event that found the subscriber gone.
        Assert.InRange(Sys.DeadLetterCount, 1, 2);
        Sys.DeadLetters.Tell("again");
        Assert.InRange(Sys.DeadLetterCount, 2, 3);
    }

    [Fact]
    public void A_throwing_handler_fails_neither_the_publisher_nor_other_subscribers()
    {
        var events = CreateTestProbe();
        using var bad = Sys.EventStream.Subscribe<UnhandledMessage>(_ => throw new TestFailure("subscriber bug"));
        Sys.EventStream.Subscribe<UnhandledMessage>(events.Ref);
        var deaf = ActorOf(Props.Create<DeafActor>(), "deaf");

        deaf.Tell(1);
        deaf.Tell(2);

        Assert.Equal(1, events.ExpectMsg<UnhandledMessage>().Message);
        Assert.Equal(2, events.ExpectMsg<UnhandledMessage>().Message);
        Assert.Equal(2, Sys.EventStream.HandlerFailures);
    }
}

[Trait("Area", "Runtime")]
public sealed class EventStreamOnDeterministicDispatcher() : EventStreamSpec(DispatcherKind.Deterministic);

[Trait("Area", "Runtime")]
public sealed class EventStreamOnConcurrentDispatcher() : EventStreamSpec(DispatcherKind.Concurrent);
