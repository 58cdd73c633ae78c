using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>PspExitThread -> IoCancelThreadIo: a thread that exits with requests outstanding has them cancelled before its object is signalled.</summary>
[Trait("Area", "IoManager")]
public sealed class ThreadExitTests
{
    private sealed class Holder
    {
        public List<Irp> Held { get; } = [];
        public List<(Irp Irp, Irql Irql)> CancelCalls { get; } = [];
    }

    /// <summary>A device whose reads are queued; with <paramref name="cancellable"/> they carry a cancel routine that completes them STATUS_CANCELLED.</summary>
    private static (Machine Machine, IoMgr Io, DeviceObject Device, Holder Holder) Build(bool cancellable)
    {
        var machine = Machine.Create(new MachineOptions { Processors = 2, Seed = 13, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        var io = new IoMgr();
        io.AttachTo(machine);
        var holder = new Holder();
        IoCancelRoutine cancel = async (device, irp) =>
        {
            holder.CancelCalls.Add((irp, KeGetCurrentIrql()));
            IoReleaseCancelSpinLock(irp.CancelIrql);
            holder.Held.Remove(irp);
            irp.IoStatus.Status = NtStatus.Cancelled;
            irp.IoStatus.Information = 0;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        };
        var driver = IoTestBed.Run(io.LoadDriverAsync("Queuer", "queuer.sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
            {
                IoMarkIrpPending(irp);
                if (cancellable)
                {
                    IoSetCancelRoutine(irp, cancel);
                }
                holder.Held.Add(irp);
                return ValueTask.FromResult(NtStatus.Pending);
            };
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
        IoCreateDevice(driver, null, "\\Device\\Queuer0", DeviceType.Unknown, 0, false, out var device);
        return (machine, io, device!, holder);
    }

    [Fact]
    public void A_thread_that_exits_with_a_queued_request_has_it_cancelled_once_and_completed_STATUS_CANCELLED_before_its_object_is_signalled()
    {
        var (machine, io, device, holder) = Build(cancellable: true);
        using var _ = machine;
        KThread? exiting = null;
        var iosb = new IoStatusBlock();
        var done = new IoCompletionEvent();
        var sent = NtStatus.Success;
        (NtStatus Status, bool Signalled, int Cancels)? seenByWaiter = null;
        var staying = new IoStatusBlock();

        machine.RunRoutine(0, SampleStack.Caller, "Exiting", async () =>
        {
            exiting = KeGetCurrentThread();
            var irp = IoBuildSynchronousFsdRequest(IrpMajorFunction.Read, device, new UserBuffer(0x10000, new byte[16]), 16, 0, done, iosb)!;
            sent = await IoCallDriver(device, irp); // pends; the thread returns without waiting
        });
        machine.RunRoutine(1, SampleStack.Caller, "Staying", async () =>
        {
            var irp = IoBuildSynchronousFsdRequest(IrpMajorFunction.Read, device, new UserBuffer(0x20000, new byte[16]), 16, 0, new IoCompletionEvent(), staying)!;
            await IoCallDriver(device, irp);
            while (exiting is null)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000);
            }
            await KeWaitForSingleObject(exiting, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            seenByWaiter = (iosb.Status, done.IsSignaled, holder.CancelCalls.Count);
        });
        machine.System.Deterministic!.RunUntilQuiescent(10_000_000);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(NtStatus.Pending, sent);
        // When the exiting thread's object was signalled, its request (and only it) had been cancelled and completed.
        Assert.Equal((NtStatus.Cancelled, true, 1), seenByWaiter);
        Assert.Equal(KThreadState.Terminated, exiting!.State);
        // Then the waiter exited too, and its own request went the same way: one cancel routine call each, at DISPATCH_LEVEL.
        Assert.Equal(2, holder.CancelCalls.Count);
        Assert.Equal(2, holder.CancelCalls.Select(c => c.Irp).Distinct().Count());
        Assert.All(holder.CancelCalls, c => Assert.Equal(Irql.DispatchLevel, c.Irql));
        Assert.Equal(NtStatus.Cancelled, staying.Status);
        Assert.Empty(holder.Held);
        Assert.Empty(io.GetStuckRequests());
    }

    [Fact]
    public void A_thread_whose_request_has_no_cancel_routine_waits_five_minutes_then_exits_and_the_request_is_reported_stuck()
    {
        var (machine, io, device, holder) = Build(cancellable: false);
        using var _ = machine;
        KThread? exiting = null;
        long exitedAt = -1;

        machine.RunRoutine(0, SampleStack.Caller, "Exiting", async () =>
        {
            exiting = KeGetCurrentThread();
            var irp = IoBuildSynchronousFsdRequest(IrpMajorFunction.Read, device, new UserBuffer(0x10000, new byte[16]), 16, 0, new IoCompletionEvent(), new IoStatusBlock())!;
            await IoCallDriver(device, irp);
        });
        machine.RunRoutine(1, SampleStack.Caller, "Waiter", async () =>
        {
            while (exiting is null)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000);
            }
            await KeWaitForSingleObject(exiting, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            exitedAt = machine.NowNanoseconds;
        });
        machine.System.Deterministic!.RunUntilQuiescent(10_000_000);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Empty(holder.CancelCalls);
        Assert.InRange(exitedAt, 300_000_000_000L, 301_000_000_000L);
        var irp = Assert.Single(holder.Held);
        Assert.True(irp.Cancel); // IoCancelIrp marked it; nobody could cancel it
        Assert.Null(irp.Thread); // disassociated from the thread that is gone
        Assert.Same(irp, Assert.Single(io.GetStuckRequests()).Irp);
    }
}
