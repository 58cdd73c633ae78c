using ActorKernel.Runtime;
using BenchmarkDotNet.Attributes;

namespace ActorKernel.Benchmarks;

/// <summary>One Ask of an echo actor on the concurrent dispatcher, from a non-actor thread: latency and bytes per Ask.</summary>
[MemoryDiagnoser]
public class AskBenchmarks
{
    private ActorSystem _system = null!;
    private IActorRef _echo = null!;
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(10);

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("ask", ActorSystemOptions.ConcurrentWith());
        _echo = _system.ActorOf(Props.Create(() => new EchoActor()), "echo");
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Dispose();

    /// <summary>Ask and wait for the reply.</summary>
    [Benchmark]
    public object Ask_round_trip() => _echo.Ask<Ball>(Ball.Instance, _timeout).GetAwaiter().GetResult();
}
