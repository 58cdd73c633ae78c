namespace ActorKernel.Runtime.Tests;

/// <summary>Acceptance item 2 of issue 2: per-sender FIFO with concurrent senders, nothing lost or duplicated.</summary>
[Trait("Area", "Runtime")]
public sealed class OrderingSpec() : ActorTestKit(DispatcherKind.Concurrent)
{
    private const int Senders = 8;
    private const int PerSender = 125_000; // 1M messages in all

    [Fact]
    public void Eight_concurrent_senders_and_one_million_messages_arrive_in_per_sender_order_none_lost_or_duplicated()
    {
        var probe = CreateTestProbe();
        var receiver = ActorOf(Props.Create(() => new SequenceChecker(Senders, Senders * PerSender, probe.Ref)), "receiver");
        var messages = new Sequenced[Senders][];
        for (var s = 0; s < Senders; s++)
        {
            messages[s] = new Sequenced[PerSender];
            for (var i = 0; i < PerSender; i++)
            {
                messages[s][i] = new Sequenced(s, i);
            }
        }
        using var start = new Barrier(Senders);
        var threads = Enumerable.Range(0, Senders).Select(s => new Thread(() =>
        {
            start.SignalAndWait();
            foreach (var message in messages[s])
            {
                receiver.Tell(message);
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var report = probe.ExpectMsg<Report>(timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(Senders * PerSender, report.Received);
        Assert.Equal(0, report.OutOfOrder);
        Assert.All(report.NextExpected, next => Assert.Equal(PerSender, next));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, Sys.DeadLetterCount);
    }

    [Fact]
    public void Eight_sender_actors_keep_per_sender_order_to_one_receiver()
    {
        const int PerActor = 20_000;
        var probe = CreateTestProbe();
        var receiver = ActorOf(Props.Create(() => new SequenceChecker(Senders, Senders * PerActor, probe.Ref)), "receiver");
        for (var s = 0; s < Senders; s++)
        {
            var id = s;
            ActorOf(Props.Create(() => new Burst(receiver, id, PerActor)), "sender" + s).Tell("go");
        }

        var report = probe.ExpectMsg<Report>(timeout: TimeSpan.FromSeconds(60));

        Assert.Equal((Senders * PerActor, 0), (report.Received, report.OutOfOrder));
    }

    private sealed record Sequenced(int Sender, int Number);

    private sealed record Report(long Received, long OutOfOrder, int[] NextExpected);

    /// <summary>Checks that each sender's numbers arrive as 0, 1, 2, ...; reports once all expected messages came.</summary>
    private sealed class SequenceChecker(int senders, long expected, IActorRef probe) : ActorBase
    {
        private readonly int[] _next = new int[senders];
        private long _received;
        private long _outOfOrder;

        protected internal override bool Receive(object message)
        {
            if (message is not Sequenced sequenced)
            {
                return false;
            }
            if (_next[sequenced.Sender] != sequenced.Number)
            {
                _outOfOrder++;
            }
            _next[sequenced.Sender] = sequenced.Number + 1;
            if (++_received == expected)
            {
                probe.Tell(new Report(_received, _outOfOrder, [.. _next]));
            }
            return true;
        }
    }

    private sealed class Burst(IActorRef receiver, int id, int count) : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            for (var i = 0; i < count; i++)
            {
                receiver.Tell(new Sequenced(id, i), Self);
            }
            return true;
        }
    }
}
