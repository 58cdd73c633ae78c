using ActorKernel.Actors;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ActorKernel.Host;

/// <summary>Whether an OTLP endpoint was configured (Tracing:Otlp:Endpoint or the OTEL_EXPORTER_OTLP_* variables).</summary>
/// <param name="Otlp">True when spans and metrics go to a collector.</param>
internal sealed record KernelTracingExport(bool Otlp);

/// <summary>Registers the run's tracing with the generic host: the session, and OpenTelemetry's tracing and metrics with OTLP export.</summary>
public static class TracingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="KernelTracingOptions"/> section, the trace session and
    /// <c>AddOpenTelemetry().WithTracing(...).WithMetrics(...)</c>: the replayed request spans
    /// (<see cref="TraceActivityBridge.SourceName"/>) and the kernel's meter
    /// (<see cref="IoTraceMetrics.MeterName"/>), exported by OTLP over gRPC or HTTP when an endpoint is
    /// configured, through a batch processor sized so a run's burst of spans is not dropped.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration (appsettings, environment, <c>--set</c>).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKernelTracing(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<KernelTracingOptions>().BindConfiguration(KernelTracingOptions.Section);
        var o = configuration.GetSection(KernelTracingOptions.Section).Get<KernelTracingOptions>() ?? new KernelTracingOptions();
        var otlp = !string.IsNullOrWhiteSpace(o.Otlp.Endpoint) || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
            || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]) || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]);
        services.AddSingleton(new KernelTracingExport(otlp));
        services.AddSingleton<KernelTraceSession>();
        services.AddHostedService(sp => sp.GetRequiredService<KernelTraceSession>());
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("actorkernel"))
            .WithTracing(t =>
            {
                if (otlp)
                {
                    // Only with an exporter: the replay of each kept trace as Activities is the largest part
                    // of full tracing's cost, and without an exporter the SDK would drop them.
                    t.AddSource(TraceActivityBridge.SourceName).SetSampler(new AlwaysOnSampler());
                    t.AddOtlpExporter(e =>
                    {
                        Apply(e, o.Otlp, "v1/traces");
                        e.ExportProcessorType = OpenTelemetry.ExportProcessorType.Batch;
                        e.BatchExportProcessorOptions.MaxQueueSize = Math.Max(2048, o.Otlp.MaxQueueSize);
                        e.BatchExportProcessorOptions.MaxExportBatchSize = Math.Clamp(o.Otlp.MaxExportBatchSize, 1, e.BatchExportProcessorOptions.MaxQueueSize);
                        e.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 500;
                    });
                }
            })
            .WithMetrics(m =>
            {
                m.AddMeter(IoTraceMetrics.MeterName);
                if (otlp)
                {
                    m.AddOtlpExporter((e, reader) =>
                    {
                        Apply(e, o.Otlp, "v1/metrics");
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 5_000;
                    });
                }
            });
        return services;
    }

    // Tracing:Otlp overrides the OTEL_EXPORTER_OTLP_* settings the SDK already read; an HTTP endpoint given
    // here is the collector's base address, so the signal's path is added as the SDK does for the variable.
    private static void Apply(OtlpExporterOptions e, KernelTracingOtlpOptions o, string signalPath)
    {
        if (!string.IsNullOrWhiteSpace(o.Protocol))
        {
            e.Protocol = o.Protocol.Trim().ToLowerInvariant() switch
            {
                "http/protobuf" or "http" => OtlpExportProtocol.HttpProtobuf,
                _ => OtlpExportProtocol.Grpc,
            };
        }
        if (!string.IsNullOrWhiteSpace(o.Endpoint))
        {
            var endpoint = o.Endpoint.Trim();
            e.Endpoint = new Uri(e.Protocol == OtlpExportProtocol.HttpProtobuf ? endpoint.TrimEnd('/') + "/" + signalPath : endpoint);
        }
        if (!string.IsNullOrWhiteSpace(o.Headers))
        {
            e.Headers = o.Headers;
        }
    }
}
