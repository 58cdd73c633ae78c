using ActorKernel.Actors;
using ActorKernel.Benchmarks.Diagnostics;
using ActorKernel.Runtime;
using BenchmarkDotNet.Attributes;

namespace ActorKernel.Benchmarks.Stacks;

/// <summary>
/// Issue 19, acceptance 5 without the file system: 4 KiB random user-mode reads through the striped
/// volume → disk class (partition) → port/miniport → block controller, the stack built by the PnP
/// manager from registry entries, two disks with zero latency, 4 processors, both dispatchers. One
/// operation is one read. <c>dotnet run -c Release --project bench/Benchmarks -- --filter '*StripeRead*'</c>;
/// a smoke run: <c>... --filter '*StripeRead*' --job dry --inProcess</c>.
/// </summary>
[MemoryDiagnoser]
public class StripeReadBenchmarks
{
    /// <summary>Reads per invocation.</summary>
    public const int Requests = 10_000;

    private Machine? _machine;
    private IoManager? _io;
    private ulong _seed;

    /// <summary>The dispatcher under test.</summary>
    [Params(DispatcherKind.Deterministic, DispatcherKind.Concurrent)]
    public DispatcherKind Dispatcher { get; set; }

    /// <summary>Places two controllers (each image with one partition) and lets the PnP manager build the stacks.</summary>
    [GlobalSetup]
    public void Setup() => (_machine, _io) = StripedDiskMachine.Create(Dispatcher, "", new Dictionary<string, DriverInitialize>());

    /// <summary>Disposes the machine.</summary>
    [GlobalCleanup]
    public void Cleanup() => _machine?.Dispose();

    /// <summary><see cref="Requests"/> random 4 KiB reads at QD 32 from a new user process on the striped volume.</summary>
    [Benchmark(OperationsPerInvoke = Requests)]
    public void Read4KiB() => UserReadLoop.Read4KiB(_machine!, _io!, Dispatcher, "\\\\.\\StripeVolume0", Requests, ++_seed);

}
