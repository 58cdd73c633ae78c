using System.Text;
using ActorKernel.Actors;
using ActorKernel.Drivers.Notify;
using ActorKernel.Drivers.RamDisk;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.UserMode;

[Trait("Area", "UserMode")]
public sealed class SynchronousIoTests
{
    private static Task<Handle> OpenRamDisk(GenericAccess access = GenericAccess.GenericRead | GenericAccess.GenericWrite) =>
        CreateFile("\\\\.\\RamDisk0", access, FileShareMode.Read | FileShareMode.Write, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal).AsTask();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_synchronous_ReadFile_returns_the_bytes_the_driver_produced_through_filter_function_and_PDO(bool directIo)
    {
        using var bed = new UserModeBed(directIo: directIo);
        var image = bed.RamDiskFdo.GetExtension<RamDiskExtension>().Image;
        var expected = Encoding.ASCII.GetBytes("bytes the RAM disk holds at 8192");
        expected.CopyTo(image, 8192);
        var read = default(IoResult);
        var readBack = new byte[expected.Length];
        var threadIrql = Irql.HighLevel;

        bed.Run(async () =>
        {
            threadIrql = Wdm.KeGetCurrentIrql();
            var file = await OpenRamDisk();
            var buffer = bed.Process.VirtualAlloc(4096);
            read = await ReadFile(file, buffer + 100, (uint)expected.Length, new Overlapped { Offset = 8192 });
            bed.Process.ReadMemory(buffer + 100, readBack);
        });

        Assert.Equal(Irql.PassiveLevel, threadIrql);
        Assert.Equal(new IoResult(true, (uint)expected.Length, NtStatus.Success, Win32Error.Success), read);
        Assert.Equal(expected, readBack);
        var dispatches = bed.Trace.Started.Where(r => r.Kind == IoRoutineKind.Dispatch && r.MajorFunction == IrpMajorFunction.Read).Select(r => r.Driver!.ImageName);
        Assert.Equal(["cntfilt.sys", "ramdisk.sys"], dispatches);
    }

    [Fact]
    public void Synchronous_requests_without_an_offset_use_and_advance_the_files_current_byte_offset()
    {
        using var bed = new UserModeBed();
        var image = bed.RamDiskFdo.GetExtension<RamDiskExtension>().Image;
        var results = new List<IoResult>();

        bed.Run(async () =>
        {
            var file = await OpenRamDisk();
            var buffer = bed.Process.VirtualAlloc(4096);
            bed.Process.WriteMemory(buffer, "AAAABBBB"u8);
            results.Add(await WriteFile(file, buffer, 4));
            results.Add(await WriteFile(file, buffer + 4, 4));
            results.Add(await ReadFile(file, buffer, 4, new Overlapped { Offset = 2 }));
        });

        Assert.All(results, r => Assert.Equal((true, 4u), (r.Succeeded, r.BytesTransferred)));
        Assert.Equal("AAAABBBB"u8.ToArray(), image.AsSpan(0, 8).ToArray());
    }

