using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKernel.Benchmarks;

/// <summary>
/// The shapes of <see cref="Shapes"/> written against Akka.NET, with equal work: the same pre-allocated
/// messages (<see cref="Ball"/>, <see cref="ChainRequest"/>), the same counts and in-flight windows, the
/// same settling before the clock starts, the same measuring thread blocking on <see cref="Finish"/>,
/// and the same blocking Ask caller. Akka.NET runs with its defaults (default dispatcher on the .NET
/// thread pool, throughput 30); only logging is turned down.
/// </summary>
internal static class AkkaShapes
{
    private static readonly Config Quiet = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        """);

    /// <summary>Ping-pong: <paramref name="pairs"/> pairs, <paramref name="inFlight"/> balls in flight per pair.</summary>
    public static ShapeResult PingPong(int pairs, int inFlight, long roundTrips)
    {
        using var system = ActorSystem.Create("pingpong", Quiet);
        try
        {
            var finish = new Finish(pairs);
            var answered = new long[pairs];
            var pings = new IActorRef[pairs];
            for (var i = 0; i < pairs; i++)
            {
                var slot = i;
                var pong = system.ActorOf(Props.Create(() => new AkkaPong(answered, slot)), $"pong{i}");
                pings[i] = system.ActorOf(Props.Create(() => new AkkaPing(pong, finish)), $"ping{i}");
            }
            Thread.Sleep(20); // as Shapes.Settle: let the actors start before the clock runs
            var perPair = roundTrips / pairs;
            var start = Stopwatch.GetTimestamp();
            foreach (var ping in pings)
            {
                ping.Tell(new Start(inFlight, perPair), ActorRefs.NoSender);
            }
            finish.Wait();
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var total = 0L;
            for (var i = 0; i < pairs; i++)
            {
                total += Volatile.Read(ref answered[i]);
            }
            if (total != perPair * pairs)
            {
                throw new InvalidOperationException($"Akka ping-pong lost or duplicated balls: {total} answered, {perPair * pairs} sent.");
            }
            return new ShapeResult(perPair * pairs * 2, seconds, 0);
        }
        finally
        {
            system.Terminate().Wait();
        }
    }

    /// <summary>The forward chain: originator (top) → middle → bottom and back, <paramref name="inFlight"/> requests in flight.</summary>
    public static ShapeResult ForwardChain(int inFlight, long requests)
    {
        using var system = ActorSystem.Create("chain", Quiet);
        try
        {
            var finish = new Finish(1);
            var bottom = system.ActorOf(Props.Create(() => new AkkaChain(null, null)), "bottom");
            var middle = system.ActorOf(Props.Create(() => new AkkaChain(bottom, null)), "middle");
            var top = system.ActorOf(Props.Create(() => new AkkaChain(middle, finish)), "top");
            Thread.Sleep(20);
            var start = Stopwatch.GetTimestamp();
            top.Tell(new Start(inFlight, requests), ActorRefs.NoSender);
            finish.Wait();
            return new ShapeResult(requests, Stopwatch.GetElapsedTime(start).TotalSeconds, 0);
        }
        finally
        {
            system.Terminate().Wait();
        }
    }

    /// <summary><paramref name="asks"/> sequential Asks of an echo actor from this (non-actor) thread; latencies in ns, sorted.</summary>
    public static (double Seconds, long[] LatenciesNs) AskRoundTrip(int asks)
    {
        using var system = ActorSystem.Create("ask", Quiet);
        try
        {
            var echo = system.ActorOf(Props.Create(() => new AkkaEcho()), "echo");
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
                    throw new InvalidOperationException("The Akka echo actor answered something else.");
                }
                latencies[i] = (long)((t1 - t0) * (1e9 / Stopwatch.Frequency));
            }
            var seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
            Array.Sort(latencies);
            return (seconds, latencies);
        }
        finally
        {
            system.Terminate().Wait();
        }
    }
}

/// <summary>Answers every ball to its sender (as <see cref="PongActor"/>).</summary>
internal sealed class AkkaPong(long[] answered, int slot) : UntypedActor
{
    protected override void OnReceive(object message)
    {
        answered[slot]++;
        Sender.Tell(message, Self);
    }
}

/// <summary>Keeps the window of balls in flight against its partner (as <see cref="PingActor"/>).</summary>
internal sealed class AkkaPing(IActorRef partner, Finish finish) : UntypedActor
{
    private long _sent;
    private long _received;
    private long _total;

    protected override void OnReceive(object message)
    {
        if (message is Ball)
        {
            _received++;
            if (_sent < _total)
            {
                _sent++;
                partner.Tell(Ball.Instance, Self);
            }
            else if (_received == _total)
            {
                finish.PartDone();
            }
            return;
        }
        if (message is Start start)
        {
            _total = start.Total;
            var first = Math.Min(start.InFlight, start.Total);
            for (var i = 0; i < first; i++)
            {
                _sent++;
                partner.Tell(Ball.Instance, Self);
            }
            return;
        }
        Unhandled(message);
    }
}

/// <summary>One actor of the forward chain (as <see cref="ChainActor"/>).</summary>
internal sealed class AkkaChain(IActorRef? lower, Finish? finish) : UntypedActor
{
    private IActorRef? _upper;
    private long _issued;
    private long _completed;
    private long _total;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ChainRequest request:
                _upper ??= Sender;
                if (lower is null)
                {
                    _upper.Tell(request.Completion, Self);
                }
                else
                {
                    lower.Tell(request, Self);
                }
                return;
            case ChainCompletion completion:
                if (finish is null)
                {
                    _upper!.Tell(completion, Self);
                    return;
                }
                _completed++;
                if (_issued < _total)
                {
                    _issued++;
                    lower!.Tell(completion.Request, Self);
                }
                else if (_completed == _total)
                {
                    finish.PartDone();
                }
                return;
            case Start start:
                _total = start.Total;
                var first = Math.Min(start.InFlight, start.Total);
                for (var i = 0; i < first; i++)
                {
                    _issued++;
                    lower!.Tell(new ChainRequest(), Self);
                }
                return;
            default:
                Unhandled(message);
                return;
        }
    }
}

/// <summary>Answers every message with the same object (the Ask target, as <see cref="EchoActor"/>).</summary>
internal sealed class AkkaEcho : UntypedActor
{
    protected override void OnReceive(object message) => Sender.Tell(message, Self);
}
