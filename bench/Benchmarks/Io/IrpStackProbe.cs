using System.Diagnostics;
using System.Globalization;
using ActorKernel.Benchmarks.Diagnostics;
using ActorKernel.Runtime;

namespace ActorKernel.Benchmarks.Io;

/// <summary>
/// <c>irpprobe [--dispatcher concurrent|deterministic] [--processors N] [--dpc] [--irps N] [--runs N] [--warmup N]</c>:
/// the loop of <see cref="IrpStackBenchmarks"/> without BenchmarkDotNet, for comparing processes
/// (issue 16, acceptance 2: the 4-processor concurrent figure per process). One process, one
/// machine: discarded runs of the same size until the JIT has settled (<see cref="JitWarmUp"/>; <c>--warmup N</c>: N runs), then N measured runs, each printed with the CPU
/// time the process got (cores) and the IRPs per CPU second, which move less with a shared machine's load.
/// </summary>
internal static class IrpStackProbe
{
    public static int Run(string[] args)
    {
        var bench = new IrpStackBenchmarks { Dispatcher = DispatcherKind.Concurrent, Processors = 4 };
        var invokes = 20; // × 20,000 IRPs
        var runs = 3;
        int? warmUp = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dispatcher": bench.Dispatcher = Enum.Parse<DispatcherKind>(args[++i], ignoreCase: true); break;
                case "--processors": bench.Processors = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dpc": bench.CompleteFromDpc = true; break;
                case "--irps": invokes = Math.Max(1, int.Parse(args[++i], CultureInfo.InvariantCulture) / 20_000); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warmup": warmUp = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        bench.Setup();
        try
        {
            var warmUps = JitWarmUp.Run(() => Invoke(bench, invokes), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15), warmUp);
            Console.WriteLine(JitWarmUp.Describe(warmUps, warmUp is not null));
            var rates = new List<double>();
            for (var run = 1; run <= runs; run++)
            {
                var cpu0 = Environment.CpuUsage.TotalTime;
                var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
                var deliveries0 = bench.Deliveries;
                var wall0 = Stopwatch.GetTimestamp();
                Invoke(bench, invokes);
                var wall = Stopwatch.GetElapsedTime(wall0).TotalSeconds;
                var cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
                var irps = invokes * 20_000.0;
                var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes0;
                // Deterministic dispatcher: deliveries (actor turns) per IRP, the hop's message count.
                var deliveries = bench.Deliveries - deliveries0;
                rates.Add(irps / wall / 1e6);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {run}: {irps / wall / 1e6:0.000} M IRPs/s, cpu {cpu / wall:0.00} cores, {irps / cpu / 1e6:0.000} M IRPs per CPU-s, {bytes / irps:0.0} B/IRP{(deliveries > 0 ? $", {deliveries / irps:0.00} deliveries/IRP" : "")}"));
            }
            Console.WriteLine(ProbeSummary.Line(rates, "M IRPs/s", "0.000"));
        }
        finally
        {
            bench.Cleanup();
        }
        return 0;
    }

    private static void Invoke(IrpStackBenchmarks bench, int invokes)
    {
        for (var n = 0; n < invokes; n++)
        {
            bench.IrpsThroughThreeDeepStack();
        }
    }
}
