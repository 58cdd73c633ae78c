using System.Globalization;
using System.Text;
using ActorKernel.Runtime;

namespace ActorKernel.Actors.Verifier;

/// <summary>
/// The stress explorer: runs a scenario (or a test body) schedule after schedule on the deterministic
/// dispatcher with a strategy steering every choice (<see cref="ExplorationStrategyKind"/>), checks
/// every run (bugcheck, verifier report, invariants, hangs, IRP accounting, assertions), stops at the
/// first failure, shrinks its trace and writes a replay file that <see cref="Replay"/> reproduces
/// byte for byte. docs/stress-testing.md walks through it.
/// </summary>
public static class Explorer
{
    /// <summary>Explores <paramref name="scenario"/> within the options' budgets.</summary>
    /// <param name="scenario">The scenario or test body.</param>
    /// <param name="options">Strategy, seed, budgets, faults, replay directory.</param>
    /// <returns>What was run and the first failure, if any.</returns>
    public static ExplorationReport Explore(ExplorerScenario scenario, ExplorerOptions options)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var started = options.WallClock.GetTimestamp();
        var numbers = new List<int>();
        List<(int Choice, int Count)>? exhaustivePrefix = [];
        var stop = ExplorationStop.ScheduleBudget;
        for (var n = options.ShardIndex; n < options.Schedules; n += options.ShardCount)
        {
            if (options.WallTimeBudget is { } budget && options.WallClock.GetElapsedTime(started) > budget)
            {
                stop = ExplorationStop.WallTimeBudget;
                break;
            }
            var seed = ScheduleSeed(options.Seed, n);
            var strategy = CreateStrategy(options, seed, exhaustivePrefix!);
            var outcome = RunSchedule(scenario, n, seed, strategy, options);
            numbers.Add(n);
            if (outcome.Failure is not null)
            {
                var (shrunk, shrinkRuns) = options.Shrink ? ShrinkTrace(scenario, outcome, options) : (outcome, 0);
                var path = options.ReplayDirectory is { } directory ? WriteReplay(directory, scenario.Name, options, shrunk) : null;
                return new ExplorationReport
                {
                    Scenario = scenario.Name, Options = options, SchedulesRun = numbers.Count, ScheduleNumbers = numbers,
                    Stop = ExplorationStop.Failure, Failure = shrunk, FailingSchedule = n, ReplayPath = path, ShrinkRuns = shrinkRuns,
                };
            }
            if (strategy is ExhaustiveStrategy exhaustive)
            {
                exhaustivePrefix = ExhaustiveStrategy.Advance(exhaustive.Path);
                if (exhaustivePrefix is null)
                {
                    stop = ExplorationStop.Exhausted;
                    break;
                }
            }
        }
        return new ExplorationReport { Scenario = scenario.Name, Options = options, SchedulesRun = numbers.Count, ScheduleNumbers = numbers, Stop = stop };
    }

    /// <summary>
    /// Replays <paramref name="replay"/>: runs the scenario with its seed, feeding back its choices and
    /// faults, and compares the event log and crash dump with the recorded ones.
    /// </summary>
    /// <param name="scenario">The scenario the file names.</param>
    /// <param name="replay">The replay file.</param>
    /// <returns>The outcome and whether it reproduced exactly.</returns>
    public static ReplayResult Replay(ExplorerScenario scenario, ReplayFile replay)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(replay);
        var options = new ExplorerOptions { StallWindowNanoseconds = replay.StallWindowNanoseconds, CheckedBuild = replay.CheckedBuild };
        var strategy = new TraceReplayStrategy(replay.Choices, replay.Faults) { EnabledFaults = replay.Faults.Select(f => f.Fault).ToHashSet() };
        var outcome = RunSchedule(scenario, replay.Schedule, replay.Seed, strategy, options);
        var sameLog = ReplayFile.Hex(outcome.EventLogHash) == replay.EventLogHash && outcome.EventLogCount == replay.EventLogCount
            && outcome.Turns == replay.Turns && outcome.VirtualTimeNanoseconds == replay.VirtualTimeNanoseconds;
        var sameDump = string.Equals(outcome.CrashDumpJson, replay.CrashDump, StringComparison.Ordinal);
        var sameFailure = outcome.Failure?.Signature == replay.Signature;
        return new ReplayResult(outcome, sameFailure, sameLog, sameDump, strategy.Diverged);
    }

    /// <summary>The seed of schedule <paramref name="schedule"/> of an exploration rooted at <paramref name="rootSeed"/>.</summary>
    /// <param name="rootSeed">The exploration's seed.</param>
    /// <param name="schedule">The schedule number.</param>
    /// <returns>The schedule's seed.</returns>
    public static ulong ScheduleSeed(ulong rootSeed, int schedule) =>
        new DeterministicRandom(rootSeed).Derive("schedule/" + schedule.ToString(CultureInfo.InvariantCulture)).Seed;

    private static ExplorationStrategy CreateStrategy(ExplorerOptions options, ulong seed, List<(int Choice, int Count)> exhaustivePrefix)
    {
        var random = new DeterministicRandom(seed).Derive("explorer");
        return options.Strategy switch
        {
            ExplorationStrategyKind.Random => new RandomStrategy(random, options.SwitchProbability, options.FaultProbability) { EnabledFaults = options.Faults },
            ExplorationStrategyKind.Pct => new PctStrategy(random, options.PctDepth, options.PctSteps, options.FaultProbability) { EnabledFaults = options.Faults },
            ExplorationStrategyKind.Exhaustive => new ExhaustiveStrategy(exhaustivePrefix, options.ExhaustiveDepth) { EnabledFaults = options.Faults },
            _ => throw new ArgumentException($"Strategy {options.Strategy} cannot search; replay a file with Explorer.Replay."),
        };
    }

    private static ScheduleOutcome RunSchedule(ExplorerScenario scenario, int schedule, ulong seed, ExplorationStrategy strategy, ExplorerOptions options)
    {
        var run = new ExplorationRun(seed, schedule, strategy, options);
        ExplorationFailure? failure = null;
        KiSchedulingPoint.KiAttach(strategy);
        try
        {
            try
            {
                scenario.Body(run);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failure = new ExplorationFailure(FailureKind.Assertion, $"{e.GetType().Name}: {e.Message}");
                run.Report(failure, failure.Message);
            }
            failure = run.Reported ?? failure ?? Check(run);
            var machine = run.Machine;
            var dump = machine?.CrashDump;
            if (failure is null && machine?.CheckedAssertion is { } assertion)
            {
                // The checked build's failed assertion: the machine stopped as NT does (0x1E, STATUS_ASSERTION_FAILURE).
                failure = new ExplorationFailure(FailureKind.Assertion, assertion.Report);
            }
            if (failure is null && dump is not null)
            {
                failure = new ExplorationFailure(IsVerifierCode(dump.Code) ? FailureKind.VerifierReport : FailureKind.BugCheck,
                    $"{dump.BugCheckName} ({dump.BugCheckCode}) {string.Join(' ', dump.Parameters.Select(p => p.Hex))} in {dump.FaultingModule}!{dump.FaultingRoutine}");
            }
            if (failure is not null && dump is not null)
            {
                failure = failure with { BugCheckCode = (uint)dump.Code };
            }
            var dispatcher = machine?.System.Deterministic;
            var log = dispatcher?.DeliveryLog;
            return new ScheduleOutcome
            {
                Schedule = schedule, Seed = seed, Failure = failure, Choices = [.. strategy.Choices], Faults = [.. strategy.Faults],
                EventLogHash = log?.Hash ?? 0, EventLogCount = log?.Count ?? 0, Turns = dispatcher?.Deliveries ?? 0,
                VirtualTimeNanoseconds = dispatcher?.NowNanoseconds ?? 0, CrashDumpJson = dump?.ToJson(), CrashAnalysis = dump?.Analysis,
            };
        }
        finally
        {
            KiSchedulingPoint.KiDetach();
            if (run.Machine is { } machine)
            {
                machine.System.Deterministic!.Strategy = null;
                machine.System.Dispose();
            }
        }
    }

    // The checks every run gets when its body ended without a failure of its own.
    private static ExplorationFailure? Check(ExplorationRun run)
    {
        if (run.Machine is not { } machine || machine.IsBugChecked)
        {
            return null;
        }
        foreach (var io in run.IoManagers)
        {
            if (io.VerifierFindings is { Count: > 0 } findings)
            {
                var text = "Driver Verifier: " + string.Join("; ", findings.Select(f => f.ToString()));
                var failure = new ExplorationFailure(FailureKind.VerifierReport, text);
                run.Report(failure, text);
                return failure;
            }
        }
        foreach (var (name, holds) in run.Invariants)
        {
            if (!holds())
            {
                var failure = new ExplorationFailure(FailureKind.Invariant, "invariant broken: " + name);
                run.Report(failure, failure.Message);
                return failure;
            }
        }
        var lost = new StringBuilder();
        foreach (var io in run.IoManagers)
        {
            foreach (var stuck in io.GetStuckRequests())
            {
                lost.Append(lost.Length == 0 ? string.Empty : "; ").Append(stuck.Irp).Append(stuck.Finished
                    ? " completed but its requester was never signalled"
                    : stuck.Irp.CancelRoutine is null ? " still pending with no cancel routine" : " still pending");
            }
        }
        if (lost.Length > 0)
        {
            var failure = new ExplorationFailure(FailureKind.LostIrp, "an IRP did not complete exactly once: " + lost);
            run.Report(failure, failure.Message);
            return failure;
        }
        return null;
    }

    private static bool IsVerifierCode(BugCheckCode code) =>
        code is BugCheckCode.DriverVerifierDetectedViolation or BugCheckCode.DriverVerifierIomanagerViolation;

    // Shrinks the failing trace: the shortest choice prefix (then defaults) that still fails the same way, then without each injected fault.
    private static (ScheduleOutcome Outcome, int Runs) ShrinkTrace(ExplorerScenario scenario, ScheduleOutcome failing, ExplorerOptions options)
    {
        var signature = failing.Failure!.Signature;
        var best = failing;
        var runs = 0;
        ScheduleOutcome? Try(IReadOnlyList<int> choices, IReadOnlyList<FaultDecision> faults)
        {
            runs++;
            var outcome = RunSchedule(scenario, failing.Schedule, failing.Seed, new TraceReplayStrategy(choices, faults) { EnabledFaults = faults.Select(f => f.Fault).ToHashSet() }, options);
            return outcome.Failure?.Signature == signature ? outcome : null;
        }
        int low = 0, high = best.Choices.Count;
        while (low < high && runs < options.ShrinkBudget)
        {
            var mid = low + ((high - low) / 2);
            if (Try([.. best.Choices.Take(mid)], best.Faults) is { } shorter)
            {
                high = mid;
                best = shorter with { Choices = [.. best.Choices.Take(mid)] };
            }
            else
            {
                low = mid + 1;
            }
        }
        for (var i = 0; i < best.Faults.Count && runs < options.ShrinkBudget; i++)
        {
            if (!best.Faults[i].Injected)
            {
                continue;
            }
            var faults = best.Faults.Select((f, j) => j == i ? f with { Injected = false } : f).ToList();
            if (Try(best.Choices, faults) is { } fewer)
            {
                best = fewer with { Choices = best.Choices };
            }
        }
        // The trace as written is the prefix the run consumed; a run of it reproduces the fingerprints exactly.
        var final = RunSchedule(scenario, failing.Schedule, failing.Seed, new TraceReplayStrategy(best.Choices, best.Faults) { EnabledFaults = best.Faults.Select(f => f.Fault).ToHashSet() }, options);
        runs++;
        return (final.Failure?.Signature == signature ? final with { Choices = best.Choices, Faults = best.Faults } : failing, runs);
    }

    private static string WriteReplay(string directory, string scenarioName, ExplorerOptions options, ScheduleOutcome outcome)
    {
        Directory.CreateDirectory(directory);
        var stem = string.Create(CultureInfo.InvariantCulture, $"{Sanitize(scenarioName)}-{options.Strategy.ToString().ToLowerInvariant()}-{outcome.Seed:x16}");
        string? dumpFile = null;
        if (outcome.CrashDumpJson is { } json)
        {
            dumpFile = stem + ".crash.json";
            File.WriteAllText(Path.Combine(directory, dumpFile), json);
        }
        var replay = ToReplayFile(scenarioName, options, outcome, dumpFile);
        var path = Path.Combine(directory, stem + ".replay.json");
        File.WriteAllText(path, replay.ToJson());
        return path;
    }

    /// <summary>The replay file for a failing <paramref name="outcome"/>.</summary>
    /// <param name="scenarioName">The scenario.</param>
    /// <param name="options">The exploration's options.</param>
    /// <param name="outcome">The failing schedule.</param>
    /// <param name="dumpFile">The crash dump file's name, if written.</param>
    /// <returns>The replay file.</returns>
    public static ReplayFile ToReplayFile(string scenarioName, ExplorerOptions options, ScheduleOutcome outcome, string? dumpFile = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(outcome);
        var failure = outcome.Failure ?? throw new ArgumentException("A replay file records a failure.", nameof(outcome));
        return new ReplayFile
        {
            Scenario = scenarioName, Commit = options.Commit, RootSeed = options.Seed, Schedule = outcome.Schedule, Seed = outcome.Seed,
            Strategy = options.Strategy.ToString(), Kind = failure.Kind, Signature = failure.Signature, Message = failure.Message,
            StallWindowNanoseconds = options.StallWindowNanoseconds, CheckedBuild = options.CheckedBuild, Choices = outcome.Choices, Faults = outcome.Faults,
            EventLogHash = ReplayFile.Hex(outcome.EventLogHash), EventLogCount = outcome.EventLogCount, Turns = outcome.Turns,
            VirtualTimeNanoseconds = outcome.VirtualTimeNanoseconds, CrashDumpFile = dumpFile, CrashDump = outcome.CrashDumpJson,
        };
    }

    private static string Sanitize(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}

/// <summary>The result of <see cref="Explorer.Replay"/>.</summary>
/// <param name="Outcome">The replayed schedule.</param>
/// <param name="SameFailure">Whether it failed the same way.</param>
/// <param name="SameEventLog">Whether the event log's hash and length are the recorded ones.</param>
/// <param name="SameCrashDump">Whether the crash dump is byte for byte the recorded one.</param>
/// <param name="Diverged">Whether the run asked for a choice the trace could not give.</param>
public sealed record ReplayResult(ScheduleOutcome Outcome, bool SameFailure, bool SameEventLog, bool SameCrashDump, bool Diverged)
{
    /// <summary>Whether the replay reproduced the failure exactly.</summary>
    public bool Reproduced => SameFailure && SameEventLog && SameCrashDump && !Diverged;
}
