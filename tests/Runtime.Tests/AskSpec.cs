namespace ActorKernel.Runtime.Tests;

/// <summary>Ask and PipeTo, on both dispatchers.</summary>
public abstract class AskSpec(DispatcherKind dispatcher) : ActorTestKit(dispatcher)
{
    [Fact]
    public void Ask_completes_with_the_reply()
    {
        var echo = ActorOf(Props.Create<EchoActor>(), "echo");

        Assert.Equal(42, AwaitResult(echo.Ask<int>(42, TimeSpan.FromSeconds(10))));
    }

    [Fact]
    public void Ask_times_out_with_a_message_naming_target_timeout_and_message_type()
    {
        var deaf = ActorOf(Props.Create(() => new ForwardActor(Sys.DeadLetters)), "deaf");
        var task = deaf.Ask<int>(new Question(), TimeSpan.FromMilliseconds(200));

        var error = Assert.Throws<AskTimeoutException>(() => AwaitResult(task, TimeSpan.FromSeconds(5)));

        Assert.Contains(deaf.Path.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("200 ms", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Question), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ask_faults_with_the_cause_of_a_StatusFailure_reply()
    {
        var failing = ActorOf(Props.Create(() => new RepliesWith(new StatusFailure(new TestFailure("no such thing")))), "failing");

        var error = Assert.Throws<TestFailure>(() => AwaitResult(failing.Ask<int>("get", TimeSpan.FromSeconds(10))));

        Assert.Equal("no such thing", error.Message);
    }

    [Fact]
    public void Ask_faults_when_the_reply_has_the_wrong_type()
    {
        var echo = ActorOf(Props.Create<EchoActor>(), "echo");

        var error = Assert.Throws<InvalidCastException>(() => AwaitResult(echo.Ask<int>("text", TimeSpan.FromSeconds(10))));

        Assert.Contains("Int32", error.Message, StringComparison.Ordinal);
        Assert.Contains("String", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PipeTo_tells_the_result_of_a_task_to_an_actor()
    {
        var probe = CreateTestProbe();
        var echo = ActorOf(Props.Create<EchoActor>(), "echo");

        echo.Ask<string>("hello", TimeSpan.FromSeconds(10)).PipeTo(probe.Ref);

        AwaitCondition(() => probe.MessageCount > 0, description: "the piped reply arrived");
        probe.ExpectMsg("hello");
    }

    private sealed class Question;

    private sealed class RepliesWith(object reply) : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            Sender.Tell(reply, Self);
            return true;
        }
    }
}

[Trait("Area", "Runtime")]
public sealed class AskOnDeterministicDispatcher() : AskSpec(DispatcherKind.Deterministic)
{
    [Fact]
    public void Ask_times_out_at_exactly_its_timeout_in_virtual_time()
    {
        var deaf = ActorOf(Props.Create<DeafActor>(), "deaf");
        Deterministic!.RunUntilQuiescent();
        var start = Deterministic.NowNanoseconds;

        var task = deaf.Ask<int>("anyone?", TimeSpan.FromSeconds(30));
        Deterministic.RunUntil(() => task.IsCompleted);

        Assert.IsType<AskTimeoutException>(task.Exception?.InnerException);
        Assert.Equal(30_000_000_000L, Deterministic.NowNanoseconds - start);
    }

    [Fact]
    public void Ask_reply_cancels_its_timeout_timer()
    {
        var echo = ActorOf(Props.Create<EchoActor>(), "echo");

        var task = echo.Ask<string>("hi", TimeSpan.FromSeconds(30));
        Deterministic!.RunUntilQuiescent();

        Assert.True(task.IsCompletedSuccessfully);
        Assert.Equal("hi", AwaitResult(task));
        Assert.Equal(0, Deterministic.NowNanoseconds); // the cancelled timeout did not move the clock
    }
}

[Trait("Area", "Runtime")]
public sealed class AskOnConcurrentDispatcher() : AskSpec(DispatcherKind.Concurrent)
{
    [Fact]
    public void An_ask_from_outside_the_workers_of_an_idle_actor_runs_its_turn_on_the_asking_thread_and_returns_answered()
    {
        var whoRuns = ActorOf(Props.Create<RepliesWithItsThread>(), "who-runs");
        AwaitResult(whoRuns.Ask<int>("settle", TimeSpan.FromSeconds(10)));
        // The settling reply can arrive while the worker is still finishing that turn: the actor is idle only after.
        AwaitCondition(() => !((ActorCell)whoRuns).Mailbox.IsScheduled, TimeSpan.FromSeconds(10), "the actor went idle after its turn");

        var task = whoRuns.Ask<int>("which thread?", TimeSpan.FromSeconds(10));

        Assert.True(task.IsCompletedSuccessfully, "the Ask returned before its reply");
        Assert.Equal(Environment.CurrentManagedThreadId, AwaitResult(task));
    }

    [Fact]
    public void An_ask_of_an_actor_in_a_turn_goes_through_the_workers()
    {
        using var gate = new ManualResetEventSlim();
        using var held = new ManualResetEventSlim();
        var whoRuns = ActorOf(Props.Create(() => new RepliesWithItsThread(gate, held)), "who-runs");
        whoRuns.Tell("hold");
        Assert.True(held.Wait(TimeSpan.FromSeconds(10)), "the actor never started the held turn");

        var task = whoRuns.Ask<int>("which thread?", TimeSpan.FromSeconds(10));
        var answeredAtOnce = task.IsCompleted;
        gate.Set();

        Assert.False(answeredAtOnce, "an Ask of a busy actor ran a second turn of it on the asking thread");
        Assert.NotEqual(Environment.CurrentManagedThreadId, AwaitResult(task));
    }

    [Fact]
    public void An_ask_from_inside_a_turn_goes_through_the_workers()
    {
        var probe = CreateTestProbe();
        var echo = ActorOf(Props.Create<EchoActor>(), "echo");
        var asker = ActorOf(Props.Create(() => new AsksFromItsTurn(echo, probe.Ref)), "asker");

        asker.Tell("go");

        // Answered within the asker's turn would mean the echo's turn ran inside it, on a worker.
        Assert.False(probe.ExpectMsg<bool>());
    }

    /// <summary>Replies with the managed id of the thread its turn runs on; "hold" holds the turn until the gate opens.</summary>
    private sealed class RepliesWithItsThread(ManualResetEventSlim? gate = null, ManualResetEventSlim? held = null) : ActorBase
    {
        public RepliesWithItsThread()
            : this(null, null)
        {
        }

        protected internal override bool Receive(object message)
        {
            if (message is "hold")
            {
                held!.Set();
                gate!.Wait(TimeSpan.FromSeconds(10));
                return true;
            }
            Sender.Tell(Environment.CurrentManagedThreadId, Self);
            return true;
        }
    }

    /// <summary>Asks <paramref name="target"/> in its turn and tells <paramref name="probe"/> whether the Ask came back answered.</summary>
    private sealed class AsksFromItsTurn(IActorRef target, IActorRef probe) : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            probe.Tell(target.Ask<string>("ping", TimeSpan.FromSeconds(10)).IsCompleted, Self);
            return true;
        }
    }
}
