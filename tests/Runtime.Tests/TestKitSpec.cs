namespace ActorKernel.Runtime.Tests;

/// <summary>The TestKit's own promises, on both dispatchers.</summary>
public abstract class TestKitSpec(DispatcherKind dispatcher) : ActorTestKit(dispatcher)
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void ExpectMsg_returns_the_matching_message()
    {
        var probe = CreateTestProbe();
        probe.Ref.Tell("hello");
        probe.Ref.Tell(41);

        Assert.Equal("hello", probe.ExpectMsg<string>());
        Assert.Equal(41, probe.ExpectMsg<int>(n => n > 40));
    }

    [Fact]
    public void ExpectMsg_with_nothing_arriving_fails_naming_the_type_and_the_timeout()
    {
        var probe = CreateTestProbe();

        var error = Assert.Throws<ExpectationFailedException>(() => probe.ExpectMsg<string>(timeout: Short));

        Assert.Contains("expected message of type String within 200 ms", error.Message, StringComparison.Ordinal);
        Assert.Contains("got nothing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpectMsg_with_another_message_fails_naming_what_came()
    {
        var probe = CreateTestProbe();
        probe.Ref.Tell(42);

        var error = Assert.Throws<ExpectationFailedException>(() => probe.ExpectMsg<string>());

        Assert.Contains("got 42 (Int32)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpectMsg_of_a_value_compares_with_equality()
    {
        var probe = CreateTestProbe();
        probe.Ref.Tell(new Point(1, 2));
        probe.Ref.Tell(new Point(3, 4));

        probe.ExpectMsg(new Point(1, 2));
        var error = Assert.Throws<ExpectationFailedException>(() => probe.ExpectMsg(new Point(9, 9)));

        Assert.Contains("Point { X = 3, Y = 4 }", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpectNoMsg_fails_when_a_message_arrives()
    {
        var probe = CreateTestProbe();
        probe.ExpectNoMsg(Short);
        probe.Ref.Tell("surprise");
        AwaitCondition(() => probe.MessageCount > 0, description: "the probe got the message");

        var error = Assert.Throws<ExpectationFailedException>(() => probe.ExpectNoMsg(Short));

        Assert.Contains("expected no message", error.Message, StringComparison.Ordinal);
        Assert.Contains("surprise", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FishForMessage_skips_until_a_match_and_fails_listing_what_it_skipped()
    {
        var probe = CreateTestProbe();
        foreach (var n in new[] { 1, 2, 3, 4 })
        {
            probe.Ref.Tell(n);
        }

        Assert.Equal(3, probe.FishForMessage<int>(n => n == 3));
        AwaitCondition(() => probe.MessageCount == 1, description: "4 arrived");
        var error = Assert.Throws<ExpectationFailedException>(() => probe.FishForMessage<int>(n => n == 10, Short));

        Assert.Contains("skipped 1: [4 (Int32)]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReceiveN_returns_messages_in_order_and_fails_with_the_count_received()
    {
        var probe = CreateTestProbe();
        probe.Ref.Tell("a");
        probe.Ref.Tell("b");

        Assert.Equal(["a", "b"], probe.ReceiveN(2));
        probe.Ref.Tell("c");
        AwaitCondition(() => probe.MessageCount == 1, description: "c arrived");
        var error = Assert.Throws<ExpectationFailedException>(() => probe.ReceiveN(3, Short));

        Assert.Contains("expected 3 messages", error.Message, StringComparison.Ordinal);
        Assert.Contains("got 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reply_answers_the_last_sender()
    {
        var probe = CreateTestProbe();
        var other = CreateTestProbe();
        Assert.Throws<InvalidOperationException>(() => probe.LastSender);

        other.Send(probe.Ref, "ping");
        probe.ExpectMsg("ping");
        probe.Reply("pong");

        Assert.Same(other.Ref, probe.LastSender);
        other.ExpectMsg("pong");
        Assert.Same(probe.Ref, other.LastSender);
    }

    [Fact]
    public void Within_caps_the_expectations_inside_it_and_fails_when_the_block_is_too_slow()
    {
        var probe = CreateTestProbe();

        var error = Assert.Throws<ExpectationFailedException>(() => probe.Within(TimeSpan.Zero, Short, () => probe.ExpectMsg<string>(timeout: TimeSpan.FromSeconds(30))));

        Assert.Contains("got nothing", error.Message, StringComparison.Ordinal);
        probe.Ref.Tell("quick");
        Assert.Equal("quick", probe.Within(TimeSpan.Zero, TimeSpan.FromSeconds(10), () => probe.ExpectMsg<string>()));
    }

    [Fact]
    public void Each_test_gets_its_own_system_on_the_chosen_dispatcher()
    {
        Assert.Equal(Dispatcher, Sys.Dispatcher.Kind);
        Assert.Equal(GetType().Name, Sys.Name);
    }

    private DispatcherKind Dispatcher { get; } = dispatcher;

    private sealed record Point(int X, int Y);
}

[Trait("Area", "Runtime")]
public sealed class TestKitOnDeterministicDispatcher() : TestKitSpec(DispatcherKind.Deterministic)
{
    [Fact]
    public void Expectations_advance_virtual_time_instead_of_sleeping()
    {
        var probe = CreateTestProbe();
        var start = Deterministic!.NowNanoseconds;

        var error = Assert.Throws<ExpectationFailedException>(() => probe.ExpectMsg<string>(timeout: TimeSpan.FromHours(1)));

        Assert.Contains("within 3600 s (virtual, seed 1), got nothing", error.Message, StringComparison.Ordinal);
        Assert.Equal(3_600_000_000_000L, Deterministic.NowNanoseconds - start);
        probe.ExpectNoMsg(TimeSpan.FromMinutes(1));
        Assert.Equal(3_660_000_000_000L, Deterministic.NowNanoseconds - start);
    }

    [Fact]
    public void ExpectMsg_returns_at_the_virtual_time_the_message_arrives()
    {
        var probe = CreateTestProbe();
        var start = Deterministic!.NowNanoseconds;
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(1500), probe.Ref, "later", null);

        probe.ExpectMsg("later");

        Assert.Equal(1_500_000_000L, Deterministic.NowNanoseconds - start);
    }

    [Fact]
    public void Within_fails_when_the_block_is_too_fast_in_virtual_time()
    {
        var probe = CreateTestProbe();
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(500), probe.Ref, "early", null);

        var error = Assert.Throws<ExpectationFailedException>(() => probe.Within(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), () => probe.ExpectMsg("early")));

        Assert.Contains("Block took 500 ms (virtual, seed 1), expected between 1 s and 2 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AwaitResult_drives_an_Ask_to_its_reply()
    {
        var echo = ActorOf(Props.Create<EchoActor>(), "echo");

        Assert.Equal("hi", AwaitResult(echo.Ask<string>("hi", TimeSpan.FromSeconds(1))));
    }
}

[Trait("Area", "Runtime")]
public sealed class TestKitOnConcurrentDispatcher() : TestKitSpec(DispatcherKind.Concurrent);
