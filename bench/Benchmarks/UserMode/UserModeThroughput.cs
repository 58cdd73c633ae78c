using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.RamDisk;
using ActorKernel.Runtime;

namespace ActorKernel.Benchmarks.UserMode;

/// <summary>
/// <c>usermode [--runs N] [--requests N] [--processors N] [--size BYTES] [--no-verify] [--only PREFIX]</c>: user-level requests per wall second
/// through the RAM-disk sample stack (counting filter → ramdisk.sys → root-bus PDO), from a user
/// process through Kernel32: synchronous (32 threads, one request each) and overlapped (one thread,
/// 32 in flight, completing through a completion port or through events), on both dispatchers. Each shape runs once to warm up, then N
/// times; the table gives the median and the spread (min-max), ready for docs/performance.md.
/// Requests are 4 KiB (<c>--size</c>), half reads, half writes, every read verified byte for byte (unless <c>--no-verify</c>).
/// </summary>
internal static class UserModeThroughput
{
    public static int Run(string[] args)
    {
        var runs = 5;
        var requests = 200_000L;
        var processors = 2;
        string? only = null;
        s_size = 4096;
        s_verify = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs":
                    runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--requests":
                    requests = long.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--size":
                    s_size = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--no-verify":
                    s_verify = false;
                    break;
                case "--only":
                    only = args[++i];
                    break;
                case "--processors":
                    processors = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'");
                    return 2;
            }
        }
        Console.WriteLine($"# ActorKernel user-mode throughput: {runs} runs each (after a warm-up), {requests:N0} requests per run of {s_size} bytes, {(s_verify ? "reads verified" : "no verification")}, {processors} simulated processors");
        Console.WriteLine($"# {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {GCSettings.IsServerGC}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load {Load()}");
        Console.WriteLine();
        Console.WriteLine("| shape | dispatcher | median req/s | spread (min-max) | simulated req/s (median) | p50 / p99 simulated latency | allocated B/request |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var dispatcher in new[] { DispatcherKind.Deterministic, DispatcherKind.Concurrent })
        {
            foreach (var (mode, completion, name) in Shapes.Where(s => only is null || s.Name.StartsWith(only, StringComparison.Ordinal)))
            {
                Measure(dispatcher, mode, completion, processors, requests); // warm-up at full size: a smaller one leaves the JIT mid-tiering
                var results = Enumerable.Range(0, runs).Select(_ => Measure(dispatcher, mode, completion, processors, requests)).OrderBy(r => r.PerSecond).ToList();
                var median = results[results.Count / 2];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {(dispatcher == DispatcherKind.Deterministic ? "deterministic" : "concurrent")} "
                    + $"| {median.PerSecond:N0} | {results[0].PerSecond:N0} - {results[^1].PerSecond:N0} | {median.SimulatedPerSecond:N0} | {median.P50Ns / 1e3:0.0} µs / {median.P99Ns / 1e3:0.0} µs | {median.BytesPerRequest:N0} |"));
            }
        }
        return 0;
    }

    private static int s_size;
    private static bool s_verify;

    private static readonly (WorkloadMode Mode, OverlappedCompletion Completion, string Name)[] Shapes =
    [
        (WorkloadMode.Synchronous, OverlappedCompletion.CompletionPort, "synchronous, 32 threads"),
        (WorkloadMode.Overlapped, OverlappedCompletion.CompletionPort, "overlapped, QD 32, completion port"),
        (WorkloadMode.Overlapped, OverlappedCompletion.Event, "overlapped, QD 32, events"),
    ];

    private sealed record Result(double PerSecond, double SimulatedPerSecond, long P50Ns, long P99Ns, double BytesPerRequest);

    private static Result Measure(DispatcherKind dispatcher, WorkloadMode mode, OverlappedCompletion completion, int processors, long requests)
    {
        using var machine = Machine.Create(new MachineOptions { Processors = processors, Seed = 1, ClockIntervalNs = 0, SystemWorkerThreads = 0, Dispatcher = dispatcher });
        var io = new IoManager();
        io.AttachTo(machine);
        var bus = Loaded(io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry));
        var pdo = RootBus.CreatePdo(bus, "RamDiskPdo0");
        var ramdisk = Loaded(io.LoadDriverAsync(RamDisk.ServiceName, RamDisk.ImageName, RamDisk.DriverEntryWith(new RamDiskOptions(4 << 20, false))));
        var filter = Loaded(io.LoadDriverAsync(CountingFilter.ServiceName, CountingFilter.ImageName, CountingFilter.DriverEntry));
        _ = ramdisk.DriverExtension.AddDevice!(ramdisk, pdo).GetAwaiter().GetResult();
        _ = filter.DriverExtension.AddDevice!(filter, pdo).GetAwaiter().GetResult();
        machine.Start();
        var workload = new UserWorkload(new WorkloadDefinition
        {
            Name = "bench",
            FileName = "\\\\.\\RamDisk0",
            Mode = mode,
            Completion = completion,
            QueueDepth = 32,
            Mix = new OperationMix(Read: 0.5, Write: 0.5),
            Sizes = SizeDistribution.Fixed(s_size),
            VerifyData = s_verify,
            RegionLength = 4 << 20,
            RequestCount = requests,
        }, new DeterministicRandom(1).Derive("bench"), TimeProvider.System);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var start = Stopwatch.GetTimestamp();
        workload.Start(machine, UserProcess.Create(machine, io, "bench.exe"));
        if (dispatcher == DispatcherKind.Deterministic)
        {
            machine.RunUntil(() => workload.IsDone || machine.IsBugChecked, TimeSpan.FromHours(1));
        }
        else
        {
            while (!workload.IsDone && !machine.IsBugChecked)
            {
                Thread.Sleep(1);
            }
        }
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var bytesPerRequest = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)requests;
        var s = workload.Snapshot();
        if (machine.IsBugChecked || s.Completed != requests || s.Mismatches != 0)
        {
            throw new InvalidOperationException($"the run went wrong: completed {s.Completed}/{requests}, mismatches {s.Mismatches} ({s.FirstMismatch}), bugcheck {machine.CrashDump?.Analysis}");
        }
        return new Result(requests / seconds, requests / (machine.NowNanoseconds / 1e9), s.Latency.Percentile(50), s.Latency.Percentile(99), bytesPerRequest);
    }

    private static DriverObject Loaded(ValueTask<(NtStatus Status, DriverObject? Driver)> load) => load.GetAwaiter().GetResult().Driver!;

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}
