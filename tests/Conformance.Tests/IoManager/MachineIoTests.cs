using System.Text;
using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.RamDisk;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.IoManager;

[Trait("Area", "IoManager")]
public sealed class MachineIoTests
{
    [Fact]
    public void On_a_machine_a_started_device_timer_runs_once_per_simulated_second_at_DISPATCH_LEVEL_until_stopped()
    {
        using var stack = new SampleStack(directIo: false);
        var ticks = new List<(long Ns, Irql Irql)>();
        Assert.Equal(NtStatus.Success, IoInitializeTimer(stack.Fdo, (device, context) =>
        {
            ticks.Add((stack.Machine.NowNanoseconds, KeGetCurrentIrql()));
            if (ticks.Count == 3)
            {
                IoStopTimer(device);
            }
            return ValueTask.CompletedTask;
        }, null));

        stack.RunThread(() =>
        {
            IoStartTimer(stack.Fdo);
            return ValueTask.CompletedTask;
        });

        Assert.Equal(3, ticks.Count);
        Assert.All(ticks, t => Assert.Equal(Irql.DispatchLevel, t.Irql));
        Assert.Equal([1L, 2L, 3L], ticks.Select(t => t.Ns / 1_000_000_000));
        Assert.Equal(3, stack.Fdo.Timer!.Ticks);
    }

    [Fact]
    public void The_same_seed_gives_the_same_trace_of_routines_and_the_same_virtual_time()
    {
        static (List<string> Lines, long Now) RunOnce()
        {
            using var stack = new SampleStack(directIo: true, processors: 2, seed: 11);
            stack.RunThread(async () =>
            {
                var (_, file) = await NtCreateFile(stack.Io, "\\Device\\RamDisk0", KProcessorMode.KernelMode, true, true);
                for (var i = 0; i < 5; i++)
                {
                    var data = new byte[256];
                    Array.Fill(data, (byte)i);
                    await NtWriteFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, data), 256, i * 512);
                    await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x20000, new byte[256]), 256, i * 512);
                }
            });
            return (stack.Trace.Lines, stack.Machine.NowNanoseconds);
        }

        var first = RunOnce();
        var second = RunOnce();

        Assert.Equal(first.Lines, second.Lines);
        Assert.Equal(first.Now, second.Now);
        Assert.True(first.Now > 0, "I/O services charge simulated time");
    }
}

