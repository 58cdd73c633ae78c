using System.Diagnostics;
using ActorKernel.Actors;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace ActorKernel.Tracing.Tests;

/// <summary>Issue 14, acceptance 1: a read from user mode to the device and back is one trace whose spans nest as the stack does.</summary>
[Trait("Area", "Tracing")]
public sealed class RequestTraceTests
{
    private static FinishedTrace ReadTrace(IoTraceRecorder recorder) =>
        Assert.Single(recorder.GetTraces(), t => t.Root.Name == "ReadFile");

    [Fact]
    public void A_user_read_is_one_trace_ReadFile_NtReadFile_dispatch_per_location_StartIo_ISR_DPC_completion_and_wake_up()
    {
        using var bed = new TracedDiskBed();
        var results = bed.ReadFromUserMode(1);
        Assert.True(results[0].Succeeded);

        var trace = ReadTrace(bed.Recorder);
        var byName = trace.Spans.ToDictionary(s => s.Name);
        var root = trace.Root;
        var service = byName["NtReadFile"];
        var filter = byName["IRP_MJ_READ FilterPass"];
        var disk = byName["IRP_MJ_READ DiskRead"];
        var startIo = byName["StartIo DiskStartIo"];
        var isr = byName["Isr DiskIsr"];
        var dpc = byName["Dpc DiskDpc"];
        var completion = byName["Completion FilterReadComplete"];
        var wake = Assert.Single(trace.Spans, s => s.Category == TraceSpanCategory.WakeUp);

        // The nesting of the stack: user call > system service > filter's dispatch > disk's dispatch > StartIo;
        // the ISR and DPC under the service; the filter's completion routine inside the DPC that completed the IRP.
        Assert.Equal("", root.ParentSpanId);
        Assert.Equal(root.SpanId, service.ParentSpanId);
        Assert.Equal(service.SpanId, filter.ParentSpanId);
        Assert.Equal(filter.SpanId, disk.ParentSpanId);
        Assert.Equal(disk.SpanId, startIo.ParentSpanId);
        Assert.Equal(service.SpanId, isr.ParentSpanId);
        Assert.Equal(service.SpanId, dpc.ParentSpanId);
        Assert.Equal(dpc.SpanId, completion.ParentSpanId);
        Assert.Equal(service.SpanId, wake.ParentSpanId);
        Assert.All(trace.Spans, s => Assert.Equal(trace.TraceId, s.TraceId));
        Assert.Contains(dpc.Links, l => l.SpanId == isr.SpanId && l.Relation == "queued-by");

        // Simulated time: the device's latency separates StartIo from the ISR; each child lies within its parent.
        Assert.True(isr.StartNs - startIo.StartNs >= TracedDiskBed.DeviceLatencyNs, $"{startIo} then {isr}");
        Assert.True(isr.EndNs <= dpc.StartNs && completion.StartNs >= dpc.StartNs && completion.EndNs <= dpc.EndNs);
        Assert.True(root.StartNs <= filter.StartNs && root.EndNs >= wake.EndNs && wake.StartNs <= wake.EndNs);

        // Attributes: processor, IRQL, device, driver image, major/minor function, status name and value, bytes, IRP address.
        Assert.Equal(0L, disk.Attribute(TraceAttributes.Processor));
        Assert.Equal((long)Irql.PassiveLevel, disk.Attribute(TraceAttributes.Irql));
        Assert.Equal(TracedDiskBed.DeviceName, disk.Attribute(TraceAttributes.Device));
        Assert.Equal("tdisk.sys", disk.Attribute(TraceAttributes.DriverImage));
        Assert.Equal("tfilter.sys", filter.Attribute(TraceAttributes.DriverImage));
        Assert.Equal("IRP_MJ_READ", disk.Attribute(TraceAttributes.MajorFunction));
        Assert.Equal(3L, disk.Attribute(TraceAttributes.MajorFunctionCode));
        Assert.Equal(0L, disk.Attribute(TraceAttributes.MinorFunctionCode));
        Assert.Equal("STATUS_PENDING", disk.Attribute(TraceAttributes.Status));
        Assert.Equal("0x00000103", disk.Attribute(TraceAttributes.StatusCode));
        Assert.Equal("STATUS_SUCCESS", root.Attribute(TraceAttributes.Status));
        Assert.Equal("0x00000000", root.Attribute(TraceAttributes.StatusCode));
        Assert.Equal(512L, root.Attribute(TraceAttributes.Bytes));
        Assert.Equal(disk.Attribute(TraceAttributes.IrpAddress), root.Attribute(TraceAttributes.IrpAddress));
        Assert.Equal(2L, filter.Attribute(TraceAttributes.StackLocation));
        Assert.Equal(1L, disk.Attribute(TraceAttributes.StackLocation));
        Assert.Equal((long)Irql.DispatchLevel, dpc.Attribute(TraceAttributes.Irql));
        Assert.Equal(5L, isr.Attribute(TraceAttributes.Irql));
        Assert.Equal("tdisk.sys", isr.Attribute(TraceAttributes.DriverImage));
        Assert.Equal(TraceStatusCode.Ok, root.Status);
        // Waited vs ran: the device's latency is waiting, not running.
        Assert.True((long)root.Attribute(TraceAttributes.WaitedNs)! >= TracedDiskBed.DeviceLatencyNs);
        Assert.Equal(root.DurationNs, (long)root.Attribute(TraceAttributes.WaitedNs)! + (long)root.Attribute(TraceAttributes.RanNs)!);
    }

