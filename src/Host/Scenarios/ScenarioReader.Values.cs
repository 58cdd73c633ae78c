using System.Globalization;
using System.Text.Json;

namespace ActorKernel.Host;

/// <summary>Typed property access that reports the JSON path and the expected form of every bad value.</summary>
public sealed partial class ScenarioReader
{
    private void Problem(string path, string message) => _problems.Add(new ScenarioProblem(_source, path, message));

    private bool ExpectObject(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            return true;
        }
        Problem(path, $"expected an object, got {Describe(e)}");
        return false;
    }

    private void CheckKnown(JsonElement e, string path, string[] known)
    {
        foreach (var property in e.EnumerateObject())
        {
            if (Array.IndexOf(known, property.Name) >= 0)
            {
                continue;
            }
            var near = known.FirstOrDefault(k => string.Equals(k, property.Name, StringComparison.OrdinalIgnoreCase));
            var hint = near is not null ? $"did you mean '{near}'?" : $"known: {string.Join(", ", known.Where(k => k != "$schema"))}";
            Problem($"{path}.{property.Name}", $"unknown property '{property.Name}' ({hint})");
        }
    }

    private JsonElement? Property(JsonElement obj, string name, string path, JsonValueKind kind)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != kind)
        {
            Problem($"{path}.{name}", $"expected {Article(kind)}, got {Describe(value)}");
            return null;
        }
        return value;
    }

    private void ReadArray(JsonElement obj, string name, string path, Action<JsonElement, string> read)
    {
        if (Property(obj, name, path, JsonValueKind.Array) is not { } array)
        {
            return;
        }
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var itemPath = string.Create(CultureInfo.InvariantCulture, $"{path}.{name}[{i++}]");
            if (ExpectObject(item, itemPath))
            {
                read(item, itemPath);
            }
        }
    }

    private void ReadStrings(JsonElement obj, string name, string path, IList<string> into)
    {
        if (Property(obj, name, path, JsonValueKind.Array) is not { } array)
        {
            return;
        }
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                into.Add(item.GetString()!);
            }
            else
            {
                Problem(string.Create(CultureInfo.InvariantCulture, $"{path}.{name}[{i}]"), $"expected a string, got {Describe(item)}");
            }
            i++;
        }
    }

    private string? String(JsonElement obj, string name, string path, string? fallback)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            return fallback;
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }
        Problem($"{path}.{name}", $"expected a string, got {Describe(value)}");
        return null;
    }

    private bool? BoolValue(JsonElement obj, string name, string path, bool? fallback)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            return fallback;
        }
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }
        Problem($"{path}.{name}", $"expected true or false, got {Describe(value)}");
        return null;
    }

    private double? NumberValue(JsonElement obj, string name, string path, double? fallback)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            return fallback;
        }
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetDouble();
        }
        Problem($"{path}.{name}", $"expected a number, got {Describe(value)}");
        return null;
    }

    private long? LongValue(JsonElement obj, string name, string path, long? fallback) =>
        obj.TryGetProperty(name, out var value) ? LongOf(value, $"{path}.{name}") : fallback;

    private long? LongOf(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var v))
        {
            return v;
        }
        Problem(path, $"expected a whole number, got {Describe(value)}");
        return null;
    }

    private int? IntValue(JsonElement obj, string name, string path, int? fallback)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            return fallback;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var v))
        {
            return v;
        }
        Problem($"{path}.{name}", $"expected a whole number, got {Describe(value)}");
        return null;
    }

    private ulong? SeedValue(JsonElement obj, string name, string path, ulong? fallback)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            return fallback;
        }
        if (ParseUInt64(value) is { } seed)
        {
            return seed;
        }
        Problem($"{path}.{name}", $"expected a seed 0..18446744073709551615, got {Describe(value)}");
        return null;
    }

    private long? DurationValue(JsonElement obj, string name, string path, long? fallback) =>
        obj.TryGetProperty(name, out var value) ? ParseDuration(value, $"{path}.{name}") : fallback;

    private long? ParseDuration(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.String && Duration.TryParseNanoseconds(value.GetString(), out var ns))
        {
            return ns;
        }
        Problem(path, $"expected {Duration.ExpectedForm}, got {Describe(value)}");
        return null;
    }

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"\"{e.GetString()}\"",
        JsonValueKind.Number => $"{e.GetRawText()}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => e.ValueKind.ToString(),
    };
}
