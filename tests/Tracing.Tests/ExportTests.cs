using System.Text.Json;
using ActorKernel.Actors;

namespace ActorKernel.Tracing.Tests;

/// <summary>Issue 14, acceptance 1: OTLP-JSON and Chrome exports, byte-identical for the same seed.</summary>
[Trait("Area", "Tracing")]
public sealed class ExportTests
{
    private static readonly KeyValuePair<string, object>[] Resource = [new("service.name", "actorkernel"), new("nt.seed", 21L)];

    private static (byte[] Traces, byte[] Metrics, byte[] Chrome) Export(ulong seed, int processors = 2, int reads = 4)
    {
        using var bed = new TracedDiskBed(seed, processors);
        bed.ReadFromUserMode(reads);
        var dir = Path.Combine(Path.GetTempPath(), "ak-trace-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N"));
        try
        {
            TraceFiles.WriteAll(bed.Recorder, dir, Resource);
            return (File.ReadAllBytes(Path.Combine(dir, TraceFiles.Traces)), File.ReadAllBytes(Path.Combine(dir, TraceFiles.Metrics)),
                File.ReadAllBytes(Path.Combine(dir, TraceFiles.Chrome)));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_OTLP_JSON_and_Chrome_JSON()
    {
        var a = Export(21);
        var b = Export(21);
        Assert.Equal(a.Traces, b.Traces);
        Assert.Equal(a.Metrics, b.Metrics);
        Assert.Equal(a.Chrome, b.Chrome);
        Assert.NotEqual(a.Traces, Export(22).Traces);
    }

    [Fact]
    public void OTLP_JSON_holds_one_ExportTraceServiceRequest_per_line_with_hex_ids_and_nanosecond_strings_and_the_request_metrics()
    {
        var (traces, metrics, _) = Export(21, reads: 3);
        var lines = System.Text.Encoding.UTF8.GetString(traces).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var spans = new List<JsonElement>();
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var scope = doc.RootElement.GetProperty("resourceSpans")[0].GetProperty("scopeSpans")[0];
            Assert.Equal(OtlpJsonWriter.ScopeName, scope.GetProperty("scope").GetProperty("name").GetString());
            spans.AddRange(scope.GetProperty("spans").EnumerateArray().Select(s => s.Clone()));
        }
        var reads = spans.Where(s => s.GetProperty("name").GetString() == "ReadFile").ToList();
        Assert.Equal(3, reads.Count);
        var root = reads[0];
        Assert.Matches("^[0-9a-f]{32}$", root.GetProperty("traceId").GetString());
        Assert.Matches("^[0-9a-f]{16}$", root.GetProperty("spanId").GetString());
        Assert.Equal(3, root.GetProperty("kind").GetInt32()); // SPAN_KIND_CLIENT: the user side of the system call
        Assert.True(ulong.Parse(root.GetProperty("endTimeUnixNano").GetString()!) > ulong.Parse(root.GetProperty("startTimeUnixNano").GetString()!));
        Assert.Equal(1, root.GetProperty("status").GetProperty("code").GetInt32());
        Assert.Contains(root.GetProperty("attributes").EnumerateArray(),
            a => a.GetProperty("key").GetString() == TraceAttributes.Bytes && a.GetProperty("value").GetProperty("intValue").GetString() == "512");

        using var m = JsonDocument.Parse(metrics);
        var all = m.RootElement.GetProperty("resourceMetrics")[0].GetProperty("scopeMetrics")[0].GetProperty("metrics").EnumerateArray().ToList();
        var latency = all.Single(x => x.GetProperty("name").GetString() == "nt.io.request.duration").GetProperty("histogram").GetProperty("dataPoints")
            .EnumerateArray().Single(p => p.GetProperty("attributes").EnumerateArray().Any(a => a.GetProperty("value").GetProperty("stringValue").GetString() == "IRP_MJ_READ"));
        Assert.Equal("3", latency.GetProperty("count").GetString());
        var isr = all.Single(x => x.GetProperty("name").GetString() == "nt.routine.duration").GetProperty("histogram").GetProperty("dataPoints").EnumerateArray()
            .Single(p => p.GetProperty("attributes").EnumerateArray().Any(a => a.GetProperty("value").GetProperty("stringValue").GetString() == "Isr"));
        Assert.Equal("3", isr.GetProperty("count").GetString());
        foreach (var name in new[] { "nt.irql.residency", "nt.spinlock.acquisitions", "nt.pool.bytes", "nt.bugchecks", "nt.dpc.queue.depth.max" })
        {
            Assert.Contains(all, x => x.GetProperty("name").GetString() == name);
        }
    }

    [Fact]
    public void The_Chrome_file_parses_and_has_one_track_per_processor_with_ISR_DPC_and_IRQL_and_one_per_device()
    {
        var (_, _, chrome) = Export(21, processors: 2);
        using var doc = JsonDocument.Parse(chrome);
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        string? Arg(JsonElement e) => e.TryGetProperty("args", out var a) && a.TryGetProperty("name", out var n) ? n.GetString() : null;
        var threads = events.Where(e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name").ToList();
        var cpu0 = threads.Single(t => Arg(t) == "CPU 0");
        Assert.Single(threads, t => Arg(t) == "CPU 1");
        Assert.Single(threads, t => Arg(t) == TracedDiskBed.DeviceName);
        var onCpu0 = events.Where(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("pid").GetInt32() == cpu0.GetProperty("pid").GetInt32()
            && e.GetProperty("tid").GetInt32() == cpu0.GetProperty("tid").GetInt32()).ToList();
        Assert.Contains(onCpu0, e => e.GetProperty("name").GetString() == "Isr DiskIsr" && e.GetProperty("cat").GetString() == "isr");
        Assert.Contains(onCpu0, e => e.GetProperty("name").GetString() == "Dpc DiskDpc" && e.GetProperty("cat").GetString() == "dpc");
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "C" && e.GetProperty("name").GetString() == "CPU 0 IRQL"
            && e.GetProperty("args").GetProperty("irql").GetInt32() == 5);
    }
}

/// <summary>Tracing costs nothing while no recorder or listener is attached.</summary>
[Collection(NoRecorderCollection.Name)]
[Trait("Area", "Tracing")]
public sealed class TracingOffTests
{
    [Fact]
    public void With_no_recorder_or_listener_the_routine_hook_allocates_nothing_and_returns_no_span()
    {
        var routine = new IoRoutineEvent(IoRoutineKind.Dpc, "SerialDpc", null, null, null, 0, 0, 1, Irql.DispatchLevel, new KernelModule("serial.sys"));
        Assert.False(IoTrace.Enabled);
        for (var i = 0; i < 100; i++)
        {
            IoTrace.RoutineFinished(routine, IoTrace.RoutineStarted(routine, null), null, NtStatus.Success);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            var span = IoTrace.RoutineStarted(routine, null);
            Assert.Null(span);
            IoTrace.RoutineFinished(routine, span, null, NtStatus.Success);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

/// <summary>Tests that need no recorder attached anywhere in the process: run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NoRecorderCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "No recorder attached";
}
