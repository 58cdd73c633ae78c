namespace ActorKernel.Actors;

/// <summary>The trace files a run writes to its output folder, by name.</summary>
public static class TraceFiles
{
    /// <summary>OTLP/JSON spans, one ExportTraceServiceRequest per line.</summary>
    public const string Traces = "traces.otlp.jsonl";

    /// <summary>OTLP/JSON metrics, one ExportMetricsServiceRequest per line.</summary>
    public const string Metrics = "metrics.otlp.jsonl";

    /// <summary>Chrome trace-event JSON (Perfetto, chrome://tracing).</summary>
    public const string Chrome = "trace.chrome.json";

    /// <summary>Writes the three files of <paramref name="recorder"/> into <paramref name="directory"/> (after <see cref="IoTraceRecorder.Flush"/>).</summary>
    /// <param name="recorder">The recorder.</param>
    /// <param name="directory">The run's output folder (created if missing).</param>
    /// <param name="resource">Resource attributes: service.name and what names the run (scenario, seed).</param>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> WriteAll(IoTraceRecorder recorder, string directory, IReadOnlyList<KeyValuePair<string, object>> resource)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        recorder.Flush();
        var traces = recorder.GetTraces();
        var paths = new List<string>();
        var path = Path.Combine(directory, Traces);
        using (var stream = File.Create(path))
        {
            OtlpJsonWriter.WriteTraces(stream, traces, resource, recorder.Options.EpochUnixNs);
        }
        paths.Add(path);
        path = Path.Combine(directory, Metrics);
        using (var stream = File.Create(path))
        {
            OtlpJsonWriter.WriteMetrics(stream, recorder, resource);
        }
        paths.Add(path);
        path = Path.Combine(directory, Chrome);
        using (var stream = File.Create(path))
        {
            ChromeTraceWriter.Write(stream, recorder.GetTimeline(), traces, recorder.Machine?.Options.Processors ?? 1);
        }
        paths.Add(path);
        return paths;
    }
}
