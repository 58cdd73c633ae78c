using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using ActorKernel.Drivers.Notify;
using static ActorKernel.Actors.Kernel32;
using static ActorKernel.Actors.Wdm;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.UserMode;

[Trait("Area", "UserMode")]
public sealed class CloseHandleTests
{
    [Fact]
    public void CloseHandle_with_queued_IRPs_sends_CLEANUP_the_driver_cancels_them_and_CLOSE_follows_the_last_completion_before_CloseHandle_returns()
    {
        using var bed = new UserModeBed();
        var overlappeds = Enumerable.Range(0, 3).Select(_ => new Overlapped()).ToList();
        var packets = new List<QueuedCompletion>();
        bool closed = false;

        bed.Run(async () =>
        {
            var file = await OverlappedIoTests.OpenNotify();
            var port = await CreateIoCompletionPort(file, Handle.Null, 9, 0);
            var output = bed.Process.VirtualAlloc(4096);
            foreach (var overlapped in overlappeds)
            {
                Assert.True((await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, output, 8, overlapped)).IsPending);
            }
            bed.Log.Add("CloseHandle");
            closed = await CloseHandle(file);
            bed.Log.Add("CloseHandle returned");
            for (var i = 0; i < 3; i++)
            {
                packets.Add(await GetQueuedCompletionStatus(port, 0));
            }
        });

