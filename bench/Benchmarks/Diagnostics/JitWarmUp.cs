using System.Diagnostics;
using System.Runtime;

namespace ActorKernel.Benchmarks.Diagnostics;

/// <summary>
/// Discarded full-size runs until the JIT has settled: at least <see cref="MinRuns"/> runs and <c>min</c>
/// of wall time, then until a run compiles no new method, bounded by <c>max</c> and 200 runs.
/// </summary>
/// <remarks>
/// One run was not enough. Tiered compilation re-compiles a hot method in steps (tier 0, then
/// instrumented, then optimized with the profile, each after 100 ms without new tier-0 calls) on a
/// background thread while the measured run goes on. Until the last step, hot paths run the
/// instrumented code, whose profile counters every worker thread writes: on the concurrent dispatcher
/// the two cores then fight over those cache lines. The 4-processor IRP probe ran at 1.3 M IRPs/s in
/// about one process of three after a single warm-up run and at 2.6-3.2 M/s in the rest; the same
/// process was fast once the JIT had settled (docs/performance.md, "Session 8").
/// A run that compiles nothing does not mean the JIT is done: a method a run calls once (a new user
/// process's set-up, a shape's start) is re-compiled after 30 calls, that is in the 31st run. The
/// disk probe, warmed up for 15 runs, compiled 100-200 methods in measured runs 4-19 (10-50 ms each);
/// warmed up for 80, almost nothing (docs/performance.md, "Session 9").
/// </remarks>
internal static class JitWarmUp
{
    private const int MaxRuns = 200;

    // Past tiered compilation's call-count threshold (30) for what a run calls once, with room for the
    // instrumented step after it; the max bound still stops a probe whose runs are long.
    private const int MinRuns = 40;

    /// <summary>Runs <paramref name="run"/> until the JIT has settled; returns how many runs it took.</summary>
    /// <param name="run">One full-size run, discarded.</param>
    /// <param name="min">The least wall time to warm up for (one tiering step is 100 ms plus the compile).</param>
    /// <param name="max">The most wall time to warm up for (a run that always compiles something stops here).</param>
    /// <param name="fixedRuns">Exactly this many runs instead (a probe's <c>--warmup N</c>; 0 for none).</param>
    public static int Run(Action run, TimeSpan min, TimeSpan max, int? fixedRuns = null)
    {
        if (fixedRuns is { } exactly)
        {
            for (var i = 0; i < exactly; i++)
            {
                run();
            }
            return exactly;
        }
        var start = Stopwatch.GetTimestamp();
        var runs = 0;
        bool compiled;
        do
        {
            var before = JitInfo.GetCompiledMethodCount();
            run();
            runs++;
            compiled = JitInfo.GetCompiledMethodCount() != before;
        }
        while (runs < MaxRuns && Stopwatch.GetElapsedTime(start) < max
            && (runs < MinRuns || Stopwatch.GetElapsedTime(start) < min || compiled));
        return runs;
    }

    /// <summary>
    /// A probe's warm-up line: how many runs, and the machine's core-to-core round trip now
    /// (<see cref="CoreToCore"/>), so that a slow process can be told from a slow machine.
    /// </summary>
    public static string Describe(int runs, bool fixedCount) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"warm-up: {runs} runs{(fixedCount ? "" : ", until one compiled nothing")}; the machine's core-to-core round trip now: {CoreToCore.RoundTripNs():0} ns");
}
