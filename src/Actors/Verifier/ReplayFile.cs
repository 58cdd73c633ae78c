using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorKernel.Actors.Verifier;

/// <summary>
/// The replay file of a failure (<c>*.replay.json</c>): the scenario, commit, seeds and strategy, the
/// choice and fault trace, and the fingerprints a replay must reproduce byte for byte (the event log's
/// hash and count and the crash dump, written beside it as <c>*.crash.json</c>).
/// </summary>
public sealed record ReplayFile
{
    /// <summary>The format tag.</summary>
    public const string CurrentFormat = "actorkernel-replay/1";

    /// <summary>The format tag of this file.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>The scenario (or test) name.</summary>
    public required string Scenario { get; init; }

    /// <summary>The commit that found it.</summary>
    public required string Commit { get; init; }

    /// <summary>The exploration's root seed.</summary>
    public required ulong RootSeed { get; init; }

    /// <summary>The failing schedule number.</summary>
    public required int Schedule { get; init; }

    /// <summary>The failing schedule's seed (the machine's seed).</summary>
    public required ulong Seed { get; init; }

    /// <summary>The strategy that found it.</summary>
    public required string Strategy { get; init; }

    /// <summary>The failure kind.</summary>
    public required FailureKind Kind { get; init; }

    /// <summary>The failure's signature (kind and bugcheck code).</summary>
    public required string Signature { get; init; }

    /// <summary>What happened.</summary>
    public required string Message { get; init; }

    /// <summary>The stall window the run used (part of the schedule).</summary>
    public long StallWindowNanoseconds { get; init; }

    /// <summary>Whether the run's kernel was the checked build (part of the schedule: its assertions stop the machine).</summary>
    public bool CheckedBuild { get; init; }

    /// <summary>The scheduling choices.</summary>
    public required IReadOnlyList<int> Choices { get; init; }

    /// <summary>The fault decisions.</summary>
    public required IReadOnlyList<FaultDecision> Faults { get; init; }

    /// <summary>The event log's hash (hex).</summary>
    public required string EventLogHash { get; init; }

    /// <summary>The event log's length.</summary>
    public required long EventLogCount { get; init; }

    /// <summary>Dispatcher turns of the run.</summary>
    public long Turns { get; init; }

    /// <summary>Virtual time at the end of the run.</summary>
    public long VirtualTimeNanoseconds { get; init; }

    /// <summary>The crash dump file's name (beside this file), or null.</summary>
    public string? CrashDumpFile { get; init; }

    /// <summary>The crash dump's JSON, for comparison (also written to <see cref="CrashDumpFile"/>).</summary>
    public string? CrashDump { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The file's JSON.</summary>
    /// <returns>Indented JSON.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a replay file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The replay.</returns>
    /// <exception cref="InvalidDataException">It is not a replay file of this format.</exception>
    public static ReplayFile Load(string path)
    {
        ReplayFile? file;
        try
        {
            file = JsonSerializer.Deserialize<ReplayFile>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a replay file ({e.Message}).", e);
        }
        if (file is null || file.Format != CurrentFormat)
        {
            throw new InvalidDataException($"{path}: not a replay file of format {CurrentFormat}.");
        }
        return file;
    }

    internal static string Hex(ulong value) => value.ToString("x16", CultureInfo.InvariantCulture);
}
