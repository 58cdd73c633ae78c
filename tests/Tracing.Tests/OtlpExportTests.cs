namespace ActorKernel.Tracing.Tests;

/// <summary>Issue 14, acceptance 1: the host's OTLP exporter delivers spans and metrics to a receiver on 127.0.0.1, over gRPC and over HTTP.</summary>
[Trait("Area", "Tracing")]
public sealed class OtlpExportTests
{
    private static async Task<OtlpTestReceiver> RunAgainstReceiver(Func<OtlpTestReceiver, (string[] Args, Dictionary<string, string> Env)> setup)
    {
        var receiver = await OtlpTestReceiver.StartAsync();
        var dir = HostRun.TempDirectory();
        try
        {
            var (args, env) = setup(receiver);
            var (code, stdout, stderr) = HostRun.Run(["run", "--duration", "2ms", "--out", Path.Combine(dir, "run"), .. args], dir, env);
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
        return receiver;
    }

    [Fact]
    public async Task The_OTLP_exporter_delivers_spans_and_metrics_over_gRPC_configured_with_set()
    {
        await using var receiver = await RunAgainstReceiver(r => ([
            "--set", $"Tracing:Otlp:Endpoint=http://127.0.0.1:{r.GrpcPort}", "--set", "Tracing:Otlp:Protocol=grpc"], []));
        Assert.Contains(receiver.Spans, s => s.Protocol == "grpc" && s.Span == "ReadFile");
        Assert.Contains(receiver.Spans, s => s.Protocol == "grpc" && s.Span == "IRP_MJ_READ PortReadWrite");
        Assert.Contains(receiver.Metrics, m => m.Protocol == "grpc" && m.Metric == "nt.io.request.duration");
    }

    [Fact]
    public async Task The_OTLP_exporter_delivers_spans_and_metrics_over_HTTP_protobuf_configured_with_the_standard_OTEL_variables()
    {
        await using var receiver = await RunAgainstReceiver(r => ([], new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{r.HttpPort}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-test=1",
        }));
        Assert.Contains(receiver.Spans, s => s.Protocol == "http" && s.Span == "ReadFile");
        Assert.Contains(receiver.Metrics, m => m.Protocol == "http" && m.Metric == "nt.io.request.duration");
    }
}
