using System.Diagnostics;
using System.Globalization;
using ActorKernel.Benchmarks.Diagnostics;
using ActorKernel.Runtime;

namespace ActorKernel.Benchmarks.Hardware;

/// <summary>
/// <c>diskprobe [--dispatcher concurrent|deterministic] [--runs N] [--warmup N] [--alloc-types]</c>: the loop of
/// <see cref="DiskReadBenchmarks"/> without BenchmarkDotNet (issue 11, acceptance 6): discarded runs
/// until the JIT has settled (<see cref="JitWarmUp"/>; <c>--warmup N</c>: N runs), then N measured runs of <see cref="DiskReadBenchmarks.Requests"/> reads each, printed
/// with requests per wall second, the CPU the process got, the bytes the whole process allocated
/// per request (load-independent), on the deterministic dispatcher the actor turns per request (also
/// independent of the machine's speed) and the run's collections, and their median. <c>--alloc-types</c> adds a sampled histogram of the allocated types.
/// </summary>
internal static class DiskReadProbe
{
    public static int Run(string[] args)
    {
        var bench = new DiskReadBenchmarks { Dispatcher = DispatcherKind.Concurrent };
        var runs = 3;
        int? warmUp = null;
        var types = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dispatcher": bench.Dispatcher = Enum.Parse<DispatcherKind>(args[++i], ignoreCase: true); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warmup": warmUp = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--alloc-types": types = true; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        using var sampler = types ? new AllocationSampler() : null;
        bench.Setup();
        try
        {
            var warmUps = JitWarmUp.Run(bench.Read4KiB, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15), warmUp);
            Console.WriteLine(JitWarmUp.Describe(warmUps, warmUp is not null));
            sampler?.Start();
            var rates = new List<double>();
            for (var run = 1; run <= runs; run++)
            {
                var deliveries0 = bench.Machine.System.Deterministic?.Deliveries ?? 0;
                int[] gcs0 = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
                var paused0 = GC.GetTotalPauseDuration();
                var cpu0 = Environment.CpuUsage.TotalTime;
                var bytes0 = GC.GetTotalAllocatedBytes(precise: true); // last: the baselines above are not the run's bytes
                var wall0 = Stopwatch.GetTimestamp();
                bench.Read4KiB();
                var wall = Stopwatch.GetElapsedTime(wall0).TotalSeconds;
                var cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
                var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes0;
                const double Requests = DiskReadBenchmarks.Requests;
                rates.Add(Requests / wall / 1e3);
                // Deterministic: the actor turns one request takes, a figure that does not depend on the machine's speed.
                var turns = bench.Machine.System.Deterministic is { } deterministic
                    ? string.Create(CultureInfo.InvariantCulture, $", {(deterministic.Deliveries - deliveries0) / Requests:0.00} turns/request")
                    : "";
                // The collections in the run (gen 0/1/2) and their pause: a slow run that paused is the GC's, not the path's.
                var gcs = string.Create(CultureInfo.InvariantCulture,
                    $", GC {GC.CollectionCount(0) - gcs0[0]}/{GC.CollectionCount(1) - gcs0[1]}/{GC.CollectionCount(2) - gcs0[2]} ({(GC.GetTotalPauseDuration() - paused0).TotalMilliseconds:0.0} ms)");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {run}: {Requests / wall / 1e3:0.0} k req/s, cpu {cpu / wall:0.00} cores, {Requests / cpu / 1e3:0.0} k req per CPU-s, {bytes / Requests:0.0} B/request{turns}{gcs}"));
            }
            Console.WriteLine(ProbeSummary.Line(rates, "k req/s", "0.0"));
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
