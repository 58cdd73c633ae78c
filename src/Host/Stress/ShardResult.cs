using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorKernel.Host.Stress;

/// <summary>What one <c>stress</c> process (one shard of a campaign) ran and found; <c>stress merge</c> joins them.</summary>
public sealed record ShardResult
{
    /// <summary>The format tag.</summary>
    public const string CurrentFormat = "actorkernel-stress-shard/1";

    /// <summary>The format tag of this file.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>The scenario.</summary>
    public required string Scenario { get; init; }

    /// <summary>The strategy.</summary>
    public required string Strategy { get; init; }

    /// <summary>The campaign's root seed.</summary>
    public required ulong Seed { get; init; }

    /// <summary>The campaign's schedule count (before sharding).</summary>
    public required int Seeds { get; init; }

    /// <summary>This shard's index.</summary>
    public required int ShardIndex { get; init; }

    /// <summary>The number of shards.</summary>
    public required int ShardCount { get; init; }

    /// <summary>The schedule numbers this shard ran.</summary>
    public required IReadOnlyList<int> Schedules { get; init; }

    /// <summary>Why it stopped.</summary>
    public required string Stop { get; init; }

    /// <summary>The replay file of the failure found, or null.</summary>
    public string? ReplayFile { get; init; }

    /// <summary>The failure's message, or null.</summary>
    public string? Failure { get; init; }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };
}
