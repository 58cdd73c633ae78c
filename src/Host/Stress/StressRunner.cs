using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using ActorKernel.Drivers.Zoo;

namespace ActorKernel.Host.Stress;

/// <summary>
/// The stress explorer behind the host's verbs: resolves the scenario, runs the explorer for one
/// shard, writes the shard result and the replay file, and replays replay files.
/// </summary>
public static class StressRunner
{
    /// <summary>Runs <c>stress</c>.</summary>
    /// <param name="request">The arguments.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where errors go.</param>
    /// <returns>0 clean, 1 a failure found, 2 bad input.</returns>
    public static int Stress(StressRequest request, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (request.List)
        {
            foreach (var entry in ZooCatalog.Entries)
            {
                stdout.WriteLine($"{entry.Scenario.Name,-28} {entry.Bug} (expect {entry.Expected}, {entry.ExpectedBugCheck.GetName()})");
                stdout.WriteLine($"{entry.Fixed.Name,-28} its fixed twin (expect clean)");
            }
            return ExitCodes.Success;
        }
        if (!TryParse(request, stderr, out var scenario, out var options))
        {
            return ExitCodes.BadInput;
        }
        var report = Explorer.Explore(scenario, options);
        var shard = new ShardResult
        {
            Scenario = scenario.Name, Strategy = options.Strategy.ToString().ToLowerInvariant(), Seed = options.Seed, Seeds = options.Schedules,
            ShardIndex = options.ShardIndex, ShardCount = options.ShardCount, Schedules = report.ScheduleNumbers, Stop = report.Stop.ToString(),
            ReplayFile = report.ReplayPath, Failure = report.Failure?.Failure?.Message,
        };
        var shardPath = Path.Combine(options.ReplayDirectory!, string.Create(CultureInfo.InvariantCulture,
            $"stress-{scenario.Name}-{shard.Strategy}-{options.ShardIndex}-of-{options.ShardCount}.shard.json"));
        File.WriteAllText(shardPath, JsonSerializer.Serialize(shard, ShardResult.JsonOptions));
        if (report.Failure is { Failure: { } failure } outcome)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"FAILURE after {report.SchedulesRun} schedule(s): schedule {report.FailingSchedule} (seed 0x{outcome.Seed:x16}): {failure.Kind}: {failure.Message}"));
            if (outcome.CrashAnalysis is { } analysis)
            {
                stdout.WriteLine(analysis);
            }
            stdout.WriteLine($"replay file: {report.ReplayPath}");
            stdout.WriteLine($"replay with: actorkernel replay {report.ReplayPath}");
            stdout.WriteLine($"shard result: {shardPath}");
            return ExitCodes.SimulationFailure;
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"clean: {report.SchedulesRun} schedule(s) of {scenario.Name} with {shard.Strategy} ({report.Stop}), shard {options.ShardIndex}/{options.ShardCount}"));
        stdout.WriteLine($"shard result: {shardPath}");
        return ExitCodes.Success;
    }

    /// <summary>Runs <c>stress merge</c>.</summary>
    /// <param name="files">The shard result files.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where errors go.</param>
    /// <returns>0 clean, 1 a shard found a failure, 2 bad input.</returns>
    public static int Merge(IReadOnlyList<string> files, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var shards = new List<ShardResult>();
        foreach (var file in files)
        {
            try
            {
                var shard = JsonSerializer.Deserialize<ShardResult>(File.ReadAllText(file), ShardResult.JsonOptions);
                if (shard is null || shard.Format != ShardResult.CurrentFormat)
                {
                    stderr.WriteLine($"{file}: not a shard result ({ShardResult.CurrentFormat})");
                    return ExitCodes.BadInput;
                }
                shards.Add(shard);
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"{file}: {e.Message}");
                return ExitCodes.BadInput;
            }
        }
        var first = shards[0];
        if (shards.Any(s => s.Scenario != first.Scenario || s.Strategy != first.Strategy || s.Seed != first.Seed || s.Seeds != first.Seeds || s.ShardCount != first.ShardCount))
        {
            stderr.WriteLine("the shard results are not of one campaign: scenario, strategy, seed, --seeds and shard count must match");
            return ExitCodes.BadInput;
        }
        var covered = shards.SelectMany(s => s.Schedules).Distinct().Order().ToList();
        var missing = Enumerable.Range(0, first.ShardCount).Except(shards.Select(s => s.ShardIndex)).ToList();
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{first.Scenario} with {first.Strategy}, seed {first.Seed}: {shards.Count} of {first.ShardCount} shard(s), {covered.Count} of {first.Seeds} schedule(s) run"));
        if (missing.Count > 0)
        {
            stdout.WriteLine("missing shards: " + string.Join(", ", missing));
        }
        var failures = shards.Where(s => s.ReplayFile is not null).OrderBy(s => s.ShardIndex).ToList();
        foreach (var failure in failures)
        {
            stdout.WriteLine($"shard {failure.ShardIndex}: FAILURE {failure.Failure}");
            stdout.WriteLine($"  replay with: actorkernel replay {failure.ReplayFile}");
        }
        if (failures.Count == 0)
        {
            stdout.WriteLine("clean");
        }
        return failures.Count > 0 ? ExitCodes.SimulationFailure : ExitCodes.Success;
    }

    /// <summary>Runs <c>replay</c>.</summary>
    /// <param name="path">The replay file.</param>
    /// <param name="output">Where to write the replayed crash dump, or null for beside the file.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where errors go.</param>
    /// <returns>1 when the replay fails (reproduced or not), 0 when it runs clean, 2 bad input.</returns>
    public static int Replay(string path, string? output, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ReplayFile replay;
        try
        {
            replay = ReplayFile.Load(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            stderr.WriteLine(e.Message);
            return ExitCodes.BadInput;
        }
        if (ZooCatalog.Find(replay.Scenario) is not { } scenario)
        {
            stderr.WriteLine($"{path}: unknown scenario '{replay.Scenario}' (see 'stress --list')");
            return ExitCodes.BadInput;
        }
        var result = Explorer.Replay(scenario, replay);
        var dumpPath = output ?? Path.ChangeExtension(Path.ChangeExtension(path, null), null) + ".replayed.crash.json";
        if (result.Outcome.CrashDumpJson is { } json)
        {
            File.WriteAllText(dumpPath, json);
        }
        stdout.WriteLine($"scenario {replay.Scenario}, commit {replay.Commit}, schedule {replay.Schedule}, seed 0x{replay.Seed:x16}, strategy {replay.Strategy}");
        if (result.Outcome.Failure is not { } failure)
        {
            stdout.WriteLine("the replay ran clean: the failure did not reproduce (a different commit?)");
            return ExitCodes.Success;
        }
        stdout.WriteLine($"{failure.Kind}: {failure.Message}");
        stdout.WriteLine(result.Reproduced
            ? $"reproduced byte for byte: event log {replay.EventLogHash} ({replay.EventLogCount} deliveries), crash dump identical"
            : $"NOT identical: failure {result.SameFailure}, event log {result.SameEventLog}, crash dump {result.SameCrashDump}, trace diverged {result.Diverged}");
        if (result.Outcome.CrashAnalysis is { } analysis)
        {
            stdout.WriteLine(analysis);
        }
        if (result.Outcome.CrashDumpJson is not null)
        {
            stdout.WriteLine($"crash dump: {dumpPath}");
        }
        return ExitCodes.SimulationFailure;
    }

    private static bool TryParse(StressRequest request, TextWriter stderr, out ExplorerScenario scenario, out ExplorerOptions options)
    {
        scenario = null!;
        options = null!;
        if (request.Scenario is null || ZooCatalog.Find(request.Scenario) is not { } found)
        {
            stderr.WriteLine($"stress: unknown scenario '{request.Scenario}'; the explorer runs these: " + string.Join(", ", ZooCatalog.Entries.Select(e => e.Scenario.Name)) + " (and each .fixed)");
            return false;
        }
        scenario = request.Verify is { Count: > 0 } verify ? ZooCatalog.WithVerify(found, verify) : found;
        var seeds = 1000;
        if (request.Seeds is { } s && (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out seeds) || seeds <= 0))
        {
            stderr.WriteLine($"--seeds: expected a positive number, got '{s}'");
            return false;
        }
        var strategy = (request.Strategy ?? "random").ToLowerInvariant() switch
        {
            "random" => ExplorationStrategyKind.Random,
            "pct" => ExplorationStrategyKind.Pct,
            "exhaustive" => ExplorationStrategyKind.Exhaustive,
            _ => (ExplorationStrategyKind?)null,
        };
        if (strategy is null)
        {
            stderr.WriteLine($"--strategy: expected random, pct or exhaustive, got '{request.Strategy}'");
            return false;
        }
        int shardIndex = 0, shardCount = 1;
        if (request.Shard is { } shard)
        {
            var parts = shard.Split('/');
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out shardIndex)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out shardCount) || shardCount == 0 || shardIndex >= shardCount)
            {
                stderr.WriteLine($"--shard: expected i/N with 0 <= i < N, got '{shard}'");
                return false;
            }
        }
        ulong seed = 1;
        if (request.Seed is { } seedText && !(seedText.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(seedText.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out seed)
            : ulong.TryParse(seedText, NumberStyles.None, CultureInfo.InvariantCulture, out seed)))
        {
            stderr.WriteLine($"--seed: expected a number (or 0x hex), got '{seedText}'");
            return false;
        }
        var faults = new HashSet<KiFault>();
        foreach (var fault in (request.Faults ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (fault.ToLowerInvariant())
            {
                case "pool": faults.Add(KiFault.PoolAllocation); break;
                case "cancel": faults.Add(KiFault.Cancel); break;
                case "close": faults.Add(KiFault.CloseHandle); break;
                case "timeout": faults.Add(KiFault.DeviceTimeout); break;
                case "removal": faults.Add(KiFault.SurpriseRemoval); break;
                case "exit": faults.Add(KiFault.ThreadExit); break;
                default:
                    stderr.WriteLine($"--faults: unknown fault '{fault}' (pool, cancel, close, timeout, removal, exit)");
                    return false;
            }
        }
        TimeSpan? budget = null;
        if (request.TimeBudget is { } t)
        {
            if (Duration.TryParse(t, out var span))
            {
                budget = span;
            }
            else
            {
                stderr.WriteLine($"--time-budget: expected a duration such as 30s or 5m, got '{t}'");
                return false;
            }
        }
        var directory = request.Output ?? "stress-out";
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"--out: {directory}: {e.Message}");
            return false;
        }
        options = new ExplorerOptions
        {
            Strategy = strategy.Value, Seed = seed, Schedules = seeds, ShardIndex = shardIndex, ShardCount = shardCount, Faults = faults,
            WallTimeBudget = budget, ReplayDirectory = directory, Shrink = !request.NoShrink, Commit = CurrentCommit(), CheckedBuild = request.Checked,
        };
        return true;
    }

    // The commit the replay file names: git's HEAD when the host runs inside a checkout, else "unknown".
    private static string CurrentCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse HEAD")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (git is null)
            {
                return "unknown";
            }
            var text = git.StandardOutput.ReadToEnd().Trim();
            return git.WaitForExit(5000) && git.ExitCode == 0 && text.Length > 0 ? text : "unknown";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "unknown";
        }
    }
}
