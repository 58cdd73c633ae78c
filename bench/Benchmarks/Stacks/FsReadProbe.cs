using System.Diagnostics;
using System.Globalization;
using ActorKernel.Benchmarks.Diagnostics;
using ActorKernel.Drivers.FileSystem;
using ActorKernel.Runtime;

namespace ActorKernel.Benchmarks.Stacks;

/// <summary>
/// <c>fsprobe [--dispatcher concurrent|deterministic] [--runs N] [--warmup N] [--requests N] [--cached] [--fastio] [--volume] [--alloc-types]</c>:
/// the loop of <see cref="FsReadBenchmarks"/> without BenchmarkDotNet (issue 19, acceptance 5), as
/// diskprobe does for the disk: discarded runs until the JIT has settled (<see cref="JitWarmUp"/>; <c>--warmup N</c>: N runs), then N measured runs, each printed with
/// requests per wall second, the CPU the process got, and the bytes the whole process allocated
/// per request, and their median. By default akfs runs with fast I/O off and no cache (every read reaches the
/// device); <c>--cached</c> and <c>--fastio</c> turn those on for comparison; <c>--volume</c> reads the
/// raw volume instead of the file (the same stack without the file system, in the same process). <c>--requests</c>
/// shortens a run (a smoke run: <c>fsprobe --runs 1 --requests 200</c>).
/// </summary>
internal static class FsReadProbe
{
    public static int Run(string[] args)
    {
        var bench = new FsReadBenchmarks { Dispatcher = DispatcherKind.Concurrent };
        var runs = 3;
        int? warmUp = null;
        var requests = FsReadBenchmarks.Requests;
        var types = false;
        var options = new AkfsOptions { FastIo = false, Cached = false };
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dispatcher": bench.Dispatcher = Enum.Parse<DispatcherKind>(args[++i], ignoreCase: true); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warmup": warmUp = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--requests": requests = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--cached": options = options with { Cached = true }; break;
                case "--fastio": options = options with { FastIo = true }; break;
                case "--alloc-types": types = true; break;
                case "--volume": bench.Target = @"\\.\StripeVolume0"; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        bench.FileSystem = options;
        using var sampler = types ? new AllocationSampler() : null;
        bench.Setup();
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fsprobe: {bench.Dispatcher}, akfs FastIo={options.FastIo} Cached={options.Cached}, {requests} reads of 4 KiB per run from {bench.Target}"));
            var warmUps = JitWarmUp.Run(() => bench.Read(requests), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15), warmUp);
            Console.WriteLine(JitWarmUp.Describe(warmUps, warmUp is not null));
            sampler?.Start();
            var rates = new List<double>();
            for (var run = 1; run <= runs; run++)
            {
                var before = (bench.Vcb!.IrpReads, bench.Vcb.NonCachedTransfers, bench.Vcb.FastIoReads);
                var cpu0 = Environment.CpuUsage.TotalTime;
                var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
                var wall0 = Stopwatch.GetTimestamp();
                bench.Read(requests);
                var wall = Stopwatch.GetElapsedTime(wall0).TotalSeconds;
                var cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
                var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes0;
                var n = (double)requests;
                rates.Add(n / wall / 1e3);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {run}: {n / wall / 1e3:0.0} k req/s, cpu {cpu / wall:0.00} cores, {n / cpu / 1e3:0.0} k req per CPU-s, {bytes / n:0.0} B/request; akfs IRP reads {bench.Vcb.IrpReads - before.IrpReads}, to the volume {bench.Vcb.NonCachedTransfers - before.NonCachedTransfers}, fast I/O {bench.Vcb.FastIoReads - before.FastIoReads}"));
            }
            Console.WriteLine(ProbeSummary.Line(rates, "k req/s", "0.0"));
            sampler?.Stop();
            sampler?.Print(runs * (double)requests);
        }
        finally
        {
            bench.Cleanup();
        }
        return 0;
    }
}
