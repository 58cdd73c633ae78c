using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Storage;
using ActorKernel.Drivers.Zoo;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Kernel32;
using IoMgr = ActorKernel.Actors.IoManager;
using Overlapped = ActorKernel.Actors.Overlapped;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Verifier;

/// <summary>
/// The explorer's device and thread faults: a device timeout and a surprise removal injected at a
/// driver's register write through the block controller's own fault hooks, and a requester thread
/// exiting with its I/O outstanding (PspExitThread's IoCancelThreadIo). Each is a decision of the
/// strategy, recorded in the fault trace and replayed byte for byte.
/// </summary>
[Trait("Area", "Verifier")]
public sealed class ExplorerFaultTests
{
    private const int Line = 11;

    /// <summary>
    /// The interrupt-driven disk stack (block controller on PCI, blkmini.sys over the storage port),
    /// built through the run; a user thread reads four sectors one after the other.
    /// </summary>
    private static readonly ExplorerScenario DiskReads = new("test.disk-reads", run =>
    {
        var machine = run.CreateMachine(new MachineOptions
        {
            Name = "disk", Processors = 2, ClockIntervalNs = 0, SystemWorkerThreads = 0,
            InterruptLines = [new InterruptLineConfig(Line, 0x7B, 8, Trigger: InterruptTrigger.Level)],
        });
        var io = run.AttachIo(new IoMgr());
        var controller = new BlockController(BlockControllerOptions.NoLatency, new MemoryDiskImage(64), machine.Hal.Platform.Memory, machine.CreateInterruptPin(Line));
        controller.Attach(machine.System, "disk0");
        var placed = machine.Hal.Platform.PlacePciDevice("disk0",
            new PciDeviceDefinition(0x1234, 0xB10C, 0x01, 0x80, 0x00, [new PciBarDefinition(PciBarKind.Memory32, controller)]), Line);
        var bus = io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry).Result.Driver!;
        var pdo = RootBus.CreatePdo(bus, "BlkPdo0");
        var miniport = io.LoadDriverAsync(BlkMiniport.ServiceName, BlkMiniport.ImageName, BlkMiniport.DriverEntry).Result.Driver!;
        _ = miniport.DriverExtension.AddDevice!(miniport, pdo);
        machine.Start();
        var started = NtStatus.Pending;
        machine.CreateSystemThread(0, KernelModule.Kernel, "PnpStart", async _ => started = await io.IopStartDevice(pdo, placed));
        if (!run.RunUntil(() => started != NtStatus.Pending, TimeSpan.FromMilliseconds(50), "the disk's start"))
        {
            return;
        }
        ExplorationRun.Assert(started == NtStatus.Success, $"the disk started with {started}");
        // From here the strategy may fail the controller at each register write of its driver.
        run.AttachDevice(controller);
        var reads = 0;
        var process = UserProcess.Create(machine, io, "disk.exe");
        process.CreateThread(1, "reader", async () =>
        {
            var handle = await CreateFile("\\\\.\\BlkDisk0", GenericAccess.GenericRead, FileShareMode.Read | FileShareMode.Write,
                CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(4096);
            for (var i = 0; i < 4; i++)
            {
                var result = await ReadFile(handle, buffer, 512, new Overlapped { Offset = 512 * i });
                ExplorationRun.Assert(result.Succeeded, $"read {i}: {result.Status}");
                reads++;
            }
            await CloseHandle(handle);
            reads++;
        });
        run.RunUntil(() => reads == 5, TimeSpan.FromMilliseconds(50), "the four disk reads");
    });

    private static ExplorerOptions Options(params KiFault[] faults) => new()
    {
        Seed = 5, Schedules = 60, Faults = faults.ToHashSet(), FaultProbability = 0.2,
    };

    [Fact]
    public void The_disk_reads_run_clean_without_device_faults()
    {
        var report = Explorer.Explore(DiskReads, Options() with { Schedules = 20 });

        Assert.True(report.Failure is null, report.Failure?.Failure?.Message);
        Assert.Equal(20, report.SchedulesRun);
    }

