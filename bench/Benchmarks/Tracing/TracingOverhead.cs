using System.Diagnostics;
using System.Globalization;
using ActorKernel.Actors;

namespace ActorKernel.Benchmarks.Tracing;

/// <summary>
/// <c>tracing [--runs N] [--duration T] [--modes off,sampled,tail,full] [--smoke]</c>: the default
/// scenario (the RAM-disk stack under a user process with 4 overlapped reads and writes in flight)
/// run through the host's own command line with tracing off, sampled 1% (ratio), tail-sampled (errors
/// and slow requests) and full (every request recorded; no files, no collector). Every mode runs the
/// same scenario, seed and duration. Each mode runs once to warm up, then the modes alternate
/// (off, sampled, tail, full, off, ...) N times, with a full garbage collection before each run, so a
/// drift of the machine's load falls on all modes alike; the table gives each mode's median wall
/// time, the spread and the cost against tracing off, for docs/performance.md (issue 14's floors:
/// sampled at most +10%, full at most 2x). The "off" runs are checked to have no tracing hook
/// installed (<see cref="IoTrace.Enabled"/> false before and after). <c>--smoke</c> runs each mode
/// once for 1 ms of simulated time and checks it exits 0.
/// </summary>
internal static class TracingOverhead
{
    private static readonly (string Key, string Name, string[] Settings)[] AllModes =
    [
        ("off", "off", []),
        ("sampled", "sampled 1%", ["Tracing:Enabled=true", "Tracing:Sampling=ratio", "Tracing:Ratio=0.01"]),
        ("tail", "tail (errors and slow)", ["Tracing:Enabled=true", "Tracing:Sampling=errors-and-slow"]),
        ("full", "full", ["Tracing:Enabled=true", "Tracing:Sampling=always"]),
    ];

    public static int Run(string[] args)
    {
        var runs = 5;
        var duration = "100ms";
        var smoke = false;
        var modes = AllModes;
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
                case "--modes":
                    var keys = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    modes = [.. AllModes.Where(m => keys.Contains(m.Key))];
                    if (modes.Length != keys.Length)
                    {
                        Console.Error.WriteLine($"--modes: one of off, sampled, tail, full, comma-separated");
                        return 2;
                    }
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
        Console.WriteLine($"# ActorKernel tracing overhead: default scenario, {duration} simulated, {runs} run(s) per mode after a warm-up, alternating, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine();
        var times = modes.Select(_ => new List<double>()).ToArray();
        var cpu = modes.Select(_ => new List<double>()).ToArray();
        var allocated = modes.Select(_ => new List<double>()).ToArray();
        using var self = Process.GetCurrentProcess();
        for (var r = smoke ? 0 : -1; r < runs; r++)
        {
            for (var m = 0; m < modes.Length; m++)
            {
                var (key, name, settings) = modes[m];
                if (key == "off" && IoTrace.Enabled)
                {
                    Console.Error.WriteLine("off: a tracing hook is still installed before the run");
                    return 1;
                }
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                self.Refresh();
                var cpuBefore = self.TotalProcessorTime;
                var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
                var watch = Stopwatch.StartNew();
                if (RunOnce(settings, duration) != 0)
                {
                    Console.Error.WriteLine($"{name}: the run failed");
                    return 1;
                }
                var elapsed = watch.Elapsed.TotalSeconds;
                self.Refresh();
                var cpuSeconds = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
                var megabytes = (GC.GetTotalAllocatedBytes(precise: true) - bytesBefore) / 1e6;
                if (IoTrace.Enabled)
                {
                    Console.Error.WriteLine($"{name}: a tracing hook is still installed after the run");
                    return 1;
                }
                if (r >= 0)
                {
                    times[m].Add(elapsed); // r = -1 is the warm-up
                    cpu[m].Add(cpuSeconds);
                    allocated[m].Add(megabytes);
                }
            }
        }
        // CPU seconds beside wall seconds: on a loaded machine the process's CPU time moves far less than its wall time.
        // "paired": the median over rounds of this mode's run against the off run of the same round (a load that drifts
        // between rounds cancels out); the plain "vs off" compares medians.
        var offIndex = Array.FindIndex(modes, mode => mode.Key == "off");
        Console.WriteLine("| tracing | median wall s | spread (min-max) | vs off | paired vs off | median CPU s | vs off (CPU) | paired (CPU) | MB allocated | runs (wall s, in order) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        double? off = null;
        double? offCpu = null;
        for (var m = 0; m < modes.Length; m++)
        {
            var inOrder = string.Join(" ", times[m].Select(t => t.ToString("0.000", CultureInfo.InvariantCulture)));
            var sorted = times[m].Order().ToList();
            var median = sorted[sorted.Count / 2];
            var cpuMedian = cpu[m].Order().ElementAt(cpu[m].Count / 2);
            if (modes[m].Key == "off")
            {
                off = median;
                offCpu = cpuMedian;
            }
            var vsOff = off is { } o && modes[m].Key != "off" ? ((median / o) - 1).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture) : "-";
            var vsOffCpu = offCpu is { } oc && modes[m].Key != "off" ? ((cpuMedian / oc) - 1).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture) : "-";
            var paired = offIndex < 0 || m == offIndex ? "-" : Paired(times[m], times[offIndex]);
            var pairedCpu = offIndex < 0 || m == offIndex ? "-" : Paired(cpu[m], cpu[offIndex]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {modes[m].Name} | {median:0.000} | {sorted[0]:0.000}-{sorted[^1]:0.000} | {vsOff} | {paired} | {cpuMedian:0.000} | {vsOffCpu} | {pairedCpu} | {allocated[m].Order().ElementAt(allocated[m].Count / 2):0} | {inOrder} |"));
        }
        return 0;
    }

    private static string Paired(List<double> mode, List<double> off)
    {
        var ratios = mode.Zip(off, (a, b) => a / b).Order().ToList();
        return ((ratios[ratios.Count / 2]) - 1).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture);
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
        var stderr = Console.Error;
        Console.SetOut(TextWriter.Null);
        Console.SetError(TextWriter.Null); // the run's wall-clock line
        try
        {
            return ActorKernel.Host.CommandLine.InvokeAsync([.. args]).GetAwaiter().GetResult();
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
