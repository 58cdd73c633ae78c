using System.Diagnostics;
using ActorKernel.Runtime;

namespace ActorKernel.Benchmarks;

/// <summary>One measured run of a shape: how many units it did in how long.</summary>
internal readonly record struct ShapeResult(long Units, double Seconds, long Deliveries)
{
    public double UnitsPerSecond => Units / Seconds;
}

/// <summary>
/// The runtime's comparison shapes of issue 2, each runnable on either dispatcher. A shape builds a
/// fresh actor system, starts the clock when the first message is told, and stops it when the last
/// reply is back. Messages are pre-allocated, so a run measures the runtime, not the allocator.
/// </summary>
internal static class Shapes
{
    /// <summary>(a) 10 pairs, 1 in flight per pair, 1M round trips; (b) 2 pairs, 1,000 in flight per pair, 15M round trips.</summary>
    public static ShapeResult PingPong(DispatcherKind kind, int pairs, int inFlight, long roundTrips)
    {
        using var system = Create(kind, "pingpong");
        var finish = new Finish(pairs);
        var pings = new IActorRef[pairs];
        var pongs = new PongActor[pairs];
        for (var i = 0; i < pairs; i++)
        {
            var slot = i;
            var pong = system.ActorOf(Props.Create(() => pongs[slot] = new PongActor()), $"pong{i}");
            pings[i] = system.ActorOf(Props.Create(() => new PingActor(pong, finish)), $"ping{i}");
        }
        Settle(system);
        var perPair = roundTrips / pairs;
        var start = Stopwatch.GetTimestamp();
        var before = Deliveries(system);
        foreach (var ping in pings)
        {
            ping.Tell(new Start(inFlight, perPair));
        }
        Drive(system, finish);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var answered = pongs.Sum(p => Volatile.Read(ref p.Answered));
        if (answered != perPair * pairs)
        {
            throw new InvalidOperationException($"Ping-pong lost or duplicated balls: {answered} answered, {perPair * pairs} sent.");
        }
        return new ShapeResult(perPair * pairs * 2, seconds, Deliveries(system) - before);
    }

    /// <summary>(c) a chain of three actors; requests go down, completions come up; <paramref name="inFlight"/> requests in flight.</summary>
    public static ShapeResult ForwardChain(DispatcherKind kind, int inFlight, long requests)
    {
        using var system = Create(kind, "chain");
        var finish = new Finish(1);
        var bottom = system.ActorOf(Props.Create(() => new ChainActor(null, null)), "bottom");
        var middle = system.ActorOf(Props.Create(() => new ChainActor(bottom, null)), "middle");
        var top = system.ActorOf(Props.Create(() => new ChainActor(middle, finish)), "top");
        Settle(system);
        var start = Stopwatch.GetTimestamp();
        var before = Deliveries(system);
        top.Tell(new Start(inFlight, requests));
        Drive(system, finish);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new ShapeResult(requests, seconds, Deliveries(system) - before);
    }

    /// <summary>(d) <paramref name="asks"/> sequential Asks of an echo actor from outside; latencies in nanoseconds, sorted.</summary>
    public static (double Seconds, long[] LatenciesNs) AskRoundTrip(int asks)
    {
        using var system = Create(DispatcherKind.Concurrent, "ask");
        var echo = system.ActorOf(Props.Create(() => new EchoActor()), "echo");
        var timeout = TimeSpan.FromSeconds(10);
        var latencies = new long[asks];
        var begin = Stopwatch.GetTimestamp();
        for (var i = 0; i < asks; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var reply = echo.Ask<Ball>(Ball.Instance, timeout).GetAwaiter().GetResult();
            var t1 = Stopwatch.GetTimestamp();
            if (!ReferenceEquals(reply, Ball.Instance))
            {
                throw new InvalidOperationException("The echo actor answered something else.");
            }
            latencies[i] = (long)((t1 - t0) * (1e9 / Stopwatch.Frequency));
        }
        var seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        Array.Sort(latencies);
        return (seconds, latencies);
    }

    /// <summary>Deterministic only: <paramref name="actors"/> actors, <paramref name="balls"/> balls passed at random, 1 in 20 hops through a timer.</summary>
    public static ShapeResult Mixed(int actors, int balls, long hops)
    {
        using var system = Create(DispatcherKind.Deterministic, "mixed");
        var random = new DeterministicRandom(42).Derive("mixed");
        var peers = new IActorRef[actors];
        var budget = new[] { hops };
        for (var i = 0; i < actors; i++)
        {
            peers[i] = system.ActorOf(Props.Create(() => new MixedActor(random, peers, budget)), $"m{i}");
        }
        Settle(system);
        var balls0 = Enumerable.Range(0, balls).Select(_ => new Ball()).ToArray();
        var start = Stopwatch.GetTimestamp();
        var before = Deliveries(system);
        for (var i = 0; i < balls; i++)
        {
            peers[i % actors].Tell(balls0[i]);
        }
        system.Deterministic!.RunUntilQuiescent(long.MaxValue);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var deliveries = Deliveries(system) - before;
        return new ShapeResult(deliveries, seconds, deliveries);
    }

    private static ActorSystem Create(DispatcherKind kind, string name) =>
        ActorSystem.Create(name, kind == DispatcherKind.Deterministic
            ? ActorSystemOptions.DeterministicWith(seed: 42)
            : ActorSystemOptions.ConcurrentWith());

    /// <summary>Lets the actors start (Create and PreStart) before the clock runs.</summary>
    private static void Settle(ActorSystem system)
    {
        if (system.Deterministic is { } deterministic)
        {
            deterministic.RunUntilQuiescent();
        }
        else
        {
            Thread.Sleep(20);
        }
    }

    private static void Drive(ActorSystem system, Finish finish)
    {
        if (system.Deterministic is { } deterministic)
        {
            deterministic.RunUntilQuiescent(long.MaxValue);
            if (!finish.IsDone)
            {
                throw new InvalidOperationException("The deterministic run went quiescent before the shape finished.");
            }
        }
        else
        {
            finish.Wait();
        }
    }

    private static long Deliveries(ActorSystem system) => system.Deterministic?.Deliveries ?? 0;
}
