using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using ActorKernel.Benchmarks.Diagnostics;
using ActorKernel.Runtime;

namespace ActorKernel.Benchmarks;

/// <summary>
/// <c>[--runs N] [--quick | --scale F] [--shapes a,b,c,d]</c>: for each of N runs and each selected
/// shape, starts one process for the runtime and then one for Akka.NET (A B A B ...). Each process
/// warms its shape up (full-size runs, discarded: at least 40 runs and one second, then until a run
/// compiles no new method, at most three seconds: <see cref="JitWarmUp"/>), then measures it at least
/// <see cref="MinMeasuredRuns"/> times and for at least <see cref="MinMeasured"/>, and prints one result
/// line: the median of those runs.
/// The parent gathers the lines and prints the table: per side the median and the spread (min-max)
/// over the N processes, the slowest median as a share of the fastest, and the ratio of the medians
/// as runtime speed / Akka.NET speed (for Ask: Akka.NET's latency / the runtime's), so above 1 means
/// the runtime is faster. The load average before and after is printed with the table.
/// </summary>
internal static class ComparisonRunner
{
    private sealed record Shape(string Key, string Name, string Unit, bool HigherIsBetter, Func<bool, double, double[]> Measure);

    // The warm-up's time bounds (the rule and why: JitWarmUp). A single warm-up run left (a) on code the JIT
    // was still re-compiling: 8-15 M msg/s in most processes, 30-40 M in the rest. Akka.NET compiles
    // something in almost every run and stops at the upper bound.
    private static readonly TimeSpan MinWarmUp = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxWarmUp = TimeSpan.FromSeconds(3);

    // The measured runs of a process, whose median it reports (acceptance 2 compares the processes'
    // medians): at least this many, and for at least this long. One run was the process's figure before,
    // and a run of (c) lasts 0.1 s: the forward chain ran 7-8 or 10-11 M req/s run by run in one process,
    // in stretches of a few runs, the same turns in the same order each run, with no collection and
    // 28 KiB allocated (docs/performance.md, "Session 9"), and a process's one run landed on either.
    private const int MinMeasuredRuns = 9;
    private static readonly TimeSpan MinMeasured = TimeSpan.FromSeconds(2);

    private static readonly Shape[] All =
    [
        new("a", "(a) ping-pong, 10 pairs, 1 in flight, 1M round trips", "M msg/s", true, (akka, s) =>
            [(akka ? AkkaShapes.PingPong(10, 1, Scaled(1_000_000, s)) : Shapes.PingPong(DispatcherKind.Concurrent, 10, 1, Scaled(1_000_000, s))).UnitsPerSecond / 1e6]),
        new("b", "(b) ping-pong, 2 pairs, 1,000 in flight, 15M round trips", "M msg/s", true, (akka, s) =>
            [(akka ? AkkaShapes.PingPong(2, 1000, Scaled(15_000_000, s)) : Shapes.PingPong(DispatcherKind.Concurrent, 2, 1000, Scaled(15_000_000, s))).UnitsPerSecond / 1e6]),
        new("c", "(c) forward chain: originator + 2 actors, 64 in flight, 1M requests", "M req/s", true, (akka, s) =>
            [(akka ? AkkaShapes.ForwardChain(64, Scaled(1_000_000, s)) : Shapes.ForwardChain(DispatcherKind.Concurrent, 64, Scaled(1_000_000, s))).UnitsPerSecond / 1e6]),
        new("d", "(d) Ask round trip, blocking caller, 200k asks: median", "µs", false, (akka, s) =>
        {
            var (_, lat) = akka ? AkkaShapes.AskRoundTrip((int)Scaled(200_000, s)) : Shapes.AskRoundTrip((int)Scaled(200_000, s));
            return [Percentile(lat, 0.5) / 1e3, Percentile(lat, 0.99) / 1e3];
        }),
    ];

