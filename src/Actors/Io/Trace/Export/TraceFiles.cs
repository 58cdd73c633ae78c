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

    /// <summary>
    /// Writes the files of several machines that ran together (a <c>machines</c> scenario) into
    /// <paramref name="directory"/>: one traces file and one metrics file with a resource per machine
    /// (a trace that crossed machines has spans under each), and a Chrome file per machine
    /// (<c>trace.NAME.chrome.json</c>: each machine has its own processors).
    /// </summary>
    /// <param name="machines">Each machine's recorder, resource attributes and name, in scenario order.</param>
    /// <param name="directory">The run's output folder (created if missing).</param>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> WriteAll(IReadOnlyList<(IoTraceRecorder Recorder, IReadOnlyList<KeyValuePair<string, object>> Resource, string Name)> machines, string directory)
    {
        ArgumentNullException.ThrowIfNull(machines);
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        var path = Path.Combine(directory, Traces);
        using (var stream = File.Create(path))
        {
            foreach (var (recorder, resource, _) in machines)
            {
                recorder.Flush();
                OtlpJsonWriter.WriteTraces(stream, recorder.GetTraces(), resource, recorder.Options.EpochUnixNs);
            }
        }
        paths.Add(path);
        path = Path.Combine(directory, Metrics);
        using (var stream = File.Create(path))
        {
            foreach (var (recorder, resource, _) in machines)
            {
                OtlpJsonWriter.WriteMetrics(stream, recorder, resource);
            }
        }
        paths.Add(path);
        foreach (var (recorder, _, name) in machines)
        {
            path = Path.Combine(directory, "trace." + name + ".chrome.json");
            using (var stream = File.Create(path))
            {
                ChromeTraceWriter.Write(stream, recorder.GetTimeline(), recorder.GetTraces(), recorder.Machine?.Options.Processors ?? 1);
            }
            paths.Add(path);
        }
        return paths;
    }
}
