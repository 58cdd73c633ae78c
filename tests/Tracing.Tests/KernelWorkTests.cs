using ActorKernel.Actors;

namespace ActorKernel.Tracing.Tests;

/// <summary>Kernel work that belongs to no request gets its own trace; ISRs and DPCs over Microsoft's guidance are flagged.</summary>
[Trait("Area", "Tracing")]
public sealed class KernelWorkTests
{
    [Fact]
    public void An_interrupt_with_no_request_in_flight_is_a_trace_of_its_own_ISR_then_the_DPC_it_queued()
    {
        using var bed = new TracedDiskBed();
        bed.Machine.System.Scheduler.ScheduleOnce(TimeSpan.FromTicks(100), () => bed.Machine.RaiseInterrupt(TracedDiskBed.Line));
        bed.Machine.System.Deterministic!.RunUntilQuiescent(1_000_000);
        bed.Recorder.Flush();

        var trace = Assert.Single(bed.Recorder.GetTraces());
        Assert.Equal("Isr DiskIsr", trace.Root.Name);
        Assert.Equal("", trace.Root.ParentSpanId);
        var dpc = Assert.Single(trace.Spans, s => s.Category == TraceSpanCategory.Dpc);
        Assert.Equal(trace.Root.SpanId, dpc.ParentSpanId);
        Assert.Contains(dpc.Links, l => l.Relation == "queued-by" && l.SpanId == trace.Root.SpanId);
        Assert.Equal(1, bed.Recorder.Metrics.Routines[("tdisk.sys", "Isr")].Count);
        Assert.Equal(1, bed.Recorder.Metrics.Routines[("tdisk.sys", "Dpc")].Count);
    }

    [Fact]
    public void Ratio_sampling_keeps_kernel_work_by_its_own_trace_id_and_each_kept_trace_equals_the_full_runs()
    {
        const int Interrupts = 16;
        using var full = new TracedDiskBed(options: new KernelTraceOptions { Seed = 11 });
        using var half = new TracedDiskBed(options: new KernelTraceOptions { Seed = 11, Sampling = TraceSampling.Ratio, Ratio = 0.5 });
        foreach (var bed in new[] { full, half })
        {
            for (var i = 1; i <= Interrupts; i++)
            {
                bed.Machine.System.Scheduler.ScheduleOnce(TimeSpan.FromTicks(1_000 * i), () => bed.Machine.RaiseInterrupt(TracedDiskBed.Line));
            }
            bed.Machine.System.Deterministic!.RunUntilQuiescent(1_000_000);
            bed.Recorder.Flush();
        }

        static string Shape(FinishedTrace t) => t.TraceId + ": " + string.Join(" | ", t.Spans.Select(s => $"{s.SpanId} {s.Name} {s.StartNs}..{s.EndNs} parent={s.ParentSpanId}"));
        var all = full.Recorder.GetTraces().ToDictionary(t => t.TraceId, Shape);
        var kept = half.Recorder.GetTraces();
        Assert.Equal(Interrupts, all.Count); // each interrupt: its ISR, then the DPC it queued
        Assert.InRange(kept.Count, 1, Interrupts - 1); // decided per trace id, not all or nothing
        foreach (var trace in kept)
        {
            // The id (and so the choice) comes from the seed and the order kernel work took its id, as in the full run.
            Assert.True(all.TryGetValue(trace.TraceId, out var same), trace.TraceId);
            Assert.Equal(same, Shape(trace));
        }
        Assert.Equal(full.Recorder.Metrics.Routines[("tdisk.sys", "Dpc")].Count, half.Recorder.Metrics.Routines[("tdisk.sys", "Dpc")].Count);
    }

    [Fact]
    public void A_DPC_over_100_microseconds_is_flagged_against_Microsofts_guidance_in_the_span_and_the_metrics()
    {
        using var bed = new TracedDiskBed { };
        bed.DpcStallMicroseconds = 150;
        bed.ReadFromUserMode(1);
        var dpc = Assert.Single(bed.Recorder.GetTraces().SelectMany(t => t.Spans), s => s.Category == TraceSpanCategory.Dpc);
        Assert.True(dpc.DurationNs > IoTraceRecorder.DpcGuidanceNs);
        Assert.Equal("dpc-over-100us", dpc.Attribute(TraceAttributes.Guidance));
        Assert.Equal(1, bed.Recorder.Metrics.Routines[("tdisk.sys", "Dpc")].Flagged);
        var isr = Assert.Single(bed.Recorder.GetTraces().SelectMany(t => t.Spans), s => s.Category == TraceSpanCategory.Isr);
        Assert.Null(isr.Attribute(TraceAttributes.Guidance)); // a short ISR is within its 25 us
    }
}