[Trait("Area", "IoManager")]
public sealed class ConcurrentIoTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Four_processors_running_in_parallel_move_their_own_data_through_the_same_stack_and_the_devices_count_each_request_once(bool directIo)
    {
        const int Processors = 4;
        const int Rounds = 100;
        using var stack = new SampleStack(directIo, Processors, dispatcher: DispatcherKind.Concurrent);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var done = new CountdownEvent(Processors);
        for (var cpu = 0; cpu < Processors; cpu++)
        {
            var me = cpu;
            stack.Machine.RunRoutine(cpu, SampleStack.Caller, "Sender", async () =>
            {
                try
                {
                    var (_, file) = await NtCreateFile(stack.Io, "\\??\\RamDisk0", KProcessorMode.KernelMode, true, true);
                    for (var i = 0; i < Rounds; i++)
                    {
                        var data = new byte[256];
                        Array.Fill(data, (byte)(me * 16 + (i % 16)));
                        var back = new byte[256];
                        var offset = (me * 8 + (i % 8)) * 512;
                        var write = await NtWriteFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, data), 256, offset);
                        var read = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x20000, back), 256, offset);
                        if (write != NtStatus.Success || read != NtStatus.Success || !back.AsSpan().SequenceEqual(data))
                        {
                            failures.Enqueue($"cpu {me} round {i}: {write} {read}");
                        }
                    }
                    await NtClose(file!);
                }
                finally
                {
                    done.Signal();
                }
            });
        }

        Assert.True(done.Wait(TimeSpan.FromSeconds(60)), "the processors did not finish");
        Assert.False(stack.Machine.IsBugChecked, stack.Machine.CrashDump?.Analysis);
        Assert.Empty(failures);
        Assert.Equal(Processors * Rounds, stack.FilterState.RequestCount(IrpMajorFunction.Read));
        Assert.Equal(Processors * Rounds, stack.FilterState.RequestCount(IrpMajorFunction.Write));
        Assert.Equal(Processors * Rounds * 256L, stack.FilterState.BytesRead);
        Assert.Equal(0, stack.Fdo.OpenCount);
        Assert.Empty(stack.Io.GetStuckRequests());

        // The device objects count hop arrivals and completion passes per processor (no shared counter
        // between cores): the totals their actors report are still exact.
        var filter = await stack.Filter.Actor!.Ask<DeviceStatistics>(GetDeviceStatistics.Instance, TimeSpan.FromSeconds(30));
        var disk = await stack.Fdo.Actor!.Ask<DeviceStatistics>(GetDeviceStatistics.Instance, TimeSpan.FromSeconds(30));
        foreach (var stats in new[] { filter, disk })
        {
            var arrived = stats.Arrived.ToDictionary(p => p.Key, p => p.Value);
            Assert.Equal(Processors * Rounds, arrived["IRP_MJ_READ"]);
            Assert.Equal(Processors * Rounds, arrived["IRP_MJ_WRITE"]);
            Assert.Equal(Processors, arrived["IRP_MJ_CREATE"]);
        }
        // Only reads get the filter's own location (a completion routine); every IRP at the disk completes through it.
        Assert.Equal(Processors * Rounds, filter.Passed);
        Assert.Equal(disk.Arrived.Sum(p => p.Value), disk.Passed);
    }
}

[Trait("Area", "IoManager")]
public sealed class MachineCancelTests
{
    [Fact]
    public void A_thread_waiting_on_a_read_is_woken_with_STATUS_CANCELLED_when_another_processor_cancels_it()
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 2, Seed = 3, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        var io = new IoMgr();
        io.AttachTo(machine);
        Irp? held = null;
        var cancelIrqls = new List<Irql>();
        IoCancelRoutine cancel = async (device, irp) =>
        {
            cancelIrqls.Add(KeGetCurrentIrql());
            IoReleaseCancelSpinLock(irp.CancelIrql);
            irp.IoStatus.Status = NtStatus.Cancelled;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        };
        var driver = IoTestBed.Run(io.LoadDriverAsync("Holder", "holder.sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = async (dev, irp) =>
            {
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
            {
                IoMarkIrpPending(irp);
                IoSetCancelRoutine(irp, cancel);
                held = irp;
                return ValueTask.FromResult(NtStatus.Pending);
            };
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
        Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, "\\Device\\Holder0", DeviceType.Unknown, 0, false, out var holder));
        holder!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        NtStatus readStatus = default;
        bool? cancelled = null;

        machine.RunRoutine(0, SampleStack.Caller, "Reader", async () =>
        {
            var (_, file) = await NtCreateFile(io, "\\Device\\Holder0", KProcessorMode.KernelMode, true, false);
            readStatus = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
        });
        machine.RunRoutine(1, SampleStack.Caller, "Canceller", async () =>
        {
            while (held is null)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000);
            }
            cancelled = await IoCancelIrp(held);
        });
        machine.System.Deterministic!.RunUntilQuiescent(10_000_000);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.True(cancelled);
        Assert.Equal(NtStatus.Cancelled, readStatus);
        Assert.Equal([Irql.DispatchLevel], cancelIrqls);
        Assert.Equal(1, io.CancelSpinLock.Acquisitions);
        Assert.False(io.CancelSpinLockHeld);
    }
}

