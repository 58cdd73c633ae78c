using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorKernel.Host;

namespace ActorKernel.Tracing.Tests;

/// <summary>Issue 14, acceptance 1: <c>trace analyze</c> on a trace with known timings prints the expected per-layer numbers.</summary>
[Trait("Area", "Tracing")]
public sealed class TraceAnalyzeTests
{
    // Four reads of 100, 200, 300 and 1000 us: each a 10 us dispatch, the device, a 30 us ISR (over the
    // 25 us guidance), a 40 us DPC holding a 5 us completion routine, then 10 us to the requester.
    private static readonly long[] DurationsUs = [100, 200, 300, 1000];

    private static string KnownTrace()
    {
        var sb = new StringBuilder();
        var span = 0;
        string Id(int n) => n.ToString("x16", CultureInfo.InvariantCulture);
        string Attr(string k, object v) => v is long l ? $"{{\"key\":\"{k}\",\"value\":{{\"intValue\":\"{l}\"}}}}" : $"{{\"key\":\"{k}\",\"value\":{{\"stringValue\":\"{v}\"}}}}";
        string Span(string trace, int id, int parent, string name, string category, long startUs, long durUs, params (string, object)[] attrs) =>
            $"{{\"traceId\":\"{trace}\",\"spanId\":\"{Id(id)}\"{(parent == 0 ? "" : $",\"parentSpanId\":\"{Id(parent)}\"")},\"name\":\"{name}\",\"kind\":1," +
            $"\"startTimeUnixNano\":\"{startUs * 1000}\",\"endTimeUnixNano\":\"{(startUs + durUs) * 1000}\",\"attributes\":[" +
            string.Join(",", attrs.Select(a => Attr(a.Item1, a.Item2)).Append(Attr("nt.span.category", category))) + "]}";
        for (var i = 0; i < DurationsUs.Length; i++)
        {
            var d = DurationsUs[i];
            var t0 = i * 2000L;
            var trace = (i + 1).ToString("x32", CultureInfo.InvariantCulture);
            int root = ++span, service = ++span, dispatch = ++span, isr = ++span, dpc = ++span, completion = ++span;
            var spans = new[]
            {
                Span(trace, root, 0, "ReadFile", "user", t0, d, ("nt.device", "\\\\Device\\\\D0"), ("nt.irp.major_function", "IRP_MJ_READ"), ("nt.status.code", "0x00000000"),
                    ("nt.request.waited_ns", (d - 80) * 1000), ("nt.request.ran_ns", 80_000L)),
                Span(trace, service, root, "NtReadFile", "service", t0, d),
                Span(trace, dispatch, service, "IRP_MJ_READ DRead", "dispatch", t0 + 10, 10, ("nt.driver.image", "d.sys"), ("nt.irp.major_function", "IRP_MJ_READ"), ("nt.processor", 0L), ("code.function.name", "DRead")),
                Span(trace, isr, service, "Isr DIsr", "isr", t0 + d - 90, 30, ("nt.driver.image", "d.sys"), ("nt.processor", 0L), ("code.function.name", "DIsr")),
                Span(trace, dpc, service, "Dpc DDpc", "dpc", t0 + d - 50, 40, ("nt.driver.image", "d.sys"), ("nt.processor", 0L), ("code.function.name", "DDpc")),
                Span(trace, completion, dpc, "Completion C", "completion", t0 + d - 40, 5, ("nt.driver.image", "f.sys"), ("nt.irp.major_function", "IRP_MJ_READ"), ("nt.processor", 0L)),
            };
            sb.Append("{\"resourceSpans\":[{\"resource\":{\"attributes\":[]},\"scopeSpans\":[{\"scope\":{\"name\":\"t\"},\"spans\":[").Append(string.Join(",", spans)).Append("]}]}]}\n");
        }
        sb.Append("{\"resourceMetrics\":[{\"resource\":{},\"scopeMetrics\":[{\"metrics\":[")
          .Append("{\"name\":\"nt.spinlock.contentions\",\"sum\":{\"dataPoints\":[{\"attributes\":[{\"key\":\"nt.spinlock\",\"value\":{\"stringValue\":\"DiskLock\"}}],\"asInt\":\"7\"}]}},")
          .Append("{\"name\":\"nt.irql.residency\",\"sum\":{\"dataPoints\":[{\"attributes\":[{\"key\":\"nt.processor\",\"value\":{\"intValue\":\"0\"}},{\"key\":\"nt.irql.name\",\"value\":{\"stringValue\":\"PASSIVE_LEVEL\"}}],\"asInt\":\"750\"},")
          .Append("{\"attributes\":[{\"key\":\"nt.processor\",\"value\":{\"intValue\":\"0\"}},{\"key\":\"nt.irql.name\",\"value\":{\"stringValue\":\"DISPATCH_LEVEL\"}}],\"asInt\":\"250\"}]}}")
          .Append("]}]}]}\n");
        return sb.ToString();
    }

    private static (string Path, string Dir) WriteKnown()
    {
        var dir = HostRun.TempDirectory();
        var path = Path.Combine(dir, "known.otlp.jsonl");
        File.WriteAllText(path, KnownTrace());
        return (path, dir);
    }

    [Fact]
    public void Analyze_reports_latency_percentiles_time_by_layer_guidance_critical_path_contention_residency_and_outliers()
    {
        var (path, dir) = WriteKnown();
        try
        {
            var stdout = new StringWriter();
            Assert.Equal(0, TraceAnalyzeCommand.Run([path], "json", null, 1, stdout, TextWriter.Null));
            using var doc = JsonDocument.Parse(stdout.ToString());
            var r = doc.RootElement;
            var device = r.GetProperty("devices")[0];
            Assert.Equal(@"\Device\D0", device.GetProperty("device").GetString());
            var latency = device.GetProperty("latency");
            Assert.Equal((4, 200_000, 1_000_000, 1_000_000, 1_000_000),
                (latency.GetProperty("count").GetInt64(), latency.GetProperty("p50Ns").GetInt64(), latency.GetProperty("p95Ns").GetInt64(), latency.GetProperty("p99Ns").GetInt64(), latency.GetProperty("maxNs").GetInt64()));
            Assert.Equal(120_000, device.GetProperty("waitedP50Ns").GetInt64()); // waited: 20, 120, 220, 920 us
            Assert.Equal(80_000, device.GetProperty("ranP50Ns").GetInt64());

            var layers = r.GetProperty("layers").EnumerateArray().ToDictionary(l => l.GetProperty("driver").GetString() + " " + l.GetProperty("kind").GetString());
            Assert.Equal((4, 10_000, 40_000), (layers["d.sys dispatch"].GetProperty("inclusive").GetProperty("count").GetInt64(),
                layers["d.sys dispatch"].GetProperty("inclusive").GetProperty("p50Ns").GetInt64(), layers["d.sys dispatch"].GetProperty("exclusiveNs").GetInt64()));
            Assert.Equal(140_000, layers["d.sys dpc"].GetProperty("exclusiveNs").GetInt64()); // 40 us each, less the 5 us completion inside
            Assert.Equal(20_000, layers["f.sys completion"].GetProperty("exclusiveNs").GetInt64());

            var offenders = r.GetProperty("offenders").EnumerateArray().ToDictionary(o => o.GetProperty("kind").GetString()!);
            Assert.Equal((4, 25_000), (offenders["isr"].GetProperty("overGuidance").GetInt64(), offenders["isr"].GetProperty("guidanceNs").GetInt64()));
            Assert.Equal((0, 100_000), (offenders["dpc"].GetProperty("overGuidance").GetInt64(), offenders["dpc"].GetProperty("guidanceNs").GetInt64()));

            var slowest = r.GetProperty("slowestRequests")[0];
            Assert.Equal(1_000_000, slowest.GetProperty("durationNs").GetInt64());
            var steps = slowest.GetProperty("steps").EnumerateArray().Select(s => (s.GetProperty("kind").GetString(), s.GetProperty("startOffsetNs").GetInt64() / 1000, s.GetProperty("durationNs").GetInt64() / 1000)).ToList();
            Assert.Equal([("wait", 0L, 10L), ("dispatch", 10, 10), ("wait", 20, 890), ("isr", 910, 30), ("wait", 940, 10), ("dpc", 950, 10), ("completion", 960, 5), ("dpc", 965, 25), ("wait", 990, 10)], steps);

            Assert.Equal(7, r.GetProperty("locks")[0].GetProperty("contentions").GetInt64());
            var residency = r.GetProperty("residency").EnumerateArray().ToDictionary(x => x.GetProperty("irql").GetString()!, x => x.GetProperty("share").GetDouble());
            Assert.Equal(0.75, residency["PASSIVE_LEVEL"], 3);
            var outlier = Assert.Single(r.GetProperty("outliers").EnumerateArray());
            Assert.Equal(1_000_000, outlier.GetProperty("durationNs").GetInt64());

            var text = new StringWriter();
            Assert.Equal(0, TraceAnalyzeCommand.Run([path], "text", null, 1, text, TextWriter.Null));
            Assert.Contains("200.000 us", text.ToString(), StringComparison.Ordinal);
            Assert.Matches(@"d\.sys\s+isr\s+DIsr\s+4\s+120\.000 us\s+30\.000 us\s+30\.000 us\s+4 !", text.ToString());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Diff_compares_two_runs_layer_by_layer_and_a_missing_file_is_bad_input()
    {
        var (path, dir) = WriteKnown();
        try
        {
            var faster = Path.Combine(dir, "faster.otlp.jsonl");
            // The same trace at half the time: every p50 halves.
            File.WriteAllText(faster, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(path), "UnixNano\":\"(\\d+)\"", m => $"UnixNano\":\"{long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / 2}\""));
            var stdout = new StringWriter();
            Assert.Equal(0, TraceAnalyzeCommand.Diff(path, faster, "text", stdout, TextWriter.Null));
            Assert.Matches(@"IRP_MJ_READ\s+p50 200\.000 us -> 100\.000 us -50\.0%", stdout.ToString());
            Assert.Matches(@"d\.sys\s+dispatch\s+IRP_MJ_READ\s+own 40\.000 us -> 20\.000 us -50\.0%", stdout.ToString());
            var error = new StringWriter();
            Assert.Equal(2, TraceAnalyzeCommand.Run([Path.Combine(dir, "missing.jsonl")], "text", null, 5, TextWriter.Null, error));
            Assert.Contains("no such file", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
