namespace ActorKernel.Host;

/// <summary>
/// The <c>Tracing</c> section: whether runs are traced, where the trace files go, which requests are
/// kept, and where OTLP goes. The OpenTelemetry SDK's own OTEL_EXPORTER_OTLP_* settings (environment,
/// appsettings or <c>--set</c>) apply too; <see cref="Otlp"/> overrides them when set.
/// </summary>
public sealed class KernelTracingOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Tracing";

    /// <summary>Trace every run even without an output folder or an OTLP endpoint (spans then go only to listeners in the process).</summary>
    public bool Enabled { get; set; }

    /// <summary>Where a run writes traces.otlp.jsonl, metrics.otlp.jsonl and trace.chrome.json (<c>run --trace-out DIR</c>).</summary>
    public string? OutputDirectory { get; set; }

    /// <summary><c>always</c> (default), <c>ratio</c>, <c>errors-and-slow</c> (tail sampling at the request's end) or <c>off</c>.</summary>
    public string Sampling { get; set; } = "always";

    /// <summary>The share kept with <c>ratio</c> (0..1).</summary>
    public double Ratio { get; set; } = 1.0;

    /// <summary>A request at least this long in simulated time is slow for <c>errors-and-slow</c>.</summary>
    public TimeSpan SlowRequest { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>OTLP export to a collector.</summary>
    public KernelTracingOtlpOptions Otlp { get; set; } = new();

    /// <summary>The recorder's sampling mode, or null when <see cref="Sampling"/> names none.</summary>
    public Actors.TraceSampling? SamplingMode => Sampling.Trim().ToLowerInvariant() switch
    {
        "always" or "on" or "full" => Actors.TraceSampling.Always,
        "ratio" => Actors.TraceSampling.Ratio,
        "errors-and-slow" or "tail" => Actors.TraceSampling.ErrorsAndSlow,
        "off" => Actors.TraceSampling.Off,
        _ => null,
    };
}

/// <summary>The <c>Tracing:Otlp</c> section.</summary>
public sealed class KernelTracingOtlpOptions
{
    /// <summary>The collector's address (http://127.0.0.1:4317 for gRPC, http://127.0.0.1:4318 for HTTP); unset: OTEL_EXPORTER_OTLP_ENDPOINT, else no OTLP export.</summary>
    public string? Endpoint { get; set; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c>; unset: OTEL_EXPORTER_OTLP_PROTOCOL, else grpc.</summary>
    public string? Protocol { get; set; }

    /// <summary>Headers sent with each export, <c>key=value,key2=value2</c>; unset: OTEL_EXPORTER_OTLP_HEADERS.</summary>
    public string? Headers { get; set; }

    /// <summary>The batch processor's queue: spans are replayed in bursts as requests finish, so it is sized for a run, not a second.</summary>
    public int MaxQueueSize { get; set; } = 262_144;

    /// <summary>Spans per export.</summary>
    public int MaxExportBatchSize { get; set; } = 2_048;
}
