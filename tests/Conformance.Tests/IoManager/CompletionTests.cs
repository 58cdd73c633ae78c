using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>A three-deep stack built by hand: Top (filter) → Mid (function) → Bottom, whose reads go pending.</summary>
internal sealed class PendingStack
{
    public PendingStack(IoTestBed bed, IoCompletionRoutine? midRoutine = null, IoCompletionRoutine? topRoutine = null)
    {
        Bed = bed;
        var bottomDriver = bed.LoadDriver("Bottom", d => d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
        {
            IoMarkIrpPending(irp);
            Held.Add(irp);
            return ValueTask.FromResult(NtStatus.Pending);
        });
        Bottom = bed.CreateDevice(bottomDriver, "\\Device\\Bottom");
        var midDriver = bed.LoadDriver("Mid", d => d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
        {
            IoCopyCurrentIrpStackLocationToNext(irp);
            IoSetCompletionRoutine(irp, midRoutine ?? Record("MidComplete"), null, true, true, true);
            return IoCallDriver(Bottom, irp);
        });
        Mid = bed.CreateDevice(midDriver, attachTo: Bottom);
        var topDriver = bed.LoadDriver("Top", d => d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
        {
            IoCopyCurrentIrpStackLocationToNext(irp);
            IoSetCompletionRoutine(irp, topRoutine ?? Record("TopComplete"), null, true, true, true);
            return IoCallDriver(Mid, irp);
        });
        Top = bed.CreateDevice(topDriver, attachTo: Bottom);
    }

    public IoTestBed Bed { get; }

    public DeviceObject Bottom { get; }

    public DeviceObject Mid { get; }

    public DeviceObject Top { get; }

    public List<Irp> Held { get; } = [];

    public List<(string Name, DeviceObject? Device, bool PendingReturned, Irql Irql)> Completions { get; } = [];

    public IoCompletionRoutine Record(string name, NtStatus result = NtStatus.Success) => (device, irp, _) =>
    {
        Completions.Add((name, device, irp.PendingReturned, InlineIoProcessor.Current.CurrentIrql));
        if (irp.PendingReturned && result != NtStatus.MoreProcessingRequired)
        {
            IoMarkIrpPending(irp);
        }
        return ValueTask.FromResult(result);
    };

    /// <summary>Completes the held IRP from "a DPC": at DISPATCH_LEVEL on the bed's processor.</summary>
    public void CompleteHeldAtDispatch(NtStatus status, ulong information = 0)
    {
        var irp = Held[^1];
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        var old = Bed.Cpu.SwapIrql(Irql.DispatchLevel);
        IoTestBed.Run(IoCompleteRequest(irp, PriorityBoost.IoDiskIncrement));
        Bed.Cpu.SwapIrql(old);
    }
}

[Trait("Area", "IoManager")]
public sealed class CompletionTests
{
    [Fact]
    public void Completion_routines_run_bottom_up_at_the_completers_irql_and_see_PendingReturned()
    {
        using var bed = new IoTestBed();
        var stack = new PendingStack(bed);
        var irp = bed.NewIrp(stack.Top, IrpMajorFunction.Read);
        IoSetCompletionRoutine(irp, stack.Record("CreatorComplete"), null, true, true, true);

        var status = IoTestBed.Run(IoCallDriver(stack.Top, irp));
        Assert.Equal(NtStatus.Pending, status);
        Assert.Empty(stack.Completions);

        stack.CompleteHeldAtDispatch(NtStatus.Success, 512);

        Assert.Equal(["MidComplete", "TopComplete", "CreatorComplete"], stack.Completions.Select(c => c.Name));
        Assert.All(stack.Completions, c => Assert.True(c.PendingReturned));
        Assert.All(stack.Completions, c => Assert.Equal(Irql.DispatchLevel, c.Irql));
        // Each routine gets the device object of the driver that set it; the creator's gets null.
        Assert.Equal([stack.Mid, stack.Top, null], stack.Completions.Select(c => c.Device));
        Assert.True(irp.IsCompleted);
        // The trace hook saw the same three routines, on processor 0 at DISPATCH_LEVEL, for Mid, Top and the creator.
        var traced = bed.Trace.Started.Where(r => r.Kind == IoRoutineKind.Completion).ToList();
        Assert.Equal([stack.Mid, stack.Top, null], traced.Select(r => r.Device));
        Assert.All(traced, r => Assert.Equal((0, Irql.DispatchLevel), (r.Processor, r.Irql)));
    }

    [Fact]
    public void PendingReturned_is_false_for_every_routine_when_the_irp_completes_synchronously()
    {
        using var bed = new IoTestBed();
        var stack = new PendingStack(bed);
        // Replace Bottom's read with a synchronous completion.
        stack.Bottom.DriverObject.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        };
        var irp = bed.NewIrp(stack.Top, IrpMajorFunction.Read);

        Assert.Equal(NtStatus.Success, IoTestBed.Run(IoCallDriver(stack.Top, irp)));

