using System.Globalization;
using System.Text.Json;

namespace ActorKernel.Host;

/// <summary>One span read back from OTLP-JSON.</summary>
internal sealed record TraceFileSpan(string TraceId, string SpanId, string ParentSpanId, string Name, long StartNs, long EndNs,
    IReadOnlyDictionary<string, object> Attributes)
{
    public long DurationNs => Math.Max(0, EndNs - StartNs);

    public string? Text(string key) => Attributes.TryGetValue(key, out var v) ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;

    public long? Number(string key) => Attributes.TryGetValue(key, out var v) && v is long l ? l : null;

    /// <summary>The span's layer: nt.span.category (user, service, request, dispatch, startio, isr, dpc, completion, wakeup ...).</summary>
    public string Category => Text("nt.span.category") ?? "span";

    /// <summary>The machine that recorded the span: its resource's <c>host.name</c> ("" when the resource names none).</summary>
    public string Machine { get; init; } = "";
}

/// <summary>One metric data point read back from OTLP-JSON (sums and gauges; histograms give their sum and count).</summary>
internal sealed record TraceFileMetric(string Name, IReadOnlyDictionary<string, object> Attributes, double Value)
{
    /// <summary>The machine that reported the point: its resource's <c>host.name</c> ("" when the resource names none).</summary>
    public string Machine { get; init; } = "";
}

/// <summary>What <c>trace analyze</c> reads: the spans and metric points of one or more OTLP-JSON files.</summary>
internal sealed class TraceFile
{
    public List<TraceFileSpan> Spans { get; } = [];

    public List<TraceFileMetric> Metrics { get; } = [];

    /// <summary>Reads <paramref name="paths"/>; a run's traces.otlp.jsonl brings its metrics.otlp.jsonl along.</summary>
    public static TraceFile Read(IEnumerable<string> paths)
    {
        var file = new TraceFile();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var given in paths)
        {
            var path = Path.GetFullPath(given);
            if (!seen.Add(path))
            {
                continue;
            }
            file.ReadOne(path);
            if (Path.GetFileName(path) == Actors.TraceFiles.Traces && Path.Combine(Path.GetDirectoryName(path)!, Actors.TraceFiles.Metrics) is var metrics
                && File.Exists(metrics) && seen.Add(metrics))
            {
                file.ReadOne(metrics);
            }
        }
        return file;
    }

    private void ReadOne(string path)
    {
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                using var doc = JsonDocument.Parse(line);
                ReadRequest(doc.RootElement);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path}:{lineNumber}: not an OTLP-JSON request: {e.Message}"), e);
            }
        }
    }

    private void ReadRequest(JsonElement root)
    {
        if (root.TryGetProperty("resourceSpans", out var resourceSpans))
        {
            foreach (var rs in resourceSpans.EnumerateArray())
            {
                var machine = HostName(rs);
                foreach (var ss in Array(rs, "scopeSpans"))
                {
                    foreach (var s in Array(ss, "spans"))
                    {
                        Spans.Add(new TraceFileSpan(Str(s, "traceId"), Str(s, "spanId"), Str(s, "parentSpanId"), Str(s, "name"),
                            Nanos(s, "startTimeUnixNano"), Nanos(s, "endTimeUnixNano"), Attributes(s)) { Machine = machine });
                    }
                }
            }
        }
        if (root.TryGetProperty("resourceMetrics", out var resourceMetrics))
        {
            foreach (var rm in resourceMetrics.EnumerateArray())
            {
                var machine = HostName(rm);
                foreach (var sm in Array(rm, "scopeMetrics"))
                {
                    foreach (var m in Array(sm, "metrics"))
                    {
                        var name = Str(m, "name");
                        foreach (var kind in new[] { "sum", "gauge" })
                        {
                            if (m.TryGetProperty(kind, out var data))
                            {
                                foreach (var p in Array(data, "dataPoints"))
                                {
                                    var value = p.TryGetProperty("asInt", out var i) ? (i.ValueKind == JsonValueKind.String ? double.Parse(i.GetString()!, CultureInfo.InvariantCulture) : i.GetDouble())
                                        : p.TryGetProperty("asDouble", out var d) ? d.GetDouble() : 0;
                                    Metrics.Add(new TraceFileMetric(name, Attributes(p), value) { Machine = machine });
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // The OpenTelemetry resource attribute a run writes per machine (and a collector keeps).
    private static string HostName(JsonElement resourceEntry) =>
        resourceEntry.TryGetProperty("resource", out var resource) && Attributes(resource).TryGetValue("host.name", out var name)
            ? Convert.ToString(name, CultureInfo.InvariantCulture) ?? ""
            : "";

    private static IEnumerable<JsonElement> Array(JsonElement e, string name) =>
        e.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray() : [];

    private static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static long Nanos(JsonElement e, string name) =>
        !e.TryGetProperty(name, out var v) ? 0 : v.ValueKind == JsonValueKind.String ? long.Parse(v.GetString()!, CultureInfo.InvariantCulture) : v.GetInt64();

    private static Dictionary<string, object> Attributes(JsonElement e)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var a in Array(e, "attributes"))
        {
            var key = Str(a, "key");
            if (!a.TryGetProperty("value", out var v))
            {
                continue;
            }
            if (v.TryGetProperty("stringValue", out var s))
            {
                result[key] = s.GetString() ?? "";
            }
            else if (v.TryGetProperty("intValue", out var i))
            {
                result[key] = i.ValueKind == JsonValueKind.String ? long.Parse(i.GetString()!, CultureInfo.InvariantCulture) : i.GetInt64();
            }
            else if (v.TryGetProperty("doubleValue", out var d))
            {
                result[key] = d.GetDouble();
            }
            else if (v.TryGetProperty("boolValue", out var b))
            {
                result[key] = b.GetBoolean();
            }
        }
        return result;
    }
}