[Trait("Area", "IoManager")]
public sealed class ThreadIoTests
{
    [Fact]
    public void IoCancelThreadIo_cancels_the_pending_requests_of_that_thread_only()
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 2, Seed = 5, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        var io = new IoMgr();
        io.AttachTo(machine);
        var held = new List<Irp>();
        IoCancelRoutine cancel = async (device, irp) =>
        {
            IoReleaseCancelSpinLock(irp.CancelIrql);
            irp.IoStatus.Status = NtStatus.Cancelled;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        };
        var driver = IoTestBed.Run(io.LoadDriverAsync("Holder", "holder.sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = async (dev, irp) =>
            {
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
            {
                IoMarkIrpPending(irp);
                IoSetCancelRoutine(irp, cancel);
                held.Add(irp);
                return ValueTask.FromResult(NtStatus.Pending);
            };
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
        IoCreateDevice(driver, null, "\\Device\\Holder0", DeviceType.Unknown, 0, false, out var holder);
        holder!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        KThread? exiting = null;
        NtStatus exitingRead = default;
        var otherRead = new NtStatus?();
        int? cancelledCount = null;

        machine.RunRoutine(0, SampleStack.Caller, "Exiting", async () =>
        {
            exiting = KeGetCurrentThread();
            var (_, file) = await NtCreateFile(io, "\\Device\\Holder0", KProcessorMode.KernelMode, true, false);
            exitingRead = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[8]), 8, 0);
        });
        machine.RunRoutine(1, SampleStack.Caller, "Staying", async () =>
        {
            var (_, file) = await NtCreateFile(io, "\\Device\\Holder0", KProcessorMode.KernelMode, true, false);
            otherRead = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x20000, new byte[8]), 8, 0);
        });
        machine.RunRoutine(1, SampleStack.Caller, "Reaper", async () =>
        {
            while (held.Count < 2)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000);
            }
            cancelledCount = await io.IoCancelThreadIo(exiting!);
        });
        machine.System.Deterministic!.RunUntilQuiescent(10_000_000);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(1, cancelledCount);
        Assert.Equal(NtStatus.Cancelled, exitingRead);
        Assert.Null(otherRead);
        var stuck = Assert.Single(io.GetStuckRequests());
        Assert.False(stuck.Finished);
        Assert.Same(held.Single(i => !i.Cancel), stuck.Irp);
    }
}

[Trait("Area", "IoManager")]
public sealed class DeviceActorTests
{
    [Fact]
    public async Task Each_device_objects_actor_is_told_of_the_irps_delivered_to_it_and_the_completions_passing_it_without_being_enabled()
    {
        using var stack = new SampleStack(directIo: false);

        stack.RunThread(async () =>
        {
            var (_, file) = await NtCreateFile(stack.Io, "\\Device\\RamDisk0", KProcessorMode.KernelMode, true, true);
            for (var i = 0; i < 3; i++)
            {
                await NtWriteFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
                await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x20000, new byte[16]), 16, 0);
            }
        });
        var filterStats = stack.Filter.Actor!.Ask<DeviceStatistics>(GetDeviceStatistics.Instance, TimeSpan.FromSeconds(5));
        var diskStats = stack.Fdo.Actor!.Ask<DeviceStatistics>(GetDeviceStatistics.Instance, TimeSpan.FromSeconds(5));
        stack.Machine.System.Deterministic!.RunUntilQuiescent(1_000_000);

        Assert.True(filterStats.IsCompletedSuccessfully && diskStats.IsCompletedSuccessfully);
        var filter = await filterStats;
        var disk = await diskStats;
        Assert.Equal([("IRP_MJ_CREATE", 1L), ("IRP_MJ_READ", 3L), ("IRP_MJ_WRITE", 3L)], filter.Arrived.Select(p => (p.Key, p.Value)));
        Assert.Equal([("IRP_MJ_CREATE", 1L), ("IRP_MJ_READ", 3L), ("IRP_MJ_WRITE", 3L)], disk.Arrived.Select(p => (p.Key, p.Value)));
        // Reads get the filter's own location (copied down with a completion routine); writes and creates are skipped down.
        Assert.Equal(3, filter.Passed);
        Assert.Equal(7, disk.Passed);
        Assert.Equal("\\Device\\RamDisk0", disk.Device);
    }
}