    [Theory]
    [InlineData(KiFault.DeviceTimeout)]
    [InlineData(KiFault.SurpriseRemoval)]
    public void A_device_fault_is_injected_at_a_register_write_recorded_and_replayed_byte_for_byte(KiFault fault)
    {
        var directory = Directory.CreateTempSubdirectory("explorer-faults").FullName;
        try
        {
            var report = Explorer.Explore(DiskReads, Options(fault) with { ReplayDirectory = directory });

            // The storage port has no request timeout: a read the controller never completes waits forever.
            Assert.Equal(ExplorationStop.Failure, report.Stop);
            Assert.Equal(FailureKind.Hang, report.Failure!.Failure!.Kind);
            Assert.Contains("the four disk reads", report.Failure.Failure.Message, StringComparison.Ordinal);
            var injected = Assert.Single(report.Failure.Faults, f => f.Injected);
            Assert.Equal(fault, injected.Fault);
            var file = ReplayFile.Load(report.ReplayPath!);
            Assert.Contains(file.Faults, f => f.Injected && f.Fault == fault);
            var replay = Explorer.Replay(DiskReads, file);
            Assert.True(replay.Reproduced, $"replay: failure {replay.SameFailure}, event log {replay.SameEventLog}, crash dump {replay.SameCrashDump}, diverged {replay.Diverged}");
            Assert.Equal(file.CrashDump, replay.Outcome.CrashDumpJson);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_replayed_fault_trace_decides_the_fault_and_without_it_the_same_schedule_runs_clean()
    {
        var report = Explorer.Explore(DiskReads, Options(KiFault.SurpriseRemoval) with { Shrink = false });
        var file = Explorer.ToReplayFile(DiskReads.Name, report.Options, report.Failure!);
        var withoutFault = file with { Faults = [.. file.Faults.Select(f => f with { Injected = false })] };

        var replay = Explorer.Replay(DiskReads, withoutFault);

        Assert.Null(replay.Outcome.Failure);
    }

    /// <summary>
    /// A reader on the queue-ignores-cancel driver whose read a feeder completes 2 ms later; at the
    /// fault point the reader may exit instead of waiting (an exiting thread with its read outstanding).
    /// </summary>
    private static ExplorerScenario ReaderMayExit(bool fixedTwin) => new("test.reader-may-exit" + (fixedTwin ? ".fixed" : string.Empty), run =>
    {
        var bed = ZooBed.Create(run);
        var driver = bed.Load("ZooQueueIgnoresCancel", QueueIgnoresCancelDriver.Entry(fixedTwin));
        var ext = driver.DeviceObjects[0].GetExtension<ZooReadQueue>();
        var reader = bed.Machine.CreateSystemThread(0, ZooBed.Requester, "Reader", async _ =>
        {
            var (_, file) = await NtCreateFile(bed.Io, QueueIgnoresCancelDriver.DeviceName, KProcessorMode.KernelMode,
                FileAccessMask.FileReadData, FileShareMode.Read, FileCreateOptions.None);
            var done = new KEvent();
            KeInitializeEvent(done, EventType.NotificationEvent, false);
            var iosb = new IoStatusBlock();
            var status = await NtReadFile(file!, done, null, iosb, new UserBuffer(0x10000, new byte[16]), 16, 0);
            if (status == NtStatus.Pending && run.Fault(KiFault.ThreadExit))
            {
                return; // exits with the read outstanding: PspExitThread cancels it and waits for it
            }
            await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        });
        bed.Thread(1, "Feeder", async () =>
        {
            await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -2 * 10_000);
            var old = await KeAcquireSpinLock(ext.QueueLock);
            var data = ext.Queue.Find(irp => !fixedTwin || IoSetCancelRoutine(irp, null) is not null);
            if (data is not null)
            {
                ext.Queue.Remove(data);
            }
            await KeReleaseSpinLock(ext.QueueLock, old);
            if (data is not null)
            {
                data.IoStatus.Status = NtStatus.Success;
                await IoCompleteRequest(data, PriorityBoost.IoNoIncrement);
            }
        });
        bed.RunUntil(() => reader.State == KThreadState.Terminated, "the reader thread's exit", milliseconds: 20);
    });

    [Fact]
    public void A_thread_exit_with_the_read_outstanding_exposes_the_queue_that_ignores_cancel_and_replays()
    {
        var options = new ExplorerOptions { Seed = 1, Schedules = 40, Faults = new HashSet<KiFault> { KiFault.ThreadExit }, FaultProbability = 0.5 };

        var report = Explorer.Explore(ReaderMayExit(fixedTwin: false), options);

        Assert.Equal(ExplorationStop.Failure, report.Stop);
        Assert.Equal(FailureKind.Hang, report.Failure!.Failure!.Kind);
        Assert.Contains(report.Failure.Faults, f => f.Injected && f.Fault == KiFault.ThreadExit);
        Assert.Contains("the reader thread's exit", report.Failure.Failure.Message, StringComparison.Ordinal);
        var replay = Explorer.Replay(ReaderMayExit(false), Explorer.ToReplayFile(report.Scenario, options, report.Failure));
        Assert.True(replay.Reproduced);
    }

    [Fact]
    public void The_same_reader_without_the_thread_exit_fault_runs_clean_and_the_fixed_queue_survives_it()
    {
        var options = new ExplorerOptions { Seed = 1, Schedules = 40, FaultProbability = 0.5 };

        var withoutFault = Explorer.Explore(ReaderMayExit(fixedTwin: false), options);
        var fixedTwin = Explorer.Explore(ReaderMayExit(fixedTwin: true), options with { Faults = new HashSet<KiFault> { KiFault.ThreadExit } });

        Assert.True(withoutFault.Failure is null, withoutFault.Failure?.Failure?.Message);
        Assert.True(fixedTwin.Failure is null, fixedTwin.Failure?.Failure?.Message);
    }
}