        Assert.Equal(["MidComplete", "TopComplete"], stack.Completions.Select(c => c.Name));
        Assert.All(stack.Completions, c => Assert.False(c.PendingReturned));
        Assert.All(stack.Completions, c => Assert.Equal(Irql.PassiveLevel, c.Irql));
    }

    [Fact]
    public void Without_a_completion_routine_the_io_manager_propagates_pending_up_the_stack()
    {
        using var bed = new IoTestBed();
        var stack = new PendingStack(bed);
        // Top skips its location instead of setting a routine: the I/O manager marks it pending itself.
        stack.Top.DriverObject.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
        {
            IoSkipCurrentIrpStackLocation(irp);
            return IoCallDriver(stack.Mid, irp);
        };
        var irp = bed.NewIrp(stack.Top, IrpMajorFunction.Read);
        IoSetCompletionRoutine(irp, stack.Record("CreatorComplete"), null, true, true, true);
        IoTestBed.Run(IoCallDriver(stack.Top, irp));

        stack.CompleteHeldAtDispatch(NtStatus.Success);

        Assert.Equal(["MidComplete", "CreatorComplete"], stack.Completions.Select(c => c.Name));
        Assert.True(stack.Completions[1].PendingReturned);
    }

    [Fact]
    public void STATUS_MORE_PROCESSING_REQUIRED_halts_completion_and_the_owner_can_complete_the_irp_again_later()
    {
        using var bed = new IoTestBed();
        PendingStack? stack = null;
        Irp? reclaimed = null;
        IoCompletionRoutine midStops = (device, irp, _) =>
        {
            stack!.Completions.Add(("MidStops", device, irp.PendingReturned, InlineIoProcessor.Current.CurrentIrql));
            reclaimed = irp;
            return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
        };
        stack = new PendingStack(bed, midRoutine: midStops);
        var irp = bed.NewIrp(stack.Top, IrpMajorFunction.Read);
        IoTestBed.Run(IoCallDriver(stack.Top, irp));

        stack.CompleteHeldAtDispatch(NtStatus.Success, 100);

        Assert.Equal(["MidStops"], stack.Completions.Select(c => c.Name));
        Assert.False(irp.IsCompleted);
        Assert.Same(irp, reclaimed);
        // The IRP is back at Mid's location: Mid owns it and may finish it (e.g. after more work).
        Assert.Same(stack.Mid, IoGetCurrentIrpStackLocation(irp).DeviceObject);

        irp.IoStatus.Information = 200;
        IoMarkIrpPending(irp);
        IoTestBed.Run(IoCompleteRequest(irp, PriorityBoost.IoNoIncrement));

        Assert.Equal(["MidStops", "TopComplete"], stack.Completions.Select(c => c.Name));
        Assert.True(irp.IsCompleted);
        Assert.Equal(200UL, irp.IoStatus.Information);
    }

    [Theory]
    [InlineData(true, false, false, NtStatus.Success, false, true)]
    [InlineData(true, false, false, NtStatus.IoDeviceError, false, false)]
    [InlineData(false, true, false, NtStatus.IoDeviceError, false, true)]
    [InlineData(false, true, false, NtStatus.Success, false, false)]
    [InlineData(false, false, true, NtStatus.Cancelled, true, true)]
    [InlineData(false, false, true, NtStatus.Cancelled, false, false)]
    [InlineData(false, false, false, NtStatus.Success, false, false)]
    public void Completion_routine_is_called_only_when_its_invoke_on_flag_matches(bool onSuccess, bool onError, bool onCancel, NtStatus status, bool cancelled, bool expectCalled)
    {
        using var bed = new IoTestBed();
        var called = false;
        var driver = bed.LoadDriver("Lower", d => d.MajorFunction[(int)IrpMajorFunction.Write] = async (dev, irp) =>
        {
            irp.Cancel = cancelled;
            irp.IoStatus.Status = status;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return status;
        });
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Write);
        IoSetCompletionRoutine(irp, (_, _, _) =>
        {
            called = true;
            return ValueTask.FromResult(NtStatus.Success);
        }, null, onSuccess, onError, onCancel);

        IoTestBed.Run(IoCallDriver(device, irp));

        Assert.Equal(expectCalled, called);
        Assert.True(irp.IsCompleted);
    }

    [Fact]
    public void IoBuildSynchronousFsdRequest_fills_the_status_block_and_signals_the_event_at_completion()
    {
        using var bed = new IoTestBed();
        var stack = new PendingStack(bed);
        var iosb = new IoStatusBlock();
        var done = new IoCompletionEvent();
        var buffer = new UserBuffer(0x10000, new byte[64]);
        var irp = IoBuildSynchronousFsdRequest(IrpMajorFunction.Read, stack.Top, buffer, 64, 0, done, iosb)!;

        Assert.Equal(NtStatus.Pending, IoTestBed.Run(IoCallDriver(stack.Top, irp)));
        Assert.False(done.IsSignaled);

        stack.CompleteHeldAtDispatch(NtStatus.Success, 64);

        Assert.True(done.IsSignaled);
        Assert.Equal(NtStatus.Success, iosb.Status);
        Assert.Equal(64UL, iosb.Information);
        Assert.True(irp.IsFreed);
    }

    [Fact]
    public void IoBuildSynchronousFsdRequest_refuses_a_length_beyond_the_buffer()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("D", _ => { });
        var device = bed.CreateDevice(driver);

        var irp = IoBuildSynchronousFsdRequest(IrpMajorFunction.Read, device, new UserBuffer(0x10000, new byte[16]), 32, 0, new IoCompletionEvent(), new IoStatusBlock());

        Assert.Null(irp);
    }
}
