using System.Text.Json;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Tracing.Tests;

/// <summary>Issue 14, "Build": the user's CreateFile is a trace of its own, work items are kernel work with a span each, and the device's own work is a span.</summary>
[Trait("Area", "Tracing")]
public sealed class TracingGapsTests
{
    [Fact]
    public void CreateFile_is_one_trace_CreateFile_NtCreateFile_then_IRP_MJ_CREATE_at_each_stack_location()
    {
        using var bed = new TracedDiskBed();
        bed.ReadFromUserMode(1);

        var trace = Assert.Single(bed.Recorder.GetTraces(), t => t.Root.Name == "CreateFile");
        Assert.Equal(TraceSpanCategory.UserCall, trace.Root.Category);
        Assert.Equal("IRP_MJ_CREATE", trace.Root.Attribute(TraceAttributes.MajorFunction));
        Assert.Equal(TracedDiskBed.DeviceName, trace.Root.Attribute(TraceAttributes.Device));
        Assert.Equal("STATUS_SUCCESS", trace.Root.Attribute(TraceAttributes.Status));
        var service = Assert.Single(trace.Spans, s => s.Name == "NtCreateFile");
        Assert.Equal(trace.Root.SpanId, service.ParentSpanId);
        var filter = Assert.Single(trace.Spans, s => s.Name == "IRP_MJ_CREATE FilterPass");
        Assert.Equal(service.SpanId, filter.ParentSpanId);
        var disk = Assert.Single(trace.Spans, s => s.Name == "IRP_MJ_CREATE CompleteAtOnce");
        Assert.Equal(filter.SpanId, disk.ParentSpanId);
        Assert.DoesNotContain(bed.Recorder.GetTraces(), t => t.Root.Name == "IoCallDriver IRP_MJ_CREATE");
    }

    [Fact]
    public void A_work_items_routine_is_a_span_of_kernel_work_from_the_worker_thread_picking_it_up_to_its_return()
    {
        var module = new KernelModule("worky.sys");
        using var machine = Machine.Create(new MachineOptions { Processors = 1, Seed = 9, ClockIntervalNs = 0, SystemWorkerThreads = 1 });
        var io = new IoManager();
        io.AttachTo(machine);
        using var recorder = IoTraceRecorder.Attach(io, new KernelTraceOptions { Seed = 9 });
        machine.Start();
        machine.RunRoutine(0, module, "Queues", () =>
        {
            var item = IoAllocateWorkItem(null);
            IoQueueWorkItem(item, async (_, _) => await KeCompute(30_000), WorkQueueType.DelayedWorkQueue, null, "LogWork");
            return ValueTask.CompletedTask;
        }, Irql.DispatchLevel);
        machine.System.Deterministic!.RunUntilQuiescent(1_000_000);
        recorder.Flush();

        var trace = Assert.Single(recorder.GetTraces(), t => t.Root.Category == TraceSpanCategory.WorkItem);
        var span = trace.Root;
        Assert.Equal("WorkItem LogWork", span.Name);
        Assert.Equal("", span.ParentSpanId);
        Assert.Equal("worky.sys", span.Attribute(TraceAttributes.DriverImage));
        Assert.Equal("PASSIVE_LEVEL", span.Attribute(TraceAttributes.IrqlName));
        Assert.InRange(span.DurationNs, 30_000, 1_000_000); // the routine's 30 us of work, at least
    }

    [Fact]
    public void The_devices_own_work_is_a_span_from_the_register_write_StartIo_made_to_the_ISR_on_its_line()
    {
        var dir = HostRun.TempDirectory();
        try
        {
            var traces = Path.Combine(dir, "trace");
            var run = HostRun.Run(["run", "--duration", "1ms", "--out", Path.Combine(dir, "run"), "--trace-out", traces], dir);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var checkedOne = false;
            foreach (var line in File.ReadLines(Path.Combine(traces, TraceFiles.Traces)))
            {
                using var doc = JsonDocument.Parse(line);
                var spans = doc.RootElement.GetProperty("resourceSpans").EnumerateArray().SelectMany(r => r.GetProperty("scopeSpans").EnumerateArray())
                    .SelectMany(s => s.GetProperty("spans").EnumerateArray()).Select(s => s.Clone()).ToList();
                foreach (var trace in spans.GroupBy(s => s.GetProperty("traceId").GetString()))
                {
                    var byName = trace.ToLookup(s => s.GetProperty("name").GetString()!);
                    if (!byName.Contains("StartIo PortStartIo") || !byName.Contains("Isr BlkInterrupt"))
                    {
                        continue;
                    }
                    // Served by the controller: the device's work is a span under the StartIo that programmed it, ending as its ISR starts.
                    var device = Assert.Single(byName["Device disk0"]);
                    var startIo = Assert.Single(byName["StartIo PortStartIo"]);
                    var isr = byName["Isr BlkInterrupt"].First();
                    Assert.Equal(startIo.GetProperty("spanId").GetString(), device.GetProperty("parentSpanId").GetString());
                    Assert.Contains(device.GetProperty("attributes").EnumerateArray(), a => a.GetProperty("key").GetString() == TraceAttributes.Device
                        && a.GetProperty("value").GetProperty("stringValue").GetString() == "disk0");
                    static ulong Ns(JsonElement s, string p) => ulong.Parse(s.GetProperty(p).GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                    Assert.InRange(Ns(device, "startTimeUnixNano"), Ns(startIo, "startTimeUnixNano"), Ns(startIo, "endTimeUnixNano"));
                    Assert.Equal(Ns(isr, "startTimeUnixNano"), Ns(device, "endTimeUnixNano"));
                    Assert.True(Ns(device, "endTimeUnixNano") - Ns(device, "startTimeUnixNano") >= 20_000, "the controller takes at least its 20 us per command");
                    checkedOne = true;
                }
            }
            Assert.True(checkedOne, "no request served by the controller was traced");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
