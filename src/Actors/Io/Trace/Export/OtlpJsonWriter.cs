using System.Globalization;
using System.Text.Json;

namespace ActorKernel.Actors;

/// <summary>
/// Writes a recorder's traces and metrics as OTLP/JSON, one ExportTraceServiceRequest or
/// ExportMetricsServiceRequest per line: the format the OpenTelemetry Collector's file exporter
/// writes and its otlpjsonfile receiver reads. Ids are hex, 64-bit integers are strings, enums are
/// numbers (the OTLP/JSON mapping). Everything is written in a fixed order from simulated time, so
/// the same run gives the same bytes.
/// </summary>
public static class OtlpJsonWriter
{
    /// <summary>The instrumentation scope the spans and metrics name.</summary>
    public const string ScopeName = "ActorKernel.Trace";

    /// <summary>Spans per ExportTraceServiceRequest line.</summary>
    public const int SpansPerLine = 512;

    private static readonly JsonWriterOptions Options = new() { Indented = false, SkipValidation = false };

    /// <summary>Writes <paramref name="traces"/>, batched at about <see cref="SpansPerLine"/> spans a line.</summary>
    /// <param name="output">Where.</param>
    /// <param name="traces">The traces, in the order to write.</param>
    /// <param name="resource">Resource attributes (service.name first).</param>
    /// <param name="epochUnixNs">What simulated time zero is in Unix nanoseconds.</param>
    public static void WriteTraces(Stream output, IReadOnlyList<FinishedTrace> traces, IReadOnlyList<KeyValuePair<string, object>> resource, long epochUnixNs)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(traces);
        var i = 0;
        while (i < traces.Count)
        {
            using (var w = new Utf8JsonWriter(output, Options))
            {
                w.WriteStartObject();
                w.WriteStartArray("resourceSpans");
                w.WriteStartObject();
                WriteResource(w, resource);
                w.WriteStartArray("scopeSpans");
                w.WriteStartObject();
                WriteScope(w);
                w.WriteStartArray("spans");
                var spans = 0;
                while (i < traces.Count && (spans == 0 || spans + traces[i].Spans.Count <= SpansPerLine))
                {
                    foreach (var span in traces[i].Spans)
                    {
                        WriteSpan(w, span, epochUnixNs);
                    }
                    spans += traces[i].Spans.Count;
                    i++;
                }
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            }
            output.WriteByte((byte)'\n');
        }
    }

    /// <summary>Writes one ExportMetricsServiceRequest line from the recorder's aggregates and the machine's statistics.</summary>
    /// <param name="output">Where.</param>
    /// <param name="recorder">The recorder.</param>
    /// <param name="resource">Resource attributes.</param>
    public static void WriteMetrics(Stream output, IoTraceRecorder recorder, IReadOnlyList<KeyValuePair<string, object>> resource)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(recorder);
        var epoch = recorder.Options.EpochUnixNs;
        var stats = recorder.Machine?.GetStatistics();
        var end = Nano(epoch, stats?.TimeNs ?? 0);
        var start = Nano(epoch, 0);
        var m = recorder.Metrics;
        using (var w = new Utf8JsonWriter(output, Options))
        {
            w.WriteStartObject();
            w.WriteStartArray("resourceMetrics");
            w.WriteStartObject();
            WriteResource(w, resource);
            w.WriteStartArray("scopeMetrics");
            w.WriteStartObject();
            WriteScope(w);
            w.WriteStartArray("metrics");

            Histogram(w, "nt.io.request.duration", "I/O request latency in simulated time, by device and major function.", start, end,
                m.Requests.Select(kv => ((IReadOnlyList<KeyValuePair<string, object>>)[new(TraceAttributes.Device, kv.Key.Device), new(TraceAttributes.MajorFunction, kv.Key.Major)], kv.Value)));
            Sum(w, "nt.io.requests", "{request}", "I/O requests finished, by device and major function.", start, end,
                m.Requests.Select(kv => ((IReadOnlyList<KeyValuePair<string, object>>)[new(TraceAttributes.Device, kv.Key.Device), new(TraceAttributes.MajorFunction, kv.Key.Major)], (object)kv.Value.Count)));
            Sum(w, "nt.io.requests.failed", "{request}", "I/O requests that ended with an error NTSTATUS.", start, end,
                m.Requests.Select(kv => ((IReadOnlyList<KeyValuePair<string, object>>)[new(TraceAttributes.Device, kv.Key.Device), new(TraceAttributes.MajorFunction, kv.Key.Major)], (object)kv.Value.Flagged)));
            Histogram(w, "nt.routine.duration", "ISR and DPC run time in simulated time, by driver.", start, end,
                m.Routines.Select(kv => ((IReadOnlyList<KeyValuePair<string, object>>)[new(TraceAttributes.DriverImage, kv.Key.Driver), new(TraceAttributes.RoutineKind, kv.Key.Kind)], kv.Value)));
            Sum(w, "nt.routine.guidance_exceeded", "{routine}", "ISRs over 25 us and DPCs over 100 us (Microsoft's guidance), by driver.", start, end,
                m.Routines.Select(kv => ((IReadOnlyList<KeyValuePair<string, object>>)[new(TraceAttributes.DriverImage, kv.Key.Driver), new(TraceAttributes.RoutineKind, kv.Key.Kind)], (object)kv.Value.Flagged)));
            Sum(w, "nt.dpc.queued", "{dpc}", "DPCs queued.", start, end, [([], m.DpcsQueued)]);
            Gauge(w, "nt.dpc.queue.depth.max", "{dpc}", "The deepest the DPC queues were, together.", end, [([], m.MaxDpcQueueDepth)]);
            if (stats is not null)
            {
                Sum(w, "nt.irql.residency", "ns", "Simulated time each processor spent at each IRQL.", start, end,
                    stats.Processors.SelectMany(p => p.IrqlResidencyNs.Select((ns, irql) => (p.Number, irql, ns))).Where(x => x.ns > 0)
                        .Select(x => ((IReadOnlyList<KeyValuePair<string, object>>)[new(TraceAttributes.Processor, (long)x.Number), new(TraceAttributes.IrqlName, ((Irql)x.irql).ToDisplayString())], (object)x.ns)));
                Sum(w, "nt.processor.isr", "{isr}", "ISRs run per processor.", start, end,
                    stats.Processors.Select(p => ((IReadOnlyList<KeyValuePair<string, object>>)[new(TraceAttributes.Processor, (long)p.Number)], (object)p.IsrCount)));
                Sum(w, "nt.processor.dpc", "{dpc}", "DPCs run per processor.", start, end,
                    stats.Processors.Select(p => ((IReadOnlyList<KeyValuePair<string, object>>)[new(TraceAttributes.Processor, (long)p.Number)], (object)p.DpcCount)));
                var locks = stats.SpinLocks.OrderBy(l => l.Name, StringComparer.Ordinal).ThenBy(l => l.Address).ToList();
                Sum(w, "nt.spinlock.acquisitions", "{acquisition}", "Spin-lock acquisitions per lock.", start, end,
                    locks.Select(l => ((IReadOnlyList<KeyValuePair<string, object>>)[new("nt.spinlock", l.Name)], (object)l.Acquisitions)));
                Sum(w, "nt.spinlock.contentions", "{contention}", "Acquisitions that had to spin, per lock.", start, end,
                    locks.Select(l => ((IReadOnlyList<KeyValuePair<string, object>>)[new("nt.spinlock", l.Name)], (object)l.Contentions)));
                Sum(w, "nt.spinlock.spin_time", "ns", "Simulated time spent spinning, per lock.", start, end,
                    locks.Select(l => ((IReadOnlyList<KeyValuePair<string, object>>)[new("nt.spinlock", l.Name)], (object)l.SpinNs)));
            }
            if (recorder.Machine is { } machine)
            {
                var pool = machine.Memory.GetPoolUsage().OrderBy(p => p.Tag, StringComparer.Ordinal).ThenBy(p => p.Paged).ToList();
                Gauge(w, "nt.pool.bytes", "By", "Pool bytes outstanding by tag.", end,
                    pool.Select(p => ((IReadOnlyList<KeyValuePair<string, object>>)[new("nt.pool.tag", p.Tag), new("nt.pool.paged", p.Paged)], (object)p.Bytes)));
                Sum(w, "nt.bugchecks", "{bugcheck}", "Bugchecks.", start, end,
                    [(machine.CrashDump is { } dump ? [new KeyValuePair<string, object>("nt.bugcheck", dump.BugCheckName)] : [], (object)m.Bugchecks)]);
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
    }

    private static string Nano(long epochUnixNs, long ns) => (epochUnixNs + ns).ToString(CultureInfo.InvariantCulture);

    private static void WriteResource(Utf8JsonWriter w, IReadOnlyList<KeyValuePair<string, object>> resource)
    {
        w.WriteStartObject("resource");
        WriteAttributes(w, resource);
        w.WriteEndObject();
    }

    private static void WriteScope(Utf8JsonWriter w)
    {
        w.WriteStartObject("scope");
        w.WriteString("name", ScopeName);
        w.WriteString("version", "1.0.0");
        w.WriteEndObject();
    }

    private static void WriteSpan(Utf8JsonWriter w, TraceSpan span, long epoch)
    {
        w.WriteStartObject();
        w.WriteString("traceId", span.TraceId);
        w.WriteString("spanId", span.SpanId);
        if (span.ParentSpanId.Length > 0)
        {
            w.WriteString("parentSpanId", span.ParentSpanId);
        }
        w.WriteString("name", span.Name);
        // SPAN_KIND_INTERNAL = 1, SERVER = 2, CLIENT = 3: the user call is the client of the system service.
        w.WriteNumber("kind", span.Category == TraceSpanCategory.UserCall ? 3 : span.Category == TraceSpanCategory.SystemService && span.ParentSpanId.Length > 0 ? 2 : 1);
        w.WriteString("startTimeUnixNano", Nano(epoch, span.StartNs));
        w.WriteString("endTimeUnixNano", Nano(epoch, span.EndNs));
        w.WriteStartArray("attributes");
        WriteAttributeItems(w, span.Attributes);
        WriteAttribute(w, "nt.span.category", IoTraceRecorder.CategoryName(span.Category));
        w.WriteEndArray();
        if (span.Links.Count > 0)
        {
            w.WriteStartArray("links");
            foreach (var link in span.Links)
            {
                w.WriteStartObject();
                w.WriteString("traceId", link.TraceId);
                w.WriteString("spanId", link.SpanId);
                w.WriteStartArray("attributes");
                WriteAttribute(w, "nt.link.relation", link.Relation);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteStartObject("status");
        if (span.Status != TraceStatusCode.Unset)
        {
            w.WriteNumber("code", (int)span.Status);
        }
        if (span.StatusMessage is { } message)
        {
            w.WriteString("message", message);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteAttributes(Utf8JsonWriter w, IReadOnlyList<KeyValuePair<string, object>> attributes)
    {
        w.WriteStartArray("attributes");
        WriteAttributeItems(w, attributes);
        w.WriteEndArray();
    }

    private static void WriteAttributeItems(Utf8JsonWriter w, IReadOnlyList<KeyValuePair<string, object>> attributes)
    {
        foreach (var (key, value) in attributes)
        {
            WriteAttribute(w, key, value);
        }
    }

    private static void WriteAttribute(Utf8JsonWriter w, string key, object value)
    {
        w.WriteStartObject();
        w.WriteString("key", key);
        w.WriteStartObject("value");
        switch (value)
        {
            case bool b:
                w.WriteBoolean("boolValue", b);
                break;
            case long or int or uint or ulong:
                w.WriteString("intValue", Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case double d:
                w.WriteNumber("doubleValue", d);
                break;
            default:
                w.WriteString("stringValue", Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Histogram(Utf8JsonWriter w, string name, string description, string start, string end,
        IEnumerable<(IReadOnlyList<KeyValuePair<string, object>> Attributes, SimulatedHistogram Histogram)> points)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("description", description);
        w.WriteString("unit", "ns");
        w.WriteStartObject("histogram");
        w.WriteStartArray("dataPoints");
        foreach (var (attributes, h) in points)
        {
            w.WriteStartObject();
            WriteAttributes(w, attributes);
            w.WriteString("startTimeUnixNano", start);
            w.WriteString("timeUnixNano", end);
            w.WriteString("count", h.Count.ToString(CultureInfo.InvariantCulture));
            w.WriteNumber("sum", (double)h.SumNs);
            w.WriteStartArray("bucketCounts");
            foreach (var c in h.BucketCounts)
            {
                w.WriteStringValue(c.ToString(CultureInfo.InvariantCulture));
            }
            w.WriteEndArray();
            w.WriteStartArray("explicitBounds");
            foreach (var b in SimulatedHistogram.BoundsNs)
            {
                w.WriteNumberValue((double)b);
            }
            w.WriteEndArray();
            if (h.Count > 0)
            {
                w.WriteNumber("min", (double)h.MinNs);
                w.WriteNumber("max", (double)h.MaxNs);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("aggregationTemporality", 2); // AGGREGATION_TEMPORALITY_CUMULATIVE
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Sum(Utf8JsonWriter w, string name, string unit, string description, string start, string end,
        IEnumerable<(IReadOnlyList<KeyValuePair<string, object>> Attributes, object Value)> points)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("description", description);
        w.WriteString("unit", unit);
        w.WriteStartObject("sum");
        WritePoints(w, points, start, end);
        w.WriteNumber("aggregationTemporality", 2);
        w.WriteBoolean("isMonotonic", true);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Gauge(Utf8JsonWriter w, string name, string unit, string description, string end,
        IEnumerable<(IReadOnlyList<KeyValuePair<string, object>> Attributes, object Value)> points)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("description", description);
        w.WriteString("unit", unit);
        w.WriteStartObject("gauge");
        WritePoints(w, points, null, end);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WritePoints(Utf8JsonWriter w, IEnumerable<(IReadOnlyList<KeyValuePair<string, object>> Attributes, object Value)> points, string? start, string end)
    {
        w.WriteStartArray("dataPoints");
        foreach (var (attributes, value) in points)
        {
            w.WriteStartObject();
            WriteAttributes(w, attributes);
            if (start is not null)
            {
                w.WriteString("startTimeUnixNano", start);
            }
            w.WriteString("timeUnixNano", end);
            w.WriteString("asInt", Convert.ToString(value, CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
