using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Hardware;

/// <summary>
/// The storage port's request timeout on its own read path: a controller that stops answering is
/// reset by the miniport's HwResetBus when the port's one-second timer finds the request past its
/// timeout; what the controller held fails with STATUS_IO_TIMEOUT (SRB_STATUS_BUS_RESET, no class
/// driver to retry it), and the controller answers again.
/// </summary>
[Trait("Area", "Hardware")]
[Collection("Storage")]
public sealed class StoragePortTimeoutTests
{
    [Fact]
    public void A_hung_controller_is_reset_by_HwResetBus_and_its_requests_fail_with_STATUS_IO_TIMEOUT_once_each()
    {
        using var bed = new StorageUserBed(processors: 2);
        bed.Adapter.RequestTimeoutSeconds = 2;
        bed.Image.WriteSectors(8, Enumerable.Repeat((byte)0xA5, 512).ToArray());
        const int Reads = 4;
        var results = new IoResult[Reads];
        IoResult after = default;
        var back = new byte[512];
        long hungAt = 0, failedAt = 0;
        bed.RunProcess(async process =>
        {
            var handle = await CreateFile(StorageUserBed.DiskName, GenericAccess.GenericRead, FileShareMode.Read | FileShareMode.Write,
                CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
            var buffer = process.VirtualAlloc(Reads * 4096);
            bed.Controller.InjectFault(BlockControllerFault.StopAnswering);
            hungAt = bed.Machine.NowNanoseconds;
            var overlapped = new Overlapped[Reads];
            for (var i = 0; i < Reads; i++)
            {
                overlapped[i] = new Overlapped { Offset = i * 512 };
                await ReadFile(handle, buffer + (ulong)(i * 4096), 512, overlapped[i]);
            }
            for (var i = 0; i < Reads; i++)
            {
                results[i] = await GetOverlappedResult(handle, overlapped[i], wait: true);
            }
            failedAt = bed.Machine.NowNanoseconds;
            var again = new Overlapped { Offset = 8 * 512 };
            await ReadFile(handle, buffer, 512, again);
            after = await GetOverlappedResult(handle, again, wait: true);
            process.ReadMemory(buffer, back);
            await CloseHandle(handle);
        });

        Assert.All(results, r => Assert.Equal((false, 0u, NtStatus.IoTimeout, Win32Error.SemTimeout), (r.Succeeded, r.BytesTransferred, r.Status, r.Error)));
        Assert.Equal(1, bed.Adapter.BusResets);
        Assert.Equal(1, bed.Miniport.BusResets);
        Assert.InRange(failedAt - hungAt, 1_000_000_000L, 3_000_000_000L);
        Assert.True(after.Succeeded, after.ToString());
        Assert.All(back, b => Assert.Equal(0xA5, b));
        // ScsiPort's event 9 in the System log, naming the adapter's device.
        var logged = Assert.Single(bed.Io.ErrorLog);
        Assert.Equal((IoErrorLogCode.Timeout, 9, NtStatus.IoTimeout, @"\Device\BlkDisk0"), (logged.Packet.ErrorCode, logged.EventId, logged.Packet.FinalStatus, logged.Device));
        Assert.Equal(@"The device, \Device\BlkDisk0, did not respond within the timeout period.", logged.Message);
        Assert.Equal(2u, logged.Packet.DumpData[0]); // the request's timeout, in seconds
        Assert.InRange(logged.TimeNanoseconds, hungAt, failedAt);
    }
}
