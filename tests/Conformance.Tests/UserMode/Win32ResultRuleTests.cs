using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>
/// kernel32's reading of NTSTATUS (NT_SUCCESS, not "not an error"): warnings are FALSE with their error
/// and the bytes; a synchronous read at end of file is TRUE with 0 bytes; GetOverlappedResult always
/// gives InternalHigh. The device is <see cref="StatusDevice"/>.
/// </summary>
[Trait("Area", "UserMode")]
public sealed class Win32ResultRuleTests
{
    private static ValueTask<Handle> OpenStatus(bool overlapped) =>
        CreateFile("\\\\.\\Status", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting,
            overlapped ? FileFlagsAndAttributes.Overlapped : FileFlagsAndAttributes.Normal);

    [Fact]
    public void Synchronous_ReadFile_at_end_of_file_returns_TRUE_with_0_bytes_and_an_overlapped_one_FALSE_with_ERROR_HANDLE_EOF()
    {
        using var bed = new UserModeBed();
        StatusDevice.Create(bed.Io, bed.Log);
        IoResult inside = default, atEnd = default, overlappedAtEnd = default;
        var overlapped = new Overlapped { Offset = StatusDevice.MediumSize };
        bed.Run(async () =>
        {
            var buffer = bed.Process.VirtualAlloc(4096);
            var sync = await OpenStatus(overlapped: false);
            inside = await ReadFile(sync, buffer, 4096);   // the whole medium: the current offset moves to its end
            atEnd = await ReadFile(sync, buffer, 512);
            var async = await OpenStatus(overlapped: true);
            overlappedAtEnd = await ReadFile(async, buffer, 512, overlapped);
        });

        Assert.Equal(new IoResult(true, 4096, NtStatus.Success, Win32Error.Success), inside);
        Assert.Equal(new IoResult(true, 0, NtStatus.EndOfFile, Win32Error.Success), atEnd);
        Assert.Equal(new IoResult(false, 0, NtStatus.EndOfFile, Win32Error.HandleEof), overlappedAtEnd);
        Assert.Equal(38, (int)overlappedAtEnd.Error);
        // It failed without pending: the status block was not written.
        Assert.Equal(NtStatus.Pending, overlapped.Internal);
    }

    [Fact]
    public void A_warning_status_STATUS_BUFFER_OVERFLOW_is_FALSE_with_ERROR_MORE_DATA_and_the_bytes_on_synchronous_and_overlapped_handles()
    {
        using var bed = new UserModeBed();
        StatusDevice.Create(bed.Io, bed.Log);
        IoResult sync = default, inline = default, inlineResult = default, pended = default, pendedResult = default;
        var inlineOverlapped = new Overlapped();
        var pendedOverlapped = new Overlapped();
        bed.Run(async () =>
        {
            var output = bed.Process.VirtualAlloc(4096);
            var syncHandle = await OpenStatus(overlapped: false);
            sync = await DeviceIoControl(syncHandle, StatusDevice.Overflow, 0, 0, output, 64);
            var asyncHandle = await OpenStatus(overlapped: true);
            inlineOverlapped.Event = CreateEvent(true, false);
            inline = await DeviceIoControl(asyncHandle, StatusDevice.Overflow, 0, 0, output, 64, inlineOverlapped);
            inlineResult = await GetOverlappedResult(asyncHandle, inlineOverlapped, wait: false);
            pendedOverlapped.Event = CreateEvent(true, false);
            pended = await DeviceIoControl(asyncHandle, StatusDevice.PendOverflow, 0, 0, output, 64, pendedOverlapped);
            pendedResult = await GetOverlappedResult(asyncHandle, pendedOverlapped, wait: true);
        });

        var overflow = new IoResult(false, StatusDevice.OverflowBytes, NtStatus.BufferOverflow, Win32Error.MoreData);
        Assert.Equal(234, (int)Win32Error.MoreData);
        Assert.Equal(overflow, sync);
        Assert.Equal(overflow, inline);
        // A warning is not an error: the I/O manager wrote the status block and signalled the event.
        Assert.Equal((NtStatus.BufferOverflow, (ulong)StatusDevice.OverflowBytes), (inlineOverlapped.Internal, inlineOverlapped.InternalHigh));
        Assert.Equal(overflow, inlineResult);
        Assert.True(pended.IsPending);
        Assert.Equal(overflow, pendedResult);
    }

    [Fact]
    public void GetOverlappedResult_of_a_failed_request_returns_FALSE_with_the_error_and_InternalHigh()
    {
        using var bed = new UserModeBed();
        IoResult result = default;
        var overlapped = new Overlapped();
        bed.Run(async () =>
        {
            var file = await OverlappedIoTests.OpenNotify();
            var output = bed.Process.VirtualAlloc(4096);
            Assert.True((await DeviceIoControl(file, Drivers.Notify.NotifyCodes.Wait, 0, 0, output, 8, overlapped)).IsPending);
            Assert.True(await CancelIoEx(file, overlapped));
            result = await GetOverlappedResult(file, overlapped, wait: true);
        });

        Assert.Equal(new IoResult(false, (uint)overlapped.InternalHigh, NtStatus.Cancelled, Win32Error.OperationAborted), result);
    }
}
