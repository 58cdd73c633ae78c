using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;
using ActorKernel.Drivers.Storage.Class;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Stacks;

/// <summary>
/// A controller that stops answering: the storage port's timer finds the request past its SRB
/// TimeOutValue, calls the miniport's HwResetBus, which resets the controller and completes what it
/// held with SRB_STATUS_BUS_RESET; disk.sys retries (ClassInterpretSenseInfo), up to MAXIMUM_RETRIES.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class DiskTimeoutTests
{
    private const string Lun = @"SCSI\Disk&Ven_AKSIM&Prod_BLOCKDISK&Rev_1000\0&0&000000";

    private static (DiskFdoExtension Disk, StorageAdapter Adapter) Stack(StorageStackBed bed, uint timeOutValue = 2)
    {
        var lunPdo = bed.Pnp.Node(Lun).PhysicalDeviceObject;
        var disk = lunPdo.AttachedDevice!.GetExtension<DiskFdoExtension>();
        var adapter = lunPdo.GetExtension<StorageLun>().Adapter;
        disk.TimeOutValue = timeOutValue; // seconds; the tests would otherwise wait classpnp's 10 per reset
        return (disk, adapter);
    }

    [Fact]
    public void A_read_the_controller_never_answers_is_reset_after_its_TimeOutValue_and_retried_to_success()
    {
        using var bed = new StorageStackBed();
        var (disk, adapter) = Stack(bed);
        var pattern = Enumerable.Range(0, 4096).Select(i => (byte)(i * 31 + 7)).ToArray();
        bed.Images[0].WriteSectors(2048, pattern);
        var back = new byte[4096];
        IoResult read = default;
        long started = 0, ended = 0;
        bed.RunUser(async process =>
        {
            var drive = await CreateFile(@"\\.\PhysicalDrive0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(4096);
            bed.Controllers[0].InjectFault(BlockControllerFault.StopAnswering);
            started = bed.Machine.NowNanoseconds;
            read = await ReadFile(drive, buffer, 4096, new Overlapped { Offset = 2048 * 512 });
            ended = bed.Machine.NowNanoseconds;
            process.ReadMemory(buffer, back);
            await CloseHandle(drive);
        });

        Assert.True(read.Succeeded, read.ToString());
        Assert.Equal(pattern, back);
        Assert.Equal(1, adapter.BusResets);
        Assert.Equal(1, disk.Retries);
        // The port's timer ticks once a second: a 2-second TimeOutValue runs out between 1 and 2 seconds after the request reached the controller.
        Assert.InRange(ended - started, 1_000_000_000L, 3_000_000_000L);
    }

    [Fact]
    public void A_controller_that_hangs_again_after_every_reset_fails_the_read_with_STATUS_IO_DEVICE_ERROR_after_MAXIMUM_RETRIES()
    {
        using var bed = new StorageStackBed();
        var (disk, adapter) = Stack(bed, timeOutValue: 1);
        IoResult failed = default, after = default;
        bed.RunUser(async process =>
        {
            var drive = await CreateFile(@"\\.\PhysicalDrive0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(4096);
            // Five resets to clear: the first send and its four retries each time out.
            bed.Controllers[0].InjectFault(BlockControllerFault.StopAnswering, DiskClass.MaximumRetries + 1);
            failed = await ReadFile(drive, buffer, 4096, new Overlapped { Offset = 0 });
            after = await ReadFile(drive, buffer, 4096, new Overlapped { Offset = 0 });
            await CloseHandle(drive);
        });

        Assert.False(failed.Succeeded);
        Assert.Equal(NtStatus.IoDeviceError, failed.Status); // SRB_STATUS_BUS_RESET in ClassInterpretSenseInfo
        Assert.Equal(0u, failed.BytesTransferred);
        Assert.Equal(DiskClass.MaximumRetries + 1, adapter.BusResets);
        Assert.Equal(DiskClass.MaximumRetries, disk.Retries);
        Assert.True(after.Succeeded, $"the fifth reset brought the controller back: {after}");
    }

    [Fact]
    public void Every_read_outstanding_at_a_hung_controller_completes_exactly_once_and_the_port_timer_stops_when_idle()
    {
        using var bed = new StorageStackBed();
        var (disk, adapter) = Stack(bed);
        const int Reads = 8;
        var results = new IoResult[Reads];
        long completedBefore = 0, packetsBefore = 0;
        bed.RunUser(async process =>
        {
            completedBefore = adapter.CompletedRequests;
            packetsBefore = disk.TransferPackets;
            var drive = await CreateFile(@"\\.\PhysicalDrive0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
            var buffer = process.VirtualAlloc(Reads * 4096);
            bed.Controllers[0].InjectFault(BlockControllerFault.StopAnswering);
            var overlapped = new Overlapped[Reads];
            for (var i = 0; i < Reads; i++)
            {
                overlapped[i] = new Overlapped { Offset = i * 4096 };
                await ReadFile(drive, buffer + (ulong)(i * 4096), 4096, overlapped[i]);
            }
            for (var i = 0; i < Reads; i++)
            {
                results[i] = await GetOverlappedResult(drive, overlapped[i], wait: true);
            }
            await CloseHandle(drive);
        });
        bed.Pnp.RunUntil(() => !adapter.Fdo!.Timer!.Started);

        Assert.All(results, r => Assert.True(r.Succeeded && r.BytesTransferred == 4096, r.ToString()));
        Assert.Equal(1, adapter.BusResets); // one reset ends every request the controller held
        Assert.Equal(Reads, disk.Retries);
        Assert.Equal(Reads + disk.Retries, disk.TransferPackets - packetsBefore);
        Assert.Equal(Reads + disk.Retries, adapter.CompletedRequests - completedBefore); // each SRB sent was completed once
    }
}
