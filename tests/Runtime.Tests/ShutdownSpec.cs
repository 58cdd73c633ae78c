using System.Collections.Concurrent;

namespace ActorKernel.Runtime.Tests;

/// <summary>Graceful shutdown of a whole system, on both dispatchers.</summary>
public abstract class ShutdownSpec(DispatcherKind dispatcher) : ActorTestKit(dispatcher)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Terminate_stops_children_before_their_parents()
    {
        var stops = new ConcurrentQueue<string>();
        var top = Props.Create(() => new Tree(stops, "top", 3));
        ActorOf(top, "top");
        ActorOf(Props.Create(() => new Tree(stops, "other", 1)), "other");
        AwaitCondition(() => Sys.Lookup("/user/top/top.0/top.0.0") is not null && Sys.Lookup("/user/top/top.1/top.1.1") is not null);

        await Sys.Terminate().WaitAsync(Patience);

        var order = stops.ToList();
        Assert.Equal(7 + 1, order.Count); // a tree of depth 3 and a single node
        foreach (var name in order)
        {
            var parent = name.Contains('.', StringComparison.Ordinal) ? name[..name.LastIndexOf('.')] : null;
            if (parent is not null)
            {
                Assert.True(order.IndexOf(name) < order.IndexOf(parent), $"{name} must stop before its parent {parent}; order: {string.Join(", ", order)}");
            }
        }
    }

    [Fact]
    public async Task Messages_in_flight_at_shutdown_are_processed_or_reported_as_dead_letters()
    {
        const int Sent = 20_000;
        var counter = new Counter();
        var sink = ActorOf(Props.Create(() => new CountingActor(counter)), "sink");
        for (var i = 0; i < Sent / 2; i++)
        {
            sink.Tell(i);
        }

        var done = Sys.Terminate();
        for (var i = Sent / 2; i < Sent; i++)
        {
            sink.Tell(i);
        }

        await done.WaitAsync(Patience);
        Assert.Equal(Sent, counter.Value + Sys.DeadLetterCount);
    }

    [Fact]
    public async Task After_terminate_tells_become_dead_letters_and_new_actors_are_refused()
    {
        var echo = ActorOf(Props.Create<EchoActor>(), "echo");

        await Sys.Terminate().WaitAsync(Patience);
        echo.Tell("anyone?");

        Assert.True(Sys.WhenTerminated.IsCompletedSuccessfully);
        Assert.Equal(1, Sys.DeadLetterCount);
        Assert.Throws<InvalidOperationException>(() => ActorOf(Props.Create<EchoActor>(), "late"));
    }

    internal sealed class Counter
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Increment() => Interlocked.Increment(ref _value);
    }

    private sealed class CountingActor(Counter counter) : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            counter.Increment();
            return true;
        }
    }

    /// <summary>A node of a tree of the given depth, two children per node; each PostStop is recorded.</summary>
    private sealed class Tree(ConcurrentQueue<string> stops, string name, int depth) : ActorBase
    {
        protected internal override void PreStart()
        {
            for (var i = 0; depth > 1 && i < 2; i++)
            {
                var childName = $"{name}.{i}";
                Context.ActorOf(Props.Create(() => new Tree(stops, childName, depth - 1)), childName);
            }
        }

        protected internal override bool Receive(object message) => false;

        protected internal override void PostStop() => stops.Enqueue(name);
    }
}

[Trait("Area", "Runtime")]
public sealed class ShutdownOnDeterministicDispatcher() : ShutdownSpec(DispatcherKind.Deterministic);

[Trait("Area", "Runtime")]
public sealed class ShutdownOnConcurrentDispatcher() : ShutdownSpec(DispatcherKind.Concurrent);
