using System.Diagnostics;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.IoManager;

[Trait("Area", "IoManager")]
public sealed class StartIoTests
{
    /// <summary>A StartIo driver: dispatch marks pending and IoStartPacket; the test plays the device finishing a packet.</summary>
    private sealed class StartIoDriver
    {
        public StartIoDriver(IoTestBed bed, bool cancellable)
        {
            var driver = bed.LoadDriver("Serial", d =>
            {
                d.MajorFunction[(int)IrpMajorFunction.Write] = async (dev, irp) =>
                {
                    IoMarkIrpPending(irp);
                    await IoStartPacket(dev, irp, null, cancellable ? Cancel : null);
                    return NtStatus.Pending;
                };
                d.DriverStartIo = (dev, irp) =>
                {
                    Started.Add((irp, InlineIoProcessor.Current.CurrentIrql));
                    if (cancellable)
                    {
                        // The packet is the device's now: it can no longer be cancelled from the queue.
                        IoSetCancelRoutine(irp, null);
                    }
                    return ValueTask.CompletedTask;
                };
            });
            Device = bed.CreateDevice(driver);
        }

        public DeviceObject Device { get; }

        public List<(Irp Irp, Irql Irql)> Started { get; } = [];

        public List<Irp> Cancelled { get; } = [];

        /// <summary>The device finished its current packet (its DPC).</summary>
        public async ValueTask FinishCurrent(bool cancellable)
        {
            var irp = Device.CurrentIrp!;
            irp.IoStatus.Status = NtStatus.Success;
            await IoStartNextPacket(Device, cancellable);
            await IoCompleteRequest(irp, PriorityBoost.IoSerialIncrement);
        }

        private async ValueTask Cancel(DeviceObject device, Irp irp)
        {
            // The WDK's StartIo cancel shape: the current packet restarts the queue; a queued one leaves it.
            Assert.NotSame(irp, device.CurrentIrp);
            Assert.True(device.DeviceQueue.KeRemoveEntryDeviceQueue(irp));
            IoReleaseCancelSpinLock(irp.CancelIrql);
            Cancelled.Add(irp);
            irp.IoStatus.Status = NtStatus.Cancelled;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        }
    }

    [Fact]
    public void IoStartPacket_starts_an_idle_device_at_DISPATCH_LEVEL_and_queues_while_busy_until_IoStartNextPacket()
    {
        using var bed = new IoTestBed();
        var driver = new StartIoDriver(bed, cancellable: false);
        var first = bed.NewIrp(driver.Device, IrpMajorFunction.Write);
        var second = bed.NewIrp(driver.Device, IrpMajorFunction.Write);

        Assert.Equal(NtStatus.Pending, IoTestBed.Run(IoCallDriver(driver.Device, first)));
        Assert.Equal(NtStatus.Pending, IoTestBed.Run(IoCallDriver(driver.Device, second)));

        Assert.Equal([(first, Irql.DispatchLevel)], driver.Started);
        Assert.Same(first, driver.Device.CurrentIrp);
        Assert.Equal(1, driver.Device.DeviceQueue.Count);
        Assert.Equal(Irql.PassiveLevel, bed.Cpu.CurrentIrql);

        bed.Cpu.SwapIrql(Irql.DispatchLevel);
        IoTestBed.Run(driver.FinishCurrent(false));

        Assert.Equal([first, second], driver.Started.Select(s => s.Irp));
        Assert.Same(second, driver.Device.CurrentIrp);
        Assert.True(first.IsCompleted);
        IoTestBed.Run(driver.FinishCurrent(false));
        Assert.Null(driver.Device.CurrentIrp);
        Assert.False(driver.Device.DeviceQueue.Busy);
        Assert.Single(bed.Trace.Started, r => r.Kind == IoRoutineKind.StartIo && r.Irp == second);
    }

    [Fact]
    public void A_packet_cancelled_while_in_the_device_queue_is_removed_and_never_started()
    {
        using var bed = new IoTestBed();
        var driver = new StartIoDriver(bed, cancellable: true);
        var first = bed.NewIrp(driver.Device, IrpMajorFunction.Write);
        var second = bed.NewIrp(driver.Device, IrpMajorFunction.Write);
        IoTestBed.Run(IoCallDriver(driver.Device, first));
        IoTestBed.Run(IoCallDriver(driver.Device, second));

        Assert.True(IoTestBed.Run(IoCancelIrp(second)));
        Assert.False(IoTestBed.Run(IoCancelIrp(first)));

        Assert.Equal([second], driver.Cancelled);
        Assert.Equal(NtStatus.Cancelled, second.IoStatus.Status);
        Assert.Equal(0, driver.Device.DeviceQueue.Count);
        IoTestBed.Run(driver.FinishCurrent(true));
        Assert.Equal([first], driver.Started.Select(s => s.Irp));
        Assert.False(driver.Device.DeviceQueue.Busy);
    }

