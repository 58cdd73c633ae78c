using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using ActorKernel.Actors;

namespace ActorKernel.Benchmarks.Tracing;

/// <summary>
/// <c>tracing [--runs N] [--duration T] [--modes off,sampled,tail,full] [--warmup N] [--marks FILE] [--smoke]</c>: the default
/// scenario (the RAM-disk stack under a user process with 4 overlapped reads and writes in flight)
/// run through the host's own command line with tracing off, sampled 1% (ratio), tail-sampled (errors
/// and slow requests) and full (every request recorded; no files, no collector). Every mode runs the
/// same scenario, seed and duration, in one process, so the figures compare the same JIT-compiled code.
/// <para>
/// Method. Warm-up rounds (every mode once) run until the JIT has settled: a round that compiled for
/// less than 2% of its wall time, at least 2 rounds and at most 12 (or exactly <c>--warmup N</c>); the
/// host is large and tiered compilation goes on for several seconds, so a fixed single warm-up round
/// measured partly unoptimised code, and more so for the mode whose code ran least. Then N rounds, the
/// modes in order in even rounds and in reverse order in odd ones (A B, B A: no mode always follows
/// another), each run after a full garbage collection. Per run: wall seconds, the CPU seconds of the
/// thread that ran the simulation (Linux: CLOCK_THREAD_CPUTIME_ID; the host runs the deterministic
/// machine on the calling thread), the process's CPU seconds, the JIT's compile time and the bytes
/// allocated. The cost of a mode is the median over rounds of its run against the off run of the same
/// round ("paired": a load that drifts between rounds cancels out), with the interquartile range of those
/// ratios as its spread; the thread's CPU time is the figure least moved by other processes' load.
/// </para>
/// <c>--marks FILE</c> writes each measured run's mode and its start and end on the monotonic clock (nanoseconds, the
/// clock <c>perf record -k CLOCK_MONOTONIC</c> stamps samples with), so a profile of the alternating process can be split
/// by mode: the same JIT-compiled code, the same moment's load.
/// The table is for docs/performance.md (issue 14's floors: sampled at most +10%, full at most 2x). The
/// "off" runs are checked to have no tracing hook installed (<see cref="IoTrace.Enabled"/> false before
/// and after). <c>--smoke</c> runs each mode once for 1 ms of simulated time and checks it exits 0.
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

    private sealed class RunFigures
    {
        public List<double> Wall { get; } = [];
        public List<double> ThreadCpu { get; } = [];
        public List<double> ProcessCpu { get; } = [];
        public List<double> JitMs { get; } = [];
        public List<double> Megabytes { get; } = [];
    }

    public static int Run(string[] args)
    {
        var runs = 5;
        var duration = "100ms";
        var smoke = false;
        int? warmup = null;
        string? marksPath = null;
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
                case "--warmup":
                    warmup = int.Parse(args[++i], CultureInfo.InvariantCulture);
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
                case "--marks":
                    marksPath = args[++i];
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
            warmup = 0;
        }
        Console.WriteLine($"# ActorKernel tracing overhead: default scenario, {duration} simulated, {runs} round(s) after the warm-up, modes alternating (A B, B A), {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine();
        var figures = modes.Select(_ => new RunFigures()).ToArray();
        using var self = Process.GetCurrentProcess();
        var scratch = modes.Select(_ => new RunFigures()).ToArray();
        // Warm-up: until a round compiles for under 2% of its wall time (the JIT has settled), or --warmup N rounds.
        var warmupRounds = 0;
        while (warmupRounds < (warmup ?? 12))
        {
            var jitBefore = JitInfo.GetCompilationTime(currentThread: false);
            var watch = Stopwatch.StartNew();
            for (var m = 0; m < modes.Length; m++)
            {
                if (RunMeasured(modes[m], duration, self, scratch[m]) != 0)
                {
                    return 1;
                }
            }
            warmupRounds++;
            var jitShare = (JitInfo.GetCompilationTime(currentThread: false) - jitBefore).TotalSeconds / watch.Elapsed.TotalSeconds;
            if (warmup is null && warmupRounds >= 2 && jitShare < 0.02)
            {
                break;
            }
        }
        using var marks = marksPath is null ? null : new StreamWriter(marksPath);
        for (var r = 0; r < runs; r++)
        {
            for (var k = 0; k < modes.Length; k++)
            {
                var m = r % 2 == 0 ? k : modes.Length - 1 - k;
                var start = Stopwatch.GetTimestamp();
                if (RunMeasured(modes[m], duration, self, figures[m]) != 0)
                {
                    return 1;
                }
                marks?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{modes[m].Key} {MonotonicNs(start)} {MonotonicNs(Stopwatch.GetTimestamp())}"));
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up: {warmupRounds} round(s)"));
        Console.WriteLine();
        var offIndex = Array.FindIndex(modes, mode => mode.Key == "off");
        Console.WriteLine("| tracing | median wall s | wall vs off, paired (IQR) | median thread CPU s | thread CPU vs off, paired (IQR) | process CPU vs off, paired | JIT ms per run | MB allocated | wall s per run, in order |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        for (var m = 0; m < modes.Length; m++)
        {
            var f = figures[m];
            var isOff = m == offIndex || offIndex < 0;
            var o = isOff ? null : figures[offIndex];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {modes[m].Name} | {Median(f.Wall):0.000} | {(o is null ? "-" : Paired(f.Wall, o.Wall))} | {Median(f.ThreadCpu):0.000} | {(o is null ? "-" : Paired(f.ThreadCpu, o.ThreadCpu))} | {(o is null ? "-" : Paired(f.ProcessCpu, o.ProcessCpu, spread: false))} | {Median(f.JitMs):0} | {Median(f.Megabytes):0} | {string.Join(" ", f.Wall.Select(t => t.ToString("0.000", CultureInfo.InvariantCulture)))} |"));
        }
        return 0;
    }

    /// <summary>One run of <paramref name="mode"/>, its figures added to <paramref name="into"/>; 0 when it ran and left no hook installed.</summary>
    private static int RunMeasured((string Key, string Name, string[] Settings) mode, string duration, Process self, RunFigures into)
    {
        if (mode.Key == "off" && IoTrace.Enabled)
        {
            Console.Error.WriteLine("off: a tracing hook is still installed before the run");
            return 1;
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        self.Refresh();
        var cpuBefore = self.TotalProcessorTime;
        var threadBefore = ThreadCpuSeconds();
        var jitBefore = JitInfo.GetCompilationTime(currentThread: false);
        var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        if (RunOnce(mode.Settings, duration) != 0)
        {
            Console.Error.WriteLine($"{mode.Name}: the run failed");
            return 1;
        }
        into.Wall.Add(watch.Elapsed.TotalSeconds);
        into.ThreadCpu.Add(ThreadCpuSeconds() - threadBefore);
        self.Refresh();
        into.ProcessCpu.Add((self.TotalProcessorTime - cpuBefore).TotalSeconds);
        into.JitMs.Add((JitInfo.GetCompilationTime(currentThread: false) - jitBefore).TotalMilliseconds);
        into.Megabytes.Add((GC.GetTotalAllocatedBytes(precise: true) - bytesBefore) / 1e6);
        if (IoTrace.Enabled)
        {
            Console.Error.WriteLine($"{mode.Name}: a tracing hook is still installed after the run");
            return 1;
        }
        return 0;
    }

    // Stopwatch is CLOCK_MONOTONIC on Linux: its ticks as nanoseconds.
    private static long MonotonicNs(long timestamp) => (long)(timestamp * (1e9 / Stopwatch.Frequency));

    private static double Median(List<double> values) => Quantile(values, 0.5);

    private static double Quantile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToList();
        var at = q * (sorted.Count - 1);
        var lo = (int)Math.Floor(at);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (at - lo));
    }

    /// <summary>The median over rounds of this mode's run against the off run of the same round, with the interquartile range of those ratios.</summary>
    private static string Paired(List<double> mode, List<double> off, bool spread = true)
    {
        var ratios = mode.Zip(off, (a, b) => (a / b) - 1).ToList();
        var text = Median(ratios).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture);
        return spread
            ? text + " (" + Quantile(ratios, 0.25).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture) + " to " + Quantile(ratios, 0.75).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture) + ")"
            : text;
    }

    /// <summary>CPU seconds of the calling thread (Linux), else of the process: the simulation's own work, whatever else the machine runs.</summary>
    private static double ThreadCpuSeconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out var ts) == 0)
        {
            return ts.Seconds + (ts.Nanoseconds / 1e9);
        }
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    private const int ClockThreadCpuTimeId = 3; // CLOCK_THREAD_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec value);

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
