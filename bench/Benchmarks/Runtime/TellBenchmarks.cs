using ActorKernel.Runtime;
using BenchmarkDotNet.Attributes;

namespace ActorKernel.Benchmarks;

/// <summary>
/// Proves the steady-state promise of the runtime: a Tell of a pre-allocated message, and its
/// delivery, allocate nothing (the memory diagnoser's Allocated column reads "-", i.e. 0 B).
/// Each invocation tells a batch and waits until the batch is handled, so delivery is included.
/// </summary>
[MemoryDiagnoser]
public class TellBenchmarks
{
    private const int Batch = 1_000;

    private ActorSystem _system = null!;
    private IActorRef _sink = null!;
    private long _expected;

    /// <summary>Which dispatcher delivers.</summary>
    [Params(DispatcherKind.Deterministic, DispatcherKind.Concurrent)]
    public DispatcherKind Dispatcher { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("tell", Dispatcher == DispatcherKind.Deterministic
            ? ActorSystemOptions.DeterministicWith(seed: 1)
            : ActorSystemOptions.ConcurrentWith());
        _sink = _system.ActorOf(Props.Create(() => new SinkActor()), "sink");
        Volatile.Write(ref SinkActor.Received, 0);
        _expected = 0;
        _system.Deterministic?.RunUntilQuiescent();
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Dispose();

    /// <summary>One Tell of a pre-allocated message plus its delivery (time per message, bytes per message).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void Tell_preallocated_message()
    {
        for (var i = 0; i < Batch; i++)
        {
            _sink.Tell(Ball.Instance);
        }
        _expected += Batch;
        if (_system.Deterministic is { } deterministic)
        {
            deterministic.RunUntilQuiescent();
        }
        else
        {
            var spinner = default(SpinWait);
            while (Volatile.Read(ref SinkActor.Received) < _expected)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }
    }
}

/// <summary>Round trips between two actors on each dispatcher, one message in flight: per-message cost and allocation.</summary>
[MemoryDiagnoser]
public class PingPongBenchmarks
{
    private const long RoundTrips = 10_000;

    /// <summary>Which dispatcher delivers.</summary>
    [Params(DispatcherKind.Deterministic, DispatcherKind.Concurrent)]
    public DispatcherKind Dispatcher { get; set; }

    private ActorSystem _system = null!;
    private IActorRef _ping = null!;
    private Start _start = null!;
    private Finish _box = null!;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("pingpong", Dispatcher == DispatcherKind.Deterministic
            ? ActorSystemOptions.DeterministicWith(seed: 1)
            : ActorSystemOptions.ConcurrentWith());
        _box = new Finish(1);
        var pong = _system.ActorOf(Props.Create(() => new PongActor()), "pong");
        _ping = _system.ActorOf(Props.Create(() => new PingActor(pong, _box)), "ping");
        _start = new Start(1, RoundTrips);
        _system.Deterministic?.RunUntilQuiescent();
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Dispose();

    /// <summary>One round trip (two deliveries).</summary>
    [Benchmark(OperationsPerInvoke = (int)RoundTrips)]
    public void Round_trip()
    {
        _box.Reset();
        _ping.Tell(_start);
        if (_system.Deterministic is { } deterministic)
        {
            deterministic.RunUntilQuiescent();
        }
        else
        {
            _box.Spin();
        }
    }
}
