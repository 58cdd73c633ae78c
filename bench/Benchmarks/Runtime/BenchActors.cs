using ActorKernel.Runtime;

namespace ActorKernel.Benchmarks;

/// <summary>The pre-allocated messages of the runtime benchmarks: a Tell of one of these allocates nothing.</summary>
internal sealed class Ball
{
    public static readonly Ball Instance = new();
}

/// <summary>Tells the first actor of a shape how many messages to put in flight and how many round trips to make.</summary>
internal sealed class Start(int inFlight, long total)
{
    public int InFlight { get; } = inFlight;
    public long Total { get; } = total;
}

/// <summary>Counts finished parts of a run across threads and wakes the measuring thread when all are done.</summary>
internal sealed class Finish(int parts)
{
    private readonly int _parts = parts;
    private int _remaining = parts;
    private readonly ManualResetEventSlim _done = new(false);

    /// <summary>Arms it again for another run of the same actors (micro-benchmarks).</summary>
    public void Reset()
    {
        _done.Reset();
        Volatile.Write(ref _remaining, _parts);
    }

    /// <summary>Waits without blocking the thread, for latency-sensitive micro-benchmarks.</summary>
    public void Spin()
    {
        var spinner = default(SpinWait);
        while (!_done.IsSet)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    public void PartDone()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.Set();
        }
    }

    public bool IsDone => _done.IsSet;

    public void Wait() => _done.Wait();

    public bool WaitFor(TimeSpan timeout) => _done.Wait(timeout);
}

/// <summary>Answers every ball to its sender.</summary>
internal sealed class PongActor : ActorBase
{
    /// <summary>Balls answered, read after the run to check that none was lost or duplicated.</summary>
    public long Answered;

    protected internal override bool Receive(object message)
    {
        Answered++;
        Sender.Tell(message, Self);
        return true;
    }
}

/// <summary>Keeps <c>inFlight</c> balls in flight against its partner until <c>total</c> came back.</summary>
internal sealed class PingActor(IActorRef partner, Finish finish) : ActorBase
{
    private long _sent;
    private long _received;
    private long _total;

    protected internal override bool Receive(object message)
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
            return true;
        }
        if (message is Start start)
        {
            _total = start.Total;
            _sent = 0;
            _received = 0;
            var first = Math.Min(start.InFlight, start.Total);
            for (var i = 0; i < first; i++)
            {
                _sent++;
                partner.Tell(Ball.Instance, Self);
            }
            return true;
        }
        return false;
    }
}

/// <summary>A request travelling down the chain; one pre-allocated instance per request in flight.</summary>
internal sealed class ChainRequest
{
    public ChainRequest() => Completion = new ChainCompletion(this);

    public ChainCompletion Completion { get; }
}

/// <summary>The completion of a <see cref="ChainRequest"/> travelling back up.</summary>
internal sealed class ChainCompletion(ChainRequest request)
{
    public ChainRequest Request { get; } = request;
}

/// <summary>
/// One actor of a three-actor forward chain (like a device stack): a request is forwarded to the
/// lower actor, a completion to the upper one. The bottom completes; the top originates requests
/// and keeps a fixed number in flight.
/// </summary>
internal sealed class ChainActor : ActorBase
{
    private readonly IActorRef? _lower;
    private readonly Finish? _finish;
    private IActorRef? _upper;
    private long _issued;
    private long _completed;
    private long _total;

    public ChainActor(IActorRef? lower, Finish? finish)
    {
        _lower = lower;
        _finish = finish;
    }

    protected internal override bool Receive(object message)
    {
        switch (message)
        {
            case ChainRequest request:
                _upper ??= Sender;
                if (_lower is null)
                {
                    _upper.Tell(request.Completion, Self);
                }
                else
                {
                    _lower.Tell(request, Self);
                }
                return true;
            case ChainCompletion completion:
                if (_finish is null)
                {
                    _upper!.Tell(completion, Self);
                    return true;
                }
                _completed++;
                if (_issued < _total)
                {
                    _issued++;
                    _lower!.Tell(completion.Request, Self);
                }
                else if (_completed == _total)
                {
                    _finish.PartDone();
                }
                return true;
            case Start start:
                _total = start.Total;
                var first = Math.Min(start.InFlight, start.Total);
                for (var i = 0; i < first; i++)
                {
                    _issued++;
                    _lower!.Tell(new ChainRequest(), Self);
                }
                return true;
            default:
                return false;
        }
    }
}

/// <summary>Answers every message with the same object (the Ask target).</summary>
internal sealed class EchoActor : ActorBase
{
    protected internal override bool Receive(object message)
    {
        Sender.Tell(message, Self);
        return true;
    }
}

/// <summary>Counts what it receives and does nothing else (the target of the Tell micro-benchmarks).</summary>
internal sealed class SinkActor : ActorBase
{
    private long _count;

    public static long Received;

    protected internal override bool Receive(object message)
    {
        _count++;
        Volatile.Write(ref Received, _count);
        return true;
    }
}

/// <summary>
/// One of many actors that pass a pre-allocated ball to a random peer, and now and then to itself
/// through a timer, until the shared budget is spent: a mixed deterministic workload.
/// </summary>
internal sealed class MixedActor(DeterministicRandom random, IActorRef[] peers, long[] budget) : ActorBase
{
    protected internal override bool Receive(object message)
    {
        if (budget[0]-- <= 0)
        {
            return true;
        }
        if (random.Next(20) == 0)
        {
            Context.System.Scheduler.ScheduleTellOnce(1_000 + random.Next(100_000), Self, message, Self);
        }
        else
        {
            peers[random.Next(peers.Length)].Tell(message, Self);
        }
        return true;
    }
}
