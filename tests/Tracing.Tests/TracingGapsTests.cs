using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Tracing.Tests;

/// <summary>Issue 14, "Build": the user's CreateFile is a trace of its own, and work items are kernel work with a span each.</summary>
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
}