    public static int Run(string[] args)
    {
        var runs = 5;
        var scale = 1.0;
        string? child = null;
        var keys = All.Select(s => s.Key).ToList();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs":
                    runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--quick":
                    scale = 0.02;
                    break;
                case "--scale":
                    scale = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--shapes":
                    keys = [.. args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries)];
                    break;
                case "--child":
                    child = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument {args[i]}; usage: [--runs N] [--quick | --scale F] [--shapes a,b,c,d]");
                    return 2;
            }
        }
        var shapes = All.Where(s => keys.Contains(s.Key)).ToArray();
        return child is null ? Parent(shapes, runs, scale) : Child(shapes, child == "akka", scale);
    }

    /// <summary>One process, one side: warm-up and the measured runs of each shape, one line each (their medians) on stdout.</summary>
    private static int Child(Shape[] shapes, bool akka, double scale)
    {
        foreach (var shape in shapes)
        {
            // Warm-up: full-size discarded runs, the same rule for both sides (see MinWarmUp).
            var warmStart = Stopwatch.GetTimestamp();
            var warmUps = JitWarmUp.Run(() => shape.Measure(akka, scale), MinWarmUp, MaxWarmUp);
            Console.Error.WriteLine($"  {(akka ? "akka" : "runtime")} {shape.Key}: {warmUps} warm-up runs in {Stopwatch.GetElapsedTime(warmStart).TotalSeconds:0.0} s");
            GC.Collect();
            GC.WaitForPendingFinalizers();
            // What the machine's cores cost at this moment (no runtime code): a slow process in a slow minute is the machine's.
            var coreToCore = CoreToCore.RoundTripNs();
            var cpu0 = Environment.CpuUsage.TotalTime;
            var wall0 = Stopwatch.GetTimestamp();
            var runs = new List<double[]>();
            while (runs.Count < MinMeasuredRuns || Stopwatch.GetElapsedTime(wall0) < MinMeasured)
            {
                runs.Add(shape.Measure(akka, scale));
            }
            var cores = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds / Stopwatch.GetElapsedTime(wall0).TotalSeconds;
            // Each figure's median over the runs (the Ask: of its median and of its p99).
            var values = Enumerable.Range(0, runs[0].Length).Select(i => ProbeSummary.Median([.. runs.Select(r => r[i]).Order()])).ToArray();
            Console.WriteLine(string.Join(' ', new[] { "RESULT", shape.Key }.Concat(values.Append(coreToCore).Append(cores).Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        }
        return 0;
    }

    private static int Parent(Shape[] shapes, int runs, double scale)
    {
        var load0 = LoadAverage();
        var started = DateTime.UtcNow;
        // side → shape → per-process values (value, [p99], cores)
        var results = new Dictionary<string, Dictionary<string, List<double[]>>>
        {
            ["runtime"] = shapes.ToDictionary(s => s.Key, _ => new List<double[]>()),
            ["akka"] = shapes.ToDictionary(s => s.Key, _ => new List<double[]>()),
        };
        for (var run = 1; run <= runs; run++)
        {
            // A process per shape and side, as BenchmarkDotNet does per benchmark: no shape runs on code
            // the JIT optimised with another shape's profile. (It did not steady the chain shape (c):
            // docs/runtime.md.)
            foreach (var (shape, side) in shapes.SelectMany(shape => new[] { (shape, "runtime"), (shape, "akka") }))
            {
                foreach (var line in RunChild(side, [shape], scale))
                {
                    var parts = line.Split(' ');
                    var values = parts[2..].Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
                    results[side][parts[1]].Add(values);
                    Console.Error.WriteLine($"  run {run} {side,-7} {parts[1]}: {F(values[0])} ({string.Join(", ", values[1..].Select(F))})");
                }
            }
        }
        var scaleNote = scale == 1.0 ? "" : $" (scaled ×{scale.ToString(CultureInfo.InvariantCulture)})";
        Console.WriteLine($"# ActorKernel runtime vs Akka.NET {typeof(Akka.Actor.ActorSystem).Assembly.GetName().Version}: {runs} processes per side, alternating, scale {scale.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"# {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {GCSettings.IsServerGC}, {started:yyyy-MM-dd HH:mm} UTC, load average before {load0}, after {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| shape | unit | runtime median | runtime spread (min-max) | runtime slowest/fastest | Akka.NET median | Akka.NET spread (min-max) | Akka.NET slowest/fastest | ratio (runtime/Akka.NET speed) | CPU cores used runtime / Akka.NET | core-to-core ns runtime / Akka.NET |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var shape in shapes)
        {
            Row(shape.Name + scaleNote, shape.Unit, shape.HigherIsBetter, results["runtime"][shape.Key], results["akka"][shape.Key], 0);
            if (shape.Key == "d")
            {
                Row("(d) Ask round trip: p99" + scaleNote, shape.Unit, false, results["runtime"][shape.Key], results["akka"][shape.Key], 1);
            }
        }
        Console.WriteLine();
        Console.WriteLine("Per process, in order (value @ the machine's core-to-core round trip in ns just before it; CoreToCore.cs):");
        foreach (var shape in shapes)
        {
            foreach (var side in new[] { "runtime", "akka" })
            {
                Console.WriteLine($"- {shape.Key} {side}: {string.Join(", ", results[side][shape.Key].Select(v => $"{F(v[0])} @ {v[^2]:0}"))}");
            }
        }
        return 0;
    }

    private static void Row(string name, string unit, bool higherIsBetter, List<double[]> runtime, List<double[]> akka, int index)
    {
        var r = runtime.Select(v => v[index]).Order().ToArray();
        var a = akka.Select(v => v[index]).Order().ToArray();
        var rm = ProbeSummary.Median(r);
        var am = ProbeSummary.Median(a);
        var ratio = higherIsBetter ? rm / am : am / rm;
        Console.WriteLine($"| {name} | {unit} | {F(rm)} | {F(r[0])}-{F(r[^1])} | {Share(r)} | {F(am)} | {F(a[0])}-{F(a[^1])} | {Share(a)} | {ratio.ToString("0.00", CultureInfo.InvariantCulture)} | {Cores(runtime)} / {Cores(akka)} | {CoreToCoreRange(runtime)} / {CoreToCoreRange(akka)} |");
    }

    // Slowest process as a share of the fastest (acceptance 2 wants at least 70%): the lowest value over the
    // highest, for a speed (slowest over fastest) and for a latency (fastest over slowest) alike.
    private static string Share(double[] sorted) =>
        (sorted[0] / sorted[^1] * 100).ToString("0", CultureInfo.InvariantCulture) + " %";

    private static string CoreToCoreRange(List<double[]> values)
    {
        var ns = values.Select(v => v[^2]).ToArray();
        return string.Create(CultureInfo.InvariantCulture, $"{ns.Min():0}-{ns.Max():0}");
    }

    private static string Cores(List<double[]> values)
    {
        var cores = values.Select(v => v[^1]).ToArray();
        return $"{F(cores.Min())}-{F(cores.Max())}";
    }

    private static IEnumerable<string> RunChild(string side, Shape[] shapes, double scale)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("No process path to start a child from.");
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ComparisonRunner).Assembly.Location);
        }
        foreach (var arg in new[] { "--child", side, "--scale", scale.ToString("R", CultureInfo.InvariantCulture), "--shapes", string.Join(',', shapes.Select(s => s.Key)) })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the child process.");
        var lines = new List<string>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith("RESULT ", StringComparison.Ordinal))
            {
                lines.Add(line);
            }
        }
        process.WaitForExit();
        if (process.ExitCode != 0 || lines.Count != shapes.Length)
        {
            throw new InvalidOperationException($"The {side} process exited with {process.ExitCode} after {lines.Count} of {shapes.Length} shapes.");
        }
        return lines;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static long Scaled(long n, double scale) => Math.Max(1_000, (long)(n * scale));

    private static double Percentile(long[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];

    private static string F(double v) => v.ToString(v >= 100 ? "0" : v >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
}
