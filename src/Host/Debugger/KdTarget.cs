using System.Text.Json;
using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using ActorKernel.Drivers.Zoo;

namespace ActorKernel.Host.Debugger;

/// <summary>
/// Where a debugging session's machine comes from: a crash dump file (its <c>kd</c> section, or for
/// an older dump the machine's own dump), or a replay file replayed on the deterministic dispatcher
/// to its failure and stopped there.
/// </summary>
internal static class KdTarget
{
    /// <summary>The name of the dump file's section that holds the model.</summary>
    public const string DumpSection = "kd";

    /// <summary>Opens a crash dump file.</summary>
    /// <param name="path">A dump written by the host (crash-NNN.dmp.json), by <see cref="WriteDump"/>, or a machine's crash dump JSON.</param>
    /// <returns>The stopped machine.</returns>
    /// <exception cref="InvalidDataException">The file is not a crash dump.</exception>
    public static KdMachine OpenDump(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(DumpSection, out var kd) && kd.ValueKind == JsonValueKind.Object)
        {
            return KdMachine.FromJson(kd);
        }
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("machine", out var machine) && machine.ValueKind == JsonValueKind.Object)
        {
            return FromMachineDump(machine, path);
        }
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("bugCheckName", out _))
        {
            return FromMachineDump(root, path);
        }
        throw new InvalidDataException($"{path}: not a crash dump (no '{DumpSection}' or 'machine' section)");
    }

    /// <summary>Writes <paramref name="machine"/> as a dump file that <see cref="OpenDump"/> reads back.</summary>
    /// <param name="machine">The model.</param>
    /// <param name="path">The file.</param>
    public static void WriteDump(KdMachine machine, string path)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(path);
        var json = "{\n  \"" + DumpSection + "\": " + machine.ToJson().Replace("\n", "\n  ", StringComparison.Ordinal) + "\n}\n";
        File.WriteAllText(path, json);
    }

    /// <summary>Replays a replay file to its failure and captures the machine where it stopped.</summary>
    /// <param name="path">A replay file written by <c>stress</c>.</param>
    /// <returns>The stopped machine and what the replay found.</returns>
    /// <exception cref="InvalidDataException">The file is not a replay file, or names an unknown scenario.</exception>
    public static (KdMachine Machine, ReplayResult Result) OpenReplay(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var replay = ReplayFile.Load(path);
        if (ZooCatalog.Find(replay.Scenario) is not { } scenario)
        {
            throw new InvalidDataException($"{path}: unknown scenario '{replay.Scenario}' (see 'stress --list')");
        }
        return Replay(scenario, replay);
    }

    /// <summary>Replays <paramref name="replay"/> of <paramref name="scenario"/> and captures the machine at the end of the run.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="replay">The replay file.</param>
    /// <returns>The stopped machine and the replay's result.</returns>
    public static (KdMachine Machine, ReplayResult Result) Replay(ExplorerScenario scenario, ReplayFile replay)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(replay);
        KdMachine? captured = null;
        var stopped = scenario with { Body = run => CaptureAfter(scenario.Body, run, m => captured = m) };
        var result = Explorer.Replay(stopped, replay);
        return (captured ?? throw new InvalidDataException($"scenario '{replay.Scenario}' created no machine"), result);
    }

    /// <summary>Runs a scenario body, then captures its machine (before the explorer disposes of it), whether the body ended or threw.</summary>
    /// <param name="body">The body.</param>
    /// <param name="run">The run.</param>
    /// <param name="captured">Receives the model.</param>
    public static void CaptureAfter(Action<ExplorationRun> body, ExplorationRun run, Action<KdMachine> captured)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(captured);
        try
        {
            body(run);
        }
        finally
        {
            if (run.Machine is { } machine)
            {
                captured(KdCapture.Capture(machine, run.IoManagers));
            }
        }
    }

    private static KdMachine FromMachineDump(JsonElement element, string path) =>
        KdCapture.FromCrashDump(element.Deserialize<CrashDump>(KdMachine.JsonOptions) ?? throw new InvalidDataException($"{path}: empty crash dump"));
}