    [Fact]
    public void The_OpenTelemetry_in_memory_exporter_receives_the_read_with_its_nesting_and_attributes_in_simulated_time()
    {
        var exported = new List<Activity>();
        using var bed = new TracedDiskBed(seed: 11);
        using var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(TraceActivityBridge.SourceName)
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(exported)
            .Build();
        using var bridge = new TraceActivityBridge(bed.Recorder);
        bed.ReadFromUserMode(1);
        provider!.ForceFlush();

        var trace = ReadTrace(bed.Recorder);
        var mine = exported.Where(a => Equals(a.GetTagItem("nt.trace.id"), trace.TraceId)).ToList();
        Assert.Equal(trace.Spans.Count, mine.Count);
        var root = Assert.Single(mine, a => a.DisplayName == "ReadFile");
        Assert.Equal(default, root.ParentSpanId);
        var service = Assert.Single(mine, a => a.DisplayName == "NtReadFile");
        var filter = Assert.Single(mine, a => a.DisplayName == "IRP_MJ_READ FilterPass");
        var disk = Assert.Single(mine, a => a.DisplayName == "IRP_MJ_READ DiskRead");
        Assert.Equal(root.SpanId, service.ParentSpanId);
        Assert.Equal(service.SpanId, filter.ParentSpanId);
        Assert.Equal(filter.SpanId, disk.ParentSpanId);
        Assert.All(mine, a => Assert.Equal(root.TraceId, a.TraceId));
        Assert.Equal("tdisk.sys", disk.GetTagItem(TraceAttributes.DriverImage));
        Assert.Equal("IRP_MJ_READ", disk.GetTagItem(TraceAttributes.MajorFunction));
        // Timestamps are the simulated clock from the fixed epoch, not the wall clock.
        var epoch = DateTimeOffset.FromUnixTimeMilliseconds(KernelTraceOptions.DefaultEpochUnixNs / 1_000_000).UtcDateTime;
        Assert.Equal(epoch.AddTicks(trace.Root.StartNs / 100), root.StartTimeUtc);
        Assert.True(Math.Abs((root.Duration - TimeSpan.FromTicks(trace.Root.DurationNs / 100)).Ticks) <= 1);
    }

    [Fact]
    public void The_same_seed_gives_the_same_trace_ids_span_ids_and_timestamps_and_another_seed_other_ids()
    {
        static string Describe(ulong seed)
        {
            using var bed = new TracedDiskBed(seed);
            bed.ReadFromUserMode(3);
            return string.Join("\n", bed.Recorder.GetTraces().SelectMany(t => t.Spans).Select(s => $"{s.TraceId} {s.SpanId} {s.ParentSpanId} {s.Name} {s.StartNs} {s.EndNs}"));
        }

        var first = Describe(5);
        Assert.Equal(first, Describe(5));
        Assert.NotEqual(first.Split(' ')[0], Describe(6).Split(' ')[0]);
    }

    [Fact]
    public void Tail_sampling_keeps_failed_or_slow_requests_only_and_ratio_zero_keeps_none()
    {
        using (var fast = new TracedDiskBed(options: new KernelTraceOptions { Seed = 7, Sampling = TraceSampling.ErrorsAndSlow, SlowRequestNs = 10_000_000 }))
        {
            fast.ReadFromUserMode(2);
            Assert.DoesNotContain(fast.Recorder.GetTraces(), t => t.Root.Name == "ReadFile");
            Assert.True(fast.Recorder.Dropped >= 2);
            Assert.Equal(2, fast.Recorder.Metrics.Requests[(TracedDiskBed.DeviceName, "IRP_MJ_READ")].Count); // metrics still count every request
        }
        using (var slow = new TracedDiskBed(options: new KernelTraceOptions { Seed = 7, Sampling = TraceSampling.ErrorsAndSlow, SlowRequestNs = TracedDiskBed.DeviceLatencyNs }))
        {
            slow.ReadFromUserMode(2);
            Assert.Equal(2, slow.Recorder.GetTraces().Count(t => t.Root.Name == "ReadFile"));
        }
        using var none = new TracedDiskBed(options: new KernelTraceOptions { Seed = 7, Sampling = TraceSampling.Ratio, Ratio = 0 });
        none.ReadFromUserMode(2);
        Assert.Empty(none.Recorder.GetTraces());
    }
}
