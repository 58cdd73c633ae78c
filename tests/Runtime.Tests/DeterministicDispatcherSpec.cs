namespace ActorKernel.Runtime.Tests;

/// <summary>The deterministic dispatcher's driving API: Step, RunUntil, RunFor, RunUntilQuiescent, and its delivery log.</summary>
[Trait("Area", "Runtime")]
public sealed class DeterministicDispatcherSpec : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("det", ActorSystemOptions.DeterministicWith(5, recordDeliveries: true) with { DeliveryLogCapacity = 100 });
    private readonly List<(object Message, long Ns)> _seen = [];

    private DeterministicDispatcher Dispatcher => _system.Deterministic!;

    public void Dispose() => _system.Dispose();

    [Fact]
    public void RunFor_ends_exactly_at_the_requested_time_with_or_without_timers()
    {
        Dispatcher.RunFor(TimeSpan.FromMilliseconds(1500));
        Assert.Equal(1_500_000_000, Dispatcher.NowNanoseconds);

        _system.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(100), _system.DeadLetters, "x", null);
        Dispatcher.RunForNanoseconds(250_000_000);
        Assert.Equal(1_750_000_000, Dispatcher.NowNanoseconds);
    }

    [Fact]
    public void RunFor_fires_timers_in_due_time_order_then_in_the_order_they_were_set()
    {
        var recorder = Recorder();
        var scheduler = _system.Scheduler;
        scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(30), recorder, "c", null);
        scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(10), recorder, "a1", null);
        scheduler.ScheduleTellOnce(10_000_000L, recorder, "a2", null);
        scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(20), recorder, "b", null);
        scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(10), recorder, "a3", null);

        Dispatcher.RunFor(TimeSpan.FromMilliseconds(25));

        Assert.Equal([("a1", 10L), ("a2", 10L), ("a3", 10L), ("b", 20L)], Seen());
        Assert.Equal(25_000_000, Dispatcher.NowNanoseconds);
        Dispatcher.RunFor(TimeSpan.FromMilliseconds(5));
        Assert.Equal(("c", 30L), Seen()[^1]);
        Assert.Equal(30_000_000, Dispatcher.NowNanoseconds);
    }

    [Fact]
    public void Step_delivers_one_message_at_a_time_and_reports_when_nothing_is_left()
    {
        var recorder = Recorder();
        Dispatcher.RunUntilQuiescent();
        recorder.Tell(1);
        recorder.Tell(2);
        recorder.Tell(3);

        Assert.True(Dispatcher.Step());
        Assert.Single(_seen);
        Assert.True(Dispatcher.Step());
        Assert.True(Dispatcher.Step());
        Assert.Equal([1, 2, 3], _seen.Select(s => (int)s.Message));
        Assert.False(Dispatcher.Step());
        Assert.True(Dispatcher.IsQuiescent);
    }

    [Fact]
    public void Step_with_no_mail_jumps_the_clock_to_the_next_timer()
    {
        var recorder = Recorder();
        Dispatcher.RunUntilQuiescent();
        _system.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(5), recorder, "later", null);

        Assert.True(Dispatcher.Step());

        Assert.Equal(("later", 5000L), Seen().Single());
        Assert.Equal(5_000_000_000, Dispatcher.NowNanoseconds);
    }

    [Fact]
    public void RunUntil_stops_as_soon_as_the_condition_holds()
    {
        var recorder = Recorder();
        for (var i = 0; i < 10; i++)
        {
            recorder.Tell(i);
        }

        Assert.True(Dispatcher.RunUntil(() => _seen.Count == 4));

        Assert.Equal(4, _seen.Count);
    }

    [Fact]
    public void RunUntil_gives_up_at_its_timeout_in_virtual_time_without_firing_later_timers()
    {
        var recorder = Recorder();
        _system.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(5), recorder, "late", null);

        Assert.False(Dispatcher.RunUntil(() => _seen.Count > 0, TimeSpan.FromSeconds(2)));

        Assert.Equal(2_000_000_000, Dispatcher.NowNanoseconds);
        Assert.Empty(_seen);
        Dispatcher.RunFor(TimeSpan.FromSeconds(3));
        Assert.Equal(("late", 5000L), Seen().Single());
    }

    [Fact]
    public void RunUntilQuiescent_counts_deliveries_and_refuses_to_run_forever()
    {
        var recorder = Recorder();
        recorder.Tell(1);
        recorder.Tell(2);
        Assert.True(Dispatcher.RunUntilQuiescent() >= 2);
        Assert.True(Dispatcher.IsQuiescent);

        _system.Scheduler.ScheduleTellRepeatedly(TimeSpan.Zero, TimeSpan.FromMilliseconds(1), recorder, "tick", null);
        var error = Assert.Throws<InvalidOperationException>(() => Dispatcher.RunUntilQuiescent(maxDeliveries: 1000));

        Assert.Contains("seed 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_dispatcher_cannot_be_driven_from_inside_an_actor()
    {
        var decisions = new List<SupervisionDecision>();
        _system.EventStream.Subscribe<SupervisionDecision>(decisions.Add);
        var nested = _system.ActorOf(Props.Create(() => new Nested(Dispatcher)), "nested");

        nested.Tell("go");
        Dispatcher.RunUntilQuiescent();

        Assert.Contains("already running", decisions.Single().Cause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Delivery_log_records_time_sender_receiver_and_type_of_each_delivery()
    {
        var recorder = Recorder();
        Dispatcher.RunUntilQuiescent();
        var log = Dispatcher.DeliveryLog!;
        var before = log.Count;
        _system.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(7), recorder, "hello", _system.DeadLetters);

        Dispatcher.RunUntilQuiescent();

        Assert.Equal(before + 1, log.Count);
        var record = log.Records[^1];
        Assert.Equal((7_000_000L, _system.DeadLetters.Path, recorder.Path, typeof(string)),
            (record.VirtualTimeNanoseconds, record.Sender, record.Receiver, record.MessageType));
    }

    private IActorRef Recorder() => _system.ActorOf(Props.Create(() => new RecorderActor(_seen)), "recorder");

    private List<(string, long)> Seen() => [.. _seen.Select(s => ((string)s.Message, s.Ns / 1_000_000))];

    private sealed class RecorderActor(List<(object, long)> seen) : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            seen.Add((message, Context.System.Scheduler.NowNanoseconds));
            return true;
        }
    }

    private sealed class Nested(DeterministicDispatcher dispatcher) : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            dispatcher.RunUntilQuiescent();
            return true;
        }
    }
}