    [Fact]
    public void Device_timer_runs_once_per_tick_at_DISPATCH_LEVEL_only_while_started()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Ticker", _ => { });
        var device = bed.CreateDevice(driver);
        var runs = new List<Irql>();
        Assert.Equal(NtStatus.Success, IoInitializeTimer(device, (dev, ctx) =>
        {
            runs.Add(InlineIoProcessor.Current.CurrentIrql);
            return ValueTask.CompletedTask;
        }, null));

        IoTestBed.Run(bed.Io.IopTimerTick());
        IoStartTimer(device);
        IoTestBed.Run(bed.Io.IopTimerTick());
        IoTestBed.Run(bed.Io.IopTimerTick());
        IoStopTimer(device);
        IoTestBed.Run(bed.Io.IopTimerTick());

        Assert.Equal([Irql.DispatchLevel, Irql.DispatchLevel], runs);
        Assert.Equal(Irql.PassiveLevel, bed.Cpu.CurrentIrql);
    }
}

[Trait("Area", "IoManager")]
public sealed class TraceHookTests
{
    [Fact]
    public void Every_dispatch_and_completion_routine_emits_an_activity_with_processor_irql_driver_and_major_function()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IoTrace.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (activities) { activities.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);
        using var bed = new IoTestBed(observe: false);
        var driver = bed.LoadDriver("Traced", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        // The listener hears every I/O manager in the process (tests run in parallel, and IRP addresses
        // repeat across managers): a device name no other test uses picks out this test's routines.
        var device = bed.CreateDevice(driver, "\\Device\\TraceHookProbe");
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);
        IoSetCompletionRoutine(irp, TraceHookProbeCompletion, null, true, true, true);

        IoTestBed.Run(IoCallDriver(device, irp));

        List<Activity> mine;
        lock (activities)
        {
            mine = activities.Where(a => Equals(a.GetTagItem("ak.irp"), irp.Address)
                && (Equals(a.GetTagItem("ak.device"), device.Name) || a.DisplayName.Contains(nameof(TraceHookProbeCompletion), StringComparison.Ordinal))).ToList();
        }
        Assert.Equal(2, mine.Count);
        var dispatch = Assert.Single(mine, a => a.DisplayName.StartsWith("Dispatch", StringComparison.Ordinal));
        Assert.Equal(("traced.sys", "IRP_MJ_READ", 0, 0, "STATUS_SUCCESS (0x00000000)"),
            ((string?)dispatch.GetTagItem("ak.driver"), (string?)dispatch.GetTagItem("ak.major"), (int?)dispatch.GetTagItem("ak.processor"), (int?)dispatch.GetTagItem("ak.irql"), (string?)dispatch.GetTagItem("ak.status")));
        Assert.Single(mine, a => a.DisplayName.StartsWith("Completion", StringComparison.Ordinal));

        static ValueTask<NtStatus> TraceHookProbeCompletion(DeviceObject? device, Irp irp, object? context) => ValueTask.FromResult(NtStatus.Success);
    }
}

[Trait("Area", "IoManager")]
public sealed class TraceHookForProcessorRoutinesTests
{
    [Fact]
    public void An_ISR_or_DPC_reported_through_the_hook_is_charged_to_its_module_and_reaches_the_observer()
    {
        var observer = new RoutineRecorder();
        var module = new KernelModule("serial.sys");
        var dpc = new IoRoutineEvent(IoRoutineKind.Dpc, "SerialDpc", null, null, null, 0, 0, 1, Irql.DispatchLevel, module);

        var activity = IoTrace.RoutineStarted(dpc, observer);
        IoTrace.RoutineFinished(dpc, activity, observer, NtStatus.Success);

        Assert.Equal("serial.sys", dpc.ImageName);
        Assert.Equal("Dpc SerialDpc (serial.sys) on CPU 1 at DISPATCH_LEVEL", dpc.ToString());
        Assert.Equal([IoRoutineKind.Dpc], observer.Started.Select(s => s.Kind));
    }
}
