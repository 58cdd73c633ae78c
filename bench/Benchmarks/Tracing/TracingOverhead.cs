using System.Diagnostics;
using System.Globalization;

namespace ActorKernel.Benchmarks.Tracing;

/// <summary>
/// <c>tracing [--runs N] [--duration T] [--smoke]</c>: the default scenario (the RAM-disk stack under
/// a user process with 4 overlapped reads and writes in flight) run through the host's own command
/// line with tracing off, sampled 1% (ratio), tail-sampled (errors and slow requests) and full
/// (every request recorded and replayed to the OpenTelemetry SDK; no files, no collector). Each mode
/// runs once to warm up, then N times; the table gives the median wall time, the spread and the
/// cost against tracing off, for docs/performance.md (issue 14's floors: sampled at most +10%, full at
/// most 2x). <c>--smoke</c> runs each mode once for 1 ms of simulated time and checks it exits 0.
/// </summary>
internal static class TracingOverhead
{
    private static readonly (string Name, string[] Settings)[] Modes =
    [
        ("off", []),
        ("sampled 1%", ["Tracing:Enabled=true", "Tracing:Sampling=ratio", "Tracing:Ratio=0.01"]),
        ("tail (errors and slow)", ["Tracing:Enabled=true", "Tracing:Sampling=errors-and-slow"]),
        ("full", ["Tracing:Enabled=true", "Tracing:Sampling=always"]),
    ];

    public static int Run(string[] args)
    {
        var runs = 5;
        var duration = "100ms";
        var smoke = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs":
                    runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--duration":
                    duration = args[++i];
                    break;
                case "--smoke":
                    smoke = true;
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'");
                    return 2;
            }
        }
        if (smoke)
        {
            runs = 1;
            duration = "1ms";
        }
        Console.WriteLine($"# ActorKernel tracing overhead: default scenario, {duration} simulated, {runs} run(s) per mode after a warm-up, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine();
        Console.WriteLine("| tracing | median wall s | spread (min-max) | vs off |");
        Console.WriteLine("|---|---|---|---|");
        double? off = null;
        foreach (var (name, settings) in Modes)
        {
            if (!smoke && RunOnce(settings, duration) != 0)
            {
                return 1; // warm-up
            }
            var times = new List<double>();
            for (var r = 0; r < runs; r++)
            {
                var watch = Stopwatch.StartNew();
                if (RunOnce(settings, duration) != 0)
                {
                    Console.Error.WriteLine($"{name}: the run failed");
                    return 1;
                }
                times.Add(watch.Elapsed.TotalSeconds);
            }
            times.Sort();
            var median = times[times.Count / 2];
            off ??= median;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {median:0.000} | {times[0]:0.000}-{times[^1]:0.000} | {(median / off.Value - 1) * 100:+0.0;-0.0;0.0}% |"));
        }
        return 0;
    }

    private static int RunOnce(string[] settings, string duration)
    {
        var output = Path.Combine(Path.GetTempPath(), "ak-bench-tracing-" + Environment.ProcessId);
        List<string> args = ["run", "--duration", duration, "--out", output, "--set", "Run:Progress=None", "--set", "Logging:LogLevel:Default=Warning"];
        foreach (var s in settings)
        {
            args.Add("--set");
            args.Add(s);
        }
        var stdout = Console.Out;
        Console.SetOut(TextWriter.Null);
        try
        {
            return ActorKernel.Host.CommandLine.InvokeAsync([.. args]).GetAwaiter().GetResult();
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }
}