    [Fact]
    public void A_synchronous_request_that_the_driver_pends_blocks_its_thread_until_completion_and_returns_the_final_status()
    {
        using var bed = new UserModeBed(processors: 2);
        IoResult wait = default, signal = default;
        ulong sequence = 0;
        long waitedUntil = 0, signalledAt = 0;

        bed.Process.CreateThread(0, "waiter", async () =>
        {
            var file = await CreateFile("\\\\.\\Notify", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var output = bed.Process.VirtualAlloc(4096);
            wait = await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, output, 8);
            bed.Log.Add("wait returned");
            waitedUntil = bed.Machine.NowNanoseconds;
            var bytes = new byte[8];
            bed.Process.ReadMemory(output, bytes);
            sequence = BitConverter.ToUInt64(bytes);
        });
        bed.Process.CreateThread(1, "signaller", async () =>
        {
            await Sleep(5);
            var file = await CreateFile("\\\\.\\Notify", GenericAccess.GenericWrite, FileShareMode.Write, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            signalledAt = bed.Machine.NowNanoseconds;
            bed.Log.Add("signal sent");
            signal = await DeviceIoControl(file, NotifyCodes.Signal, 0, 0, 0, 0);
        });
        bed.RunUntilIdle();

        Assert.Equal(new IoResult(true, 8, NtStatus.Success, Win32Error.Success), wait);
        Assert.Equal(1UL, sequence);
        Assert.True(signal.Succeeded);
        Assert.True(signalledAt >= 5_000_000 && waitedUntil >= signalledAt, $"the waiter resumed at {waitedUntil} ns, not after the signal at {signalledAt} ns");
        var order = bed.Log.Where(l => !l.Contains("CREATE", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            "dispatch IRP_MJ_DEVICE_CONTROL at PASSIVE_LEVEL", "signal sent", "dispatch IRP_MJ_DEVICE_CONTROL at PASSIVE_LEVEL",
            "complete IRP_MJ_DEVICE_CONTROL STATUS_SUCCESS", "complete IRP_MJ_DEVICE_CONTROL STATUS_SUCCESS", "wait returned",
        ], order);
    }

    [Fact]
    public void An_invalid_or_closed_handle_is_STATUS_INVALID_HANDLE_and_ERROR_INVALID_HANDLE()
    {
        using var bed = new UserModeBed();
        var results = new List<(bool, Win32Error, NtStatus)>();

        bed.Run(async () =>
        {
            var buffer = bed.Process.VirtualAlloc(4096);
            var read = await ReadFile(new Handle(0x1234), buffer, 16);
            results.Add((read.Succeeded, read.Error, read.Status));
            var file = await OpenRamDisk();
            results.Add((await CloseHandle(file), GetLastError(), GetLastNtStatus()));
            results.Add((await CloseHandle(file), GetLastError(), GetLastNtStatus()));
            var afterClose = await WriteFile(file, buffer, 16);
            results.Add((afterClose.Succeeded, afterClose.Error, afterClose.Status));
            results.Add((await CloseHandle(Handle.Invalid), GetLastError(), GetLastNtStatus()));
            var eventHandle = CreateEvent(true, false);
            var notAFile = await ReadFile(eventHandle, buffer, 16);
            results.Add((notAFile.Succeeded, notAFile.Error, notAFile.Status));
        });

        Assert.Equal(
        [
            (false, Win32Error.InvalidHandle, NtStatus.InvalidHandle),
            (true, Win32Error.Success, NtStatus.Success),
            (false, Win32Error.InvalidHandle, NtStatus.InvalidHandle),
            (false, Win32Error.InvalidHandle, NtStatus.InvalidHandle),
            (false, Win32Error.InvalidHandle, NtStatus.InvalidHandle),
            (false, Win32Error.InvalidHandle, NtStatus.ObjectTypeMismatch),
        ], results);
        Assert.Equal(6, (int)Win32Error.InvalidHandle);
        Assert.Equal(0xC0000008u, unchecked((uint)NtStatus.InvalidHandle));
    }

    [Fact]
    public void Writing_through_a_handle_opened_for_read_only_is_STATUS_ACCESS_DENIED_and_sends_no_IRP()
    {
        using var bed = new UserModeBed();
        IoResult write = default;

        bed.Run(async () =>
        {
            var file = await OpenRamDisk(GenericAccess.GenericRead);
            write = await WriteFile(file, bed.Process.VirtualAlloc(4096), 16);
        });

        Assert.Equal(new IoResult(false, 0, NtStatus.AccessDenied, Win32Error.AccessDenied), write);
        Assert.DoesNotContain(bed.Trace.Started, r => r.MajorFunction == IrpMajorFunction.Write);
    }

    [Fact]
    public void DeviceIoControl_with_a_too_small_output_buffer_returns_the_drivers_STATUS_BUFFER_TOO_SMALL_as_ERROR_INSUFFICIENT_BUFFER()
    {
        using var bed = new UserModeBed();
        IoResult result = default;
        (Win32Error, NtStatus) last = default;

        bed.Run(async () =>
        {
            var file = await CreateFile("\\\\.\\Notify", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            result = await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, bed.Process.VirtualAlloc(4096), 4);
            last = (GetLastError(), GetLastNtStatus());
        });

        Assert.Equal(new IoResult(false, 0, NtStatus.BufferTooSmall, Win32Error.InsufficientBuffer), result);
        Assert.Equal((Win32Error.InsufficientBuffer, NtStatus.BufferTooSmall), last);
        Assert.Equal((122, 0xC0000023u), ((int)last.Item1, (uint)last.Item2));
        Assert.Equal(0, bed.NotifyState.HeldCount);
    }

    [Fact]
    public void A_buffer_outside_the_processs_memory_fails_the_request_with_STATUS_ACCESS_VIOLATION_before_any_IRP()
    {
        using var bed = new UserModeBed();
        IoResult read = default;

        bed.Run(async () =>
        {
            var file = await OpenRamDisk();
            read = await ReadFile(file, 0x7000_0000, 512, new Overlapped { Offset = 0 });
        });

        Assert.Equal(new IoResult(false, 0, NtStatus.AccessViolation, Win32Error.NoAccess), read);
        Assert.DoesNotContain(bed.Trace.Started, r => r.MajorFunction == IrpMajorFunction.Read);
    }
}

[Trait("Area", "UserMode")]
public sealed class SharedSynchronousHandleTests
{
    [Fact]
    public void Threads_sharing_a_synchronous_handle_take_turns_so_each_waits_for_its_own_request()
    {
        using var bed = new UserModeBed(processors: 2);
        Handle shared = default;
        var returned = new List<(string Thread, ulong Sequence)>();
        var signals = 0;

        async Task Waiter(string name)
        {
            while (!shared.IsValid)
            {
                await SleepNanoseconds(10_000);
            }
            var output = bed.Process.VirtualAlloc(4096);
            var result = await DeviceIoControl(shared, NotifyCodes.Wait, 0, 0, output, 8);
            Assert.True(result.Succeeded);
            var bytes = new byte[8];
            bed.Process.ReadMemory(output, bytes);
            returned.Add((name, BitConverter.ToUInt64(bytes)));
        }

        bed.Process.CreateThread(0, "opener", async () =>
        {
            shared = await CreateFile("\\\\.\\Notify", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
        });
        bed.Process.CreateThread(0, "a", () => new ValueTask(Waiter("a")));
        bed.Process.CreateThread(1, "b", () => new ValueTask(Waiter("b")));
        bed.Process.CreateThread(1, "signaller", async () =>
        {
            var file = await CreateFile("\\\\.\\Notify", GenericAccess.GenericWrite, FileShareMode.Write, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
            for (var i = 0; i < 2; i++)
            {
                await Sleep(1);
                signals++;
                bed.Log.Add($"signal {signals}: {returned.Count} returned before");
                await DeviceIoControl(file, NotifyCodes.Signal, 0, 0, 0, 0, new Overlapped());
            }
            await Sleep(1);
            bed.Log.Add($"signal end: {returned.Count} returned before");
        });
        bed.RunUntilIdle();

        // Without the file object's lock both waits would be with the driver and the first signal would release both.
        Assert.Equal(["signal 1: 0 returned before", "signal 2: 1 returned before", "signal end: 2 returned before"], bed.Log.Where(l => l.StartsWith("signal", StringComparison.Ordinal)));
        Assert.Equal([1UL, 2UL], returned.Select(r => r.Sequence));
    }
}