/// <summary>A DPC that completes several requests is kernel work of its own, linked both ways to each request.</summary>
[Trait("Area", "Tracing")]
public sealed class SharedDpcTests
{
    private static readonly KernelModule Module = new("batch.sys");

    [Fact]
    public void A_DPC_completing_two_requests_is_its_own_trace_linking_to_both_and_each_request_ends_at_its_completion()
    {
        using var machine = Machine.Create(new MachineOptions
        {
            Processors = 1,
            Seed = 3,
            ClockIntervalNs = 0,
            InterruptLines = [new Hardware.InterruptLineConfig(TracedDiskBed.Line, TracedDiskBed.Vector, 5, 0)],
        });
        var io = new IoManager();
        io.AttachTo(machine);
        using var recorder = IoTraceRecorder.Attach(io, new KernelTraceOptions { Seed = 3 });
        var pending = new List<Irp>();
        var dpc = new KDpc();
        var driver = TracedDiskBed.Run(io.LoadDriverAsync("Batch", "batch.sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Read] = (device, irp) =>
            {
                Wdm.IoMarkIrpPending(irp);
                pending.Add(irp);
                return ValueTask.FromResult(NtStatus.Pending);
            };
            return ValueTask.FromResult(Wdm.IoCreateDevice(d, null, "\\Device\\Batch0", DeviceType.Unknown, 0, false, out DeviceObject? _));
        })).Driver!;
        var device = driver.DeviceObjects[0];
        device.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        Wdm.KeInitializeDpc(dpc, async (_, _, _, _) =>
        {
            foreach (var irp in pending)
            {
                irp.IoStatus.Status = NtStatus.Success;
                await Wdm.IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            }
            pending.Clear();
        }, null, Module);
        Assert.Equal(NtStatus.Success, machine.IoConnectInterrupt(out _, Module, (_, _) =>
        {
            Wdm.KeInsertQueueDpc(dpc, null, null);
            return ValueTask.FromResult(true);
        }, null, null, TracedDiskBed.Vector, (Irql)5, (Irql)5, KInterruptMode.Latched, false, 0, "BatchIsr"));
        machine.RunRoutine(0, Module, "Issue", async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                var irp = Wdm.IoAllocateIrp(io, device.StackSize, false);
                irp.Thread = machine; // Tail.Overlay.Thread, as a sender sets it: the I/O manager finishes the IRP at the top
                Wdm.IoGetNextIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;
                await Wdm.IoCallDriver(device, irp);
            }
        });
        machine.System.Scheduler.ScheduleOnce(TimeSpan.FromTicks(500), () => machine.RaiseInterrupt(TracedDiskBed.Line));
        machine.System.Deterministic!.RunUntilQuiescent(1_000_000);
        recorder.Flush();

        var traces = recorder.GetTraces();
        var requests = traces.Where(t => t.Root.Category == TraceSpanCategory.DriverRequest).ToList();
        Assert.Equal(2, requests.Count);
        var work = Assert.Single(traces, t => t.Root.Name == "Isr BatchIsr");
        var shared = Assert.Single(work.Spans, s => s.Category == TraceSpanCategory.Dpc);
        Assert.Equal(requests.Select(r => (r.TraceId, r.Root.SpanId)).Order(),
            shared.Links.Where(l => l.Relation == "completes").Select(l => (l.TraceId, l.SpanId)).Order());
        Assert.All(requests, r => Assert.DoesNotContain(r.Spans, s => s.Category is TraceSpanCategory.Dpc or TraceSpanCategory.Isr));
        Assert.All(requests, r => Assert.True(r.Root.EndNs >= shared.StartNs && r.Root.Attribute("nt.unfinished") is null, r.Root.ToString()));
    }
}
