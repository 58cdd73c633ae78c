using System.Globalization;
using System.Text.Json;
using ActorKernel.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorKernel.Host;

/// <summary>
/// The <c>run</c> verb: checks the scenario, boots the machine through its runner, drives it in
/// slices while showing progress, handles stop signals (drain, then cancel at the deadline; a second
/// signal stops at once), crashes (dump, optional reboot) and writes the summary.
/// </summary>
internal sealed partial class RunService(
    ScenarioCheck check,
    ICrashDumpWriter dumps,
    IOptions<RunOptions> options,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("ActorKernel.Host.Run");

    /// <summary>Runs <paramref name="request"/>; <paramref name="signal"/> carries Ctrl+C/SIGTERM.</summary>
    public int Run(RunRequest request, StopSignal signal, TextWriter output, TextWriter error)
    {
        var unverified = new List<string>();
        var (scenario, runner, problems) = check.Check(request.Scenario, s => unverified.AddRange(Override(s, request)));
        if (scenario is not null && unverified.Count > 0)
        {
            error.WriteLine($"--verify: no driver or filter of the scenario is named {string.Join(", ", unverified)} (see 'list drivers' and the scenario's drivers)");
            return ExitCodes.BadInput;
        }
        foreach (var p in problems.Where(p => p.Severity == ProblemSeverity.Warning))
        {
            HostLog.ScenarioWarning(_logger, p.ToString());
        }
        if (scenario is null || runner is null)
        {
            foreach (var p in problems.Where(p => p.Severity == ProblemSeverity.Error))
            {
                error.WriteLine(p.ToString());
            }
            return ExitCodes.BadInput;
        }
        var seed = scenario.Machine.Seed!.Value;
        var directory = request.OutputDirectory ?? scenario.Output.Directory
            ?? Path.Combine(options.Value.OutputRoot, string.Create(CultureInfo.InvariantCulture, $"{scenario.Name}-{seed}"));
        if (OutputFolder.Check(directory, OutputFiles(scenario)) is { } problem)
        {
            // Checked before the run starts, so no result is lost to an unwritable folder after hours of simulation.
            error.WriteLine(problem);
            return ExitCodes.BadInput;
        }
        var endNs = scenario.DurationNanoseconds!.Value;
        HostLog.RunStarting(_logger, scenario.Name!, scenario.Source, runner.Kind, scenario.Machine.Dispatcher!, seed, Duration.Format(endNs), directory);

        var run = new RunState(scenario, runner, directory, endNs, new HostWallClock(),
            new RunAccumulator(scenario, runner.Kind, seed, scenario.Machine.Dispatcher!, endNs), new Timeline(TimelineInterval(endNs)));
        using var debug = request.Debug ? Debugger.KdListener.Start(error) : null; // kd --attach (src/Host/Debugger)
        using var watchdog = new RunWatchdog(signal, options.Value.DrainTimeout, run.Clock, WriteRawError, Environment.Exit);
        run = run with { Debug = debug, Watchdog = watchdog };
        var presenter = Presenter();
        string stopReason;
        try
        {
            stopReason = presenter.Run(view => Drive(run, signal, view));
        }
        finally
        {
            watchdog.Returned(); // the summary that follows is never cut short
        }
        var exitCode = Finish(run, stopReason, output, error);
        if (request.DevNodes && run.Totals.DeviceTree is { } tree)
        {
            output.Write("Device tree (!devnode 0 1) at the end of the run\n" + tree);
        }
        return exitCode;
    }

    /// <returns>The <c>--verify</c> names no driver of the scenario has.</returns>
    private static List<string> Override(Scenario s, RunRequest r)
    {
        var unmatched = new List<string>();
        foreach (var name in r.Verify ?? [])
        {
            // verifier /standard-like: special pool, pool tracking and I/O verification for the stack holding the driver.
            var stacks = s.Drivers.Where(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase)
                || d.UpperFilters.Concat(d.LowerFilters).Contains(name, StringComparer.OrdinalIgnoreCase)).ToList();
            if (stacks.Count == 0)
            {
                unmatched.Add(name);
            }
            foreach (var d in stacks)
            {
                d.Verifier.Enabled = true;
                d.Verifier.SpecialPool = true;
                d.Verifier.PoolTracking = true;
            }
        }
        if (r.Seed is { } seed)
        {
            s.Machine.Seed = seed;
        }
        if (r.Dispatcher is { } dispatcher)
        {
            s.Machine.Dispatcher = dispatcher == DispatcherKind.Concurrent ? "concurrent" : "deterministic";
        }
        if (r.DurationNanoseconds is { } duration)
        {
            s.DurationNanoseconds = duration;
        }
        if (r.Checked)
        {
            s.Machine.CheckedBuild = true;
        }
        return unmatched;
    }

    private IProgressPresenter Presenter()
    {
        var o = options.Value;
        var mode = o.Progress;
        if (mode == ProgressMode.Auto)
        {
            mode = Console.IsOutputRedirected || !Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive ? ProgressMode.Plain : ProgressMode.Live;
        }
        return mode switch
        {
            ProgressMode.Live => new LiveProgressPresenter(o.LiveRefresh),
            ProgressMode.Plain => new LogProgressPresenter(_logger, o.ProgressInterval),
            _ => new NoProgressPresenter(),
        };
    }

    /// <summary>Boots, drives and reboots the machine until the run ends; returns the stop reason.</summary>
    private string Drive(RunState run, StopSignal signal, IProgressView view)
    {
        var scenario = run.Scenario;
        var bootNs = 0L;
        for (var boot = 0; ; boot++)
        {
            var seed = boot == 0 ? scenario.Machine.Seed!.Value : new DeterministicRandom(scenario.Machine.Seed!.Value).Derive($"boot/{boot}").NextUInt64();
            var context = new SimulationContext(scenario, seed, scenario.DispatcherKind, run.EndNanoseconds, bootNs, boot, loggerFactory);
            SimulationResult result;
            string reason;
            run.Timeline.StartBoot(boot, bootNs);
            run.Watchdog?.Step("boot");
            using (var simulation = run.Runner.Boot(context))
            {
                reason = DriveBoot(run, simulation, signal, view, boot);
                run.Watchdog?.Step("complete");
                result = simulation.Complete();
            }
            run.Totals.Add(result);
            if (result.Crash is null)
            {
                return reason;
            }
            string? dump = null;
            if (scenario.Output.CrashDumps == true)
            {
                dump = dumps.Write(result.Crash, run.Directory, run.Totals.Crashes + 1);
            }
            run.Totals.AddCrash(result.Crash, boot, dump);
            HostLog.Crashed(_logger, Duration.Format(result.Crash.AtNanoseconds),
                Actors.BugCheckException.Describe(result.Crash.Code, P(result.Crash, 0), P(result.Crash, 1), P(result.Crash, 2), P(result.Crash, 3)),
                dump ?? "(dumps off)");
            if (scenario.Output.RebootOnCrash != true || signal.StopRequested || result.EndNanoseconds >= run.EndNanoseconds)
            {
                return "crashed";
            }
            if (run.Totals.Crashes >= scenario.Output.MaxCrashes)
            {
                HostLog.CrashLimit(_logger, run.Totals.Crashes);
                return "crash-limit";
            }
            bootNs = result.EndNanoseconds;
            HostLog.Rebooting(_logger, boot + 1, Duration.Format(bootNs));
        }
    }

    private string DriveBoot(RunState run, ISimulation simulation, StopSignal signal, IProgressView view, int boot)
    {
        var o = options.Value;
        var sliceNs = o.SimulatedSlice.Ticks * 100;
        TimeSpan? drainDeadline = null;
        var cancelled = false;
        var reason = "completed";
        var last = (Wall: run.Clock.Elapsed, Sim: simulation.NowNanoseconds, Done: 0L);
        var deterministic = run.Scenario.DispatcherKind == DispatcherKind.Deterministic;
        var nextBoundary = run.Timeline.NextBoundary(simulation.NowNanoseconds);
        var calibrated = boot > 0 || !deterministic;
        var calibrationStart = (Wall: run.Clock.Elapsed, Sim: simulation.NowNanoseconds);
        while (true)
        {
            if (signal.AbortRequested)
            {
                HostLog.AbortRequested(_logger);
                return "aborted";
            }
            if (signal.StopRequested && drainDeadline is null)
            {
                HostLog.StopRequested(_logger, o.DrainTimeout);
                simulation.StopWorkloads();
                drainDeadline = run.Clock.Elapsed + o.DrainTimeout;
                reason = "stopped";
            }
            if (drainDeadline is null && simulation.NowNanoseconds >= run.EndNanoseconds)
            {
                // The run reached its end and its workloads stop by themselves; the drain that follows
                // gets the same deadline as one after a stop request, so no runner can keep the host alive.
                drainDeadline = run.Clock.Elapsed + o.DrainTimeout;
            }
            if (drainDeadline is { } deadline && !cancelled && run.Clock.Elapsed >= deadline)
            {
                HostLog.DrainDeadlinePassed(_logger);
                simulation.CancelInFlight();
                cancelled = true;
                reason = reason == "stopped" ? "stopped-cancelled" : "completed-cancelled";
            }
            // Deterministic slices end on timeline boundaries, so each interval is sampled exactly at its end.
            var step = deterministic ? Math.Min(sliceNs, Math.Max(100, nextBoundary - simulation.NowNanoseconds)) : sliceNs;
            // Until the stop, the first signal ends the slice at once; while draining, only the second does
            // (a drain slice given the first signal's token, cancelled for good, would return at once, every time).
            run.Watchdog?.Step("advance");
            var status = simulation.Advance(step, TimeSpan.FromMilliseconds(100), drainDeadline is null ? signal.Token : signal.AbortToken);
            run.Watchdog?.Step("kd");
            run.Debug?.Serve(simulation); // kd --attach: between slices, while the deterministic machine is not running
            run.Watchdog?.Step("progress");
            if (simulation is ITimelineSource source && (simulation.NowNanoseconds >= nextBoundary || status != SimulationStatus.Running))
            {
                run.Timeline.Add(source.Sample());
                nextBoundary = run.Timeline.NextBoundary(simulation.NowNanoseconds);
            }
            if (!calibrated)
            {
                calibrated = Calibrate(run, simulation, calibrationStart);
            }
            var snapshot = simulation.Snapshot();
            var wall = run.Clock.Elapsed;
            var done = snapshot.Completed + snapshot.Failed;
            var simRate = snapshot.SimulatedNanoseconds > last.Sim ? (done - last.Done) / ((snapshot.SimulatedNanoseconds - last.Sim) / 1e9) : 0;
            var wallRate = wall > last.Wall ? (done - last.Done) / (wall - last.Wall).TotalSeconds : 0;
            var phase = status != SimulationStatus.Running ? "finished" : drainDeadline is not null ? "draining" : "running";
            view.Show(new ProgressFrame(run.Scenario.Name!, snapshot, run.EndNanoseconds, wall, simRate, wallRate,
                run.Totals.Crashes + (status == SimulationStatus.Crashed ? 1 : 0), boot, phase, run.Scenario.Machine.Processors ?? 1)
            {
                LastInterval = run.Timeline.Intervals.Count > 0 ? run.Timeline.Intervals[^1] : null,
            });
            run.Watchdog?.Progress(snapshot);
            if ((wall - last.Wall) >= TimeSpan.FromSeconds(1))
            {
                last = (wall, snapshot.SimulatedNanoseconds, done);
            }
            if (status != SimulationStatus.Running)
            {
                return reason;
            }
        }
    }

    private int Finish(RunState run, string stopReason, TextWriter output, TextWriter error)
    {
        var consistent = run.Totals.Consistent(out var detail);
        if (!consistent)
        {
            HostLog.InvariantViolated(_logger, detail);
        }
        foreach (var violation in run.Totals.Violations)
        {
            HostLog.InvariantViolated(_logger, violation);
        }
        var exitCode = stopReason == "aborted" ? ExitCodes.Aborted
            : run.Totals.Crashes > 0 || run.Totals.Violations.Count > 0 || !consistent ? ExitCodes.SimulationFailure
            : ExitCodes.Success;
        var summary = run.Totals.Build(stopReason, exitCode);
        var text = SummaryText.Render(summary) + TimelineChart.Render(run.Timeline);
        var wall = run.Clock.Elapsed.TotalSeconds;
        var wallSummary = new WallClockSummary(Math.Round(wall, 3), Math.Round(summary.SimulatedNanoseconds / 1e9 / Math.Max(wall, 1e-9), 3),
            Math.Round((summary.Totals.Completed + summary.Totals.Failed) / Math.Max(wall, 1e-9), 1),
            "wall-clock figures vary run to run; summary.json holds the deterministic results")
        {
            Workloads = run.Totals.WallLatencies(run.Scenario),
        };
        var summaryPath = Path.Combine(run.Directory, run.Scenario.Output.SummaryFile ?? "summary.json");
        output.Write(text);
        try
        {
            AtomicFile.WriteAllText(summaryPath, JsonSerializer.Serialize(summary, SummaryJson.Options) + "\n");
            AtomicFile.WriteAllText(Path.Combine(run.Directory, "summary.txt"), text);
            AtomicFile.WriteAllText(Path.Combine(run.Directory, "wallclock.json"), JsonSerializer.Serialize(wallSummary, SummaryJson.Options) + "\n");
            AtomicFile.WriteAllText(Path.Combine(run.Directory, "timeline.json"), JsonSerializer.Serialize(
                new { scenario = summary.Scenario, scenarioHash = summary.ScenarioHash, seed = summary.Seed, intervalNanoseconds = run.Timeline.IntervalNanoseconds, intervals = run.Timeline.Intervals },
                SummaryJson.Options) + "\n");
            AtomicFile.WriteAllText(Path.Combine(run.Directory, "timeline.csv"), run.Timeline.ToCsv());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The summary is on stdout above; the previous files are untouched; say where the new ones got to.
            error.WriteLine($"{run.Directory}: writing the results failed ({e.Message}); earlier results there are unchanged; "
                + $"the summary is printed above and any new file written so far ends in '.tmp'");
            return exitCode == ExitCodes.Success ? ExitCodes.SimulationFailure : exitCode;
        }
        // Wall-clock figures vary run to run: stderr, so stdout is the same bytes for the same seed.
        error.Write(SummaryText.RenderWallClock(wallSummary));
        output.WriteLine($"Summary: {summaryPath}");
        HostLog.SummaryWritten(_logger, summaryPath);
        return exitCode;
    }

    /// <summary>The files a run writes into its output folder.</summary>
    private static string[] OutputFiles(Scenario scenario) =>
        [scenario.Output.SummaryFile ?? "summary.json", "summary.txt", "wallclock.json", "timeline.json", "timeline.csv", "crash-001.dmp.json"];

    /// <summary>Run:TimelineInterval, raised when the run would have more than <see cref="MaxTimelineIntervals"/> intervals.</summary>
    private long TimelineInterval(long endNs)
    {
        var configured = Math.Max(1_000, options.Value.TimelineInterval.Ticks * 100);
        var needed = (endNs + MaxTimelineIntervals - 1) / MaxTimelineIntervals;
        if (needed <= configured)
        {
            return configured;
        }
        var effective = (needed + 999) / 1000 * 1000;
        HostLog.TimelineCoarsened(_logger, Duration.Format(configured), Duration.Format(effective), MaxTimelineIntervals);
        return effective;
    }

    /// <summary>The most intervals a timeline holds.</summary>
    private const int MaxTimelineIntervals = 10_000;

    /// <summary>
    /// The wall-time estimate of a deterministic run, from its first slices (the calibration: at least
    /// 200 ms of wall time or 1% of the run): warns once when it exceeds Run:WallTimeWarning.
    /// Returns true once calibrated.
    /// </summary>
    private bool Calibrate(RunState run, ISimulation simulation, (TimeSpan Wall, long Sim) start)
    {
        var wall = run.Clock.Elapsed - start.Wall;
        var simulated = simulation.NowNanoseconds - start.Sim;
        if (simulated <= 0 || (wall < TimeSpan.FromMilliseconds(200) && simulated < run.EndNanoseconds / 100))
        {
            return false;
        }
        var estimate = TimeSpan.FromSeconds(wall.TotalSeconds * ((double)run.EndNanoseconds / simulated));
        if (estimate > options.Value.WallTimeWarning)
        {
            HostLog.LongRun(_logger, FormatWall(estimate), Duration.Format(run.EndNanoseconds),
                (simulated / 1e9 / Math.Max(wall.TotalSeconds, 1e-9)).ToString("0.###", CultureInfo.InvariantCulture), options.Value.WallTimeWarning);
        }
        return true;
    }

    private static string FormatWall(TimeSpan t) =>
        t.TotalDays >= 2 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalDays:0.#} days")
        : t.TotalHours >= 2 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalHours:0.#} hours")
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalMinutes:0.#} minutes");

    private static ulong P(CrashReport r, int i) => i < r.Parameters.Count ? r.Parameters[i] : 0;

    // The watchdog's line: straight to the stderr file descriptor, past the console's lock and the logger's queue.
    private static void WriteRawError(string line)
    {
        using var stderr = Console.OpenStandardError();
        stderr.Write(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
        stderr.Flush();
    }

    private sealed record RunState(Scenario Scenario, IScenarioRunner Runner, string Directory, long EndNanoseconds, HostWallClock Clock, RunAccumulator Totals, Timeline Timeline)
    {
        /// <summary>run --debug: the listener kd --attach talks to, served between slices.</summary>
        public Debugger.KdListener? Debug { get; init; }

        /// <summary>Ends the process should the loop hang after a stop signal (<see cref="RunWatchdog"/>).</summary>
        public RunWatchdog? Watchdog { get; init; }
    }
}