        Assert.True(closed);
        Assert.Equal(
        [
            "dispatch IRP_MJ_CREATE at PASSIVE_LEVEL", "complete IRP_MJ_CREATE STATUS_SUCCESS",
            "dispatch IRP_MJ_DEVICE_CONTROL at PASSIVE_LEVEL", "dispatch IRP_MJ_DEVICE_CONTROL at PASSIVE_LEVEL", "dispatch IRP_MJ_DEVICE_CONTROL at PASSIVE_LEVEL",
            "CloseHandle",
            "dispatch IRP_MJ_CLEANUP at PASSIVE_LEVEL",
            "complete IRP_MJ_DEVICE_CONTROL STATUS_CANCELLED", "complete IRP_MJ_DEVICE_CONTROL STATUS_CANCELLED", "complete IRP_MJ_DEVICE_CONTROL STATUS_CANCELLED",
            "complete IRP_MJ_CLEANUP STATUS_SUCCESS",
            // No request of the file is left: the handle's reference was the last, and CLOSE goes now, in the closing thread.
            "dispatch IRP_MJ_CLOSE at PASSIVE_LEVEL", "complete IRP_MJ_CLOSE STATUS_SUCCESS",
            "CloseHandle returned",
        ], bed.Log);
        Assert.All(overlappeds, o => Assert.Equal(NtStatus.Cancelled, o.Internal));
        Assert.All(packets, p => Assert.Equal((false, 9UL, NtStatus.Cancelled, Win32Error.OperationAborted), (p.Succeeded, p.CompletionKey, p.Status, p.Error)));
        Assert.Equal(overlappeds, packets.Select(p => p.Overlapped));
        Assert.Equal(0, bed.NotifyDevice.OpenCount);
        Assert.Equal(1, bed.Process.HandleCount); // the port's handle remains
        var close = Assert.Single(bed.Trace.Started, r => r.MajorFunction == IrpMajorFunction.Close && r.Kind == IoRoutineKind.Dispatch && r.Driver!.ImageName == "recflt.sys");
        Assert.Equal(Irql.PassiveLevel, close.Irql);
    }

    [Fact]
    public void CLOSE_waits_for_a_request_the_driver_still_holds_after_CLEANUP_and_is_sent_at_PASSIVE_LEVEL_when_a_DPC_completes_it()
    {
        using var bed = new UserModeBed();
        var log = bed.Log;
        Irp? held = null;
        var closeThreads = new List<string>();
        IoTestBed.Run(bed.Io.LoadDriverAsync("Lazy", "lazy.sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = Complete;
            d.MajorFunction[(int)IrpMajorFunction.Cleanup] = async (dev, irp) =>
            {
                log.Add("CLEANUP (the driver keeps its read)");
                return await Complete(dev, irp);
            };
            d.MajorFunction[(int)IrpMajorFunction.Close] = async (dev, irp) =>
            {
                log.Add($"CLOSE at {KeGetCurrentIrql().ToDisplayString()} in {KeGetCurrentThread()?.Name}");
                return await Complete(dev, irp);
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
            {
                IoMarkIrpPending(irp);
                held = irp;
                return ValueTask.FromResult(NtStatus.Pending);
            };
            IoCreateDevice(d, null, "\\Device\\Lazy0", DeviceType.Unknown, 0, false, out var device);
            device!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            return ValueTask.FromResult(NtStatus.Success);
        }));
        var overlapped = new Overlapped();

        bed.Run(async () =>
        {
            var file = await CreateFile("\\Device\\Lazy0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
            Assert.True((await ReadFile(file, bed.Process.VirtualAlloc(4096), 16, overlapped)).IsPending);
            Assert.True(await CloseHandle(file));
            log.Add("CloseHandle returned");
        });
        var device = bed.Io.Objects.Lookup<DeviceObject>("\\Device\\Lazy0", out var lazy) == NtStatus.Success ? lazy! : throw new InvalidOperationException();
        Assert.Equal(1, device.OpenCount);
        log.Add("a DPC completes the held read");
        bed.Machine.RunRoutine(0, KernelModule.Kernel, "LazyDpc", async () =>
        {
            held!.IoStatus.Status = NtStatus.Success;
            held.IoStatus.Information = 16;
            await IoCompleteRequest(held, PriorityBoost.IoNoIncrement);
        }, Irql.DispatchLevel);
        bed.RunUntilIdle();

        Assert.Equal(
        [
            "CLEANUP (the driver keeps its read)",
            "CloseHandle returned",
            "a DPC completes the held read",
            "CLOSE at PASSIVE_LEVEL in ExpWorkerThread",
        ], log);
        Assert.Equal((NtStatus.Success, 16UL), (overlapped.Internal, overlapped.InternalHigh));
        Assert.Equal(0, device.OpenCount);
    }

    [Fact]
    public void ExitProcess_closes_every_handle_so_each_file_gets_CLEANUP_and_CLOSE()
    {
        using var bed = new UserModeBed();
        var held = new Overlapped();

        bed.Run(async () =>
        {
            var notify = await OverlappedIoTests.OpenNotify();
            var disk = await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            _ = CreateEvent(true, false);
            _ = await CreateIoCompletionPort(Handle.Invalid, Handle.Null, 0, 0);
            Assert.True((await DeviceIoControl(notify, NotifyCodes.Wait, 0, 0, bed.Process.VirtualAlloc(4096), 8, held)).IsPending);
            Assert.Equal(4, bed.Process.HandleCount);
            await ExitProcess(3);
        });

        Assert.Equal(0, bed.Process.HandleCount);
        Assert.Equal(3u, bed.Process.ExitCode);
        Assert.Equal(NtStatus.Cancelled, held.Internal);
        Assert.Equal((0, 0), (bed.NotifyDevice.OpenCount, bed.RamDiskFdo.OpenCount));
        Assert.Equal(
        [
            "dispatch IRP_MJ_CLEANUP at PASSIVE_LEVEL", "complete IRP_MJ_DEVICE_CONTROL STATUS_CANCELLED", "complete IRP_MJ_CLEANUP STATUS_SUCCESS",
            "dispatch IRP_MJ_CLOSE at PASSIVE_LEVEL", "complete IRP_MJ_CLOSE STATUS_SUCCESS",
        ], bed.Log.SkipWhile(l => !l.Contains("CLEANUP", StringComparison.Ordinal)));
    }

    private static async ValueTask<NtStatus> Complete(DeviceObject device, Irp irp)
    {
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }
}
