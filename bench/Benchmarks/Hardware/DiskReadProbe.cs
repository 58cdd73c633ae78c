using System.Diagnostics;
using System.Globalization;
using ActorKernel.Benchmarks.Diagnostics;
using ActorKernel.Runtime;

namespace ActorKernel.Benchmarks.Hardware;

/// <summary>
/// <c>diskprobe [--dispatcher concurrent|deterministic] [--runs N] [--alloc-types]</c>: the loop of
/// <see cref="DiskReadBenchmarks"/> without BenchmarkDotNet (issue 11, acceptance 6): a discarded
/// warm-up run, then N measured runs of <see cref="DiskReadBenchmarks.Requests"/> reads each, printed
/// with requests per wall second, the CPU the process got, and the bytes the whole process allocated
/// per request (load-independent). <c>--alloc-types</c> adds a sampled histogram of the allocated types.
/// </summary>
internal static class DiskReadProbe
{
    public static int Run(string[] args)
    {
        var bench = new DiskReadBenchmarks { Dispatcher = DispatcherKind.Concurrent };
        var runs = 3;
        var types = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dispatcher": bench.Dispatcher = Enum.Parse<DispatcherKind>(args[++i], ignoreCase: true); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--alloc-types": types = true; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        using var sampler = types ? new AllocationSampler() : null;
        bench.Setup();
        try
        {
            for (var run = 0; run <= runs; run++)
            {
                if (run == 1)
                {
                    sampler?.Start();
                }
                var cpu0 = Environment.CpuUsage.TotalTime;
                var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
                var wall0 = Stopwatch.GetTimestamp();
                bench.Read4KiB();
                var wall = Stopwatch.GetElapsedTime(wall0).TotalSeconds;
                var cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
                var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes0;
                const double Requests = DiskReadBenchmarks.Requests;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(run == 0 ? "warm-up" : $"run {run}")}: {Requests / wall / 1e3:0.0} k req/s, cpu {cpu / wall:0.00} cores, {Requests / cpu / 1e3:0.0} k req per CPU-s, {bytes / Requests:0.0} B/request"));
            }
            sampler?.Stop();
            sampler?.Print(runs * (double)DiskReadBenchmarks.Requests);
        }
        finally
        {
            bench.Cleanup();
        }
        return 0;
    }
}
