using System.Globalization;
using System.Runtime;
using ActorKernel.Runtime;

namespace ActorKernel.Benchmarks;

/// <summary>
/// The whole-run mode: <c>throughput [SHAPE...] [--runs N] [--scale F]</c>. Runs each shape of issue 2
/// (after one discarded warm-up run) N times (default 3) and prints the median, the spread (min-max)
/// and the floor as a markdown table ready to paste into docs/performance.md. The last column is the
/// CPU time the process used per wall second: on a shared machine it shows how much of the cores a run got.
/// Shapes: a, b, c, d, det, mixed (default: all). <c>--scale 0.1</c> shrinks every shape for a quick look.
/// </summary>
internal static class ThroughputRunner
{
    private sealed record Row(string Name, string Dispatcher, string Unit, double Floor, bool HigherIsBetter, Func<double, double[]> Measure);

    public static int Run(string[] args)
    {
        var runs = 3;
        var scale = 1.0;
        var selected = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs":
                    runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--scale":
                    scale = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    selected.Add(args[i].ToLowerInvariant());
                    break;
            }
        }
        s_scaleNote = scale == 1.0 ? "" : $" (scaled ×{scale.ToString(CultureInfo.InvariantCulture)})";
        if (selected.Count == 0)
        {
            selected.AddRange(["a", "b", "c", "d", "det", "mixed"]);
        }

        var rows = new List<(string Key, Row Row)>();
        foreach (var kind in new[] { DispatcherKind.Concurrent, DispatcherKind.Deterministic })
        {
            var k = kind;
            var d = kind == DispatcherKind.Concurrent ? "concurrent" : "deterministic";
            // Floors of issue 2 apply to the concurrent runs; the deterministic one has its own floor (det row).
            var concurrent = kind == DispatcherKind.Concurrent;
            rows.Add(("a", new Row("(a) ping-pong, 10 pairs, 1 in flight, 1M round trips", d, "M msg/s", concurrent ? 5 : 0, true,
                s => [Shapes.PingPong(k, 10, 1, Scaled(1_000_000, s)).UnitsPerSecond / 1e6])));
            rows.Add(("b", new Row("(b) ping-pong, 2 pairs, 1,000 in flight, 15M round trips", d, "M msg/s", concurrent ? 35 : 0, true,
                s => [Shapes.PingPong(k, 2, 1000, Scaled(15_000_000, s)).UnitsPerSecond / 1e6])));
            rows.Add(("c", new Row("(c) forward chain of 3, 64 in flight, 1M requests", d, "M req/s", concurrent ? 1.5 : 0, true,
                s => [Shapes.ForwardChain(k, 64, Scaled(1_000_000, s)).UnitsPerSecond / 1e6])));
        }
        rows.Add(("d", new Row("(d) Ask round trip, 200k asks: median", "concurrent", "µs", 2.5, false, s =>
        {
            var (_, lat) = Shapes.AskRoundTrip((int)Scaled(200_000, s));
            return [Percentile(lat, 0.5) / 1e3, Percentile(lat, 0.99) / 1e3];
        })));
        rows.Add(("det", new Row("deterministic dispatcher, 10 ping-pong pairs", "deterministic", "M deliveries/s", 5, true, s =>
        {
            var r = Shapes.PingPong(DispatcherKind.Deterministic, 10, 1, Scaled(1_000_000, s));
            return [r.Deliveries / r.Seconds / 1e6];
        })));

        rows.Add(("mixed", new Row("deterministic dispatcher, 200 actors, 1,000 balls, 1 hop in 20 via a timer, 2M hops", "deterministic", "M deliveries/s", 5, true, s =>
        {
            var r = Shapes.Mixed(200, 1000, Scaled(2_000_000, s));
            return [r.Deliveries / r.Seconds / 1e6];
        })));

        Console.WriteLine($"# ActorKernel runtime throughput: {runs} runs each, scale {scale.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"# {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {GCSettings.IsServerGC}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine();
        var table = new List<string>
        {
            "| benchmark | dispatcher | median | spread (min-max) | floor | met | CPU cores used |",
            "|---|---|---|---|---|---|---|",
        };
        foreach (var (key, row) in rows)
        {
            if (!selected.Contains(key))
            {
                continue;
            }
            // Warm-up: one discarded run of the same size. A smaller one leaves the JIT mid-way through
            // tiering (instrumented tier-1 code), which made the first measured run about half as fast.
            row.Measure(scale);
            var samples = new List<double[]>();
            var cores = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var cpu0 = Environment.CpuUsage.TotalTime;
                var wall0 = System.Diagnostics.Stopwatch.GetTimestamp();
                var sample = row.Measure(scale);
                var cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
                var wall = System.Diagnostics.Stopwatch.GetElapsedTime(wall0).TotalSeconds;
                samples.Add(sample);
                cores.Add(cpu / wall);
                // CPU per wall second shows how much of the 2 cores the run got (other load, idle spinning).
                Console.Error.WriteLine($"  {row.Name} [{row.Dispatcher}] run {i + 1}: {string.Join(" / ", sample.Select(F))} {row.Unit}  (cpu {F(cpu / wall)} cores, pool threads {ThreadPool.ThreadCount})");
            }
            var coresText = $"{F(cores.Min())}-{F(cores.Max())}";
            table.Add(Line(row, samples.Select(x => x[0]).ToArray(), row.Unit, row.Floor, row.HigherIsBetter) + $" {coresText} |");
            if (key == "d")
            {
                table.Add(Line(row with { Name = "(d) Ask round trip, 200k asks: p99" }, samples.Select(x => x[1]).ToArray(), "µs", 0, false) + $" {coresText} |");
            }
        }
        foreach (var line in table)
        {
            Console.WriteLine(line);
        }
        return 0;
    }

    private static string Line(Row row, double[] values, string unit, double floor, bool higherIsBetter)
    {
        Array.Sort(values);
        var median = values[values.Length / 2];
        var met = floor == 0 ? "-" : (higherIsBetter ? median >= floor : median <= floor) ? "yes" : "no";
        var floorText = floor == 0 ? "-" : (higherIsBetter ? "≥ " : "≤ ") + F(floor) + " " + unit;
        return $"| {row.Name}{s_scaleNote} | {row.Dispatcher} | {F(median)} {unit} | {F(values[0])}-{F(values[^1])} | {floorText} | {met} |";
    }

    // Set once per run: a scaled run says so on every row, so its figures are never taken for the real shapes.
    private static string s_scaleNote = "";

    private static long Scaled(long n, double scale) => Math.Max(1_000, (long)(n * scale));

    private static double Percentile(long[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];

    private static string F(double v) => v.ToString(v >= 100 ? "0" : v >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
}
