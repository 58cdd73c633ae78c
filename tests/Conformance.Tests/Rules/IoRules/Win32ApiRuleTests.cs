using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.UserMode;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Rules.IoRules;

/// <summary>kernel32's rules over the Nt services (ReactOS dll/win32/kernel32 deviceio.c, rw.c, handle.c; Microsoft's DeviceIoControl, ReadFile, GetOverlappedResult and CloseHandle pages). Rows USR- of docs/conformance.md.</summary>
[Trait("Area", "Conformance")]
public sealed class Win32ApiRuleTests
{
    private static ValueTask<Handle> OpenFailing(bool overlapped) =>
        CreateFile("\\\\.\\Failing", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting,
            overlapped ? FileFlagsAndAttributes.Overlapped : FileFlagsAndAttributes.Normal);

    [Fact]
    public void DeviceIoControl_without_an_OVERLAPPED_on_an_overlapped_handle_waits_on_the_handle_and_returns_the_final_result()
    {
        using var bed = new UserModeBed();
        UserFailingDevice.Create(bed.Io);
        IoResult result = default;
        bed.Run(async () =>
        {
            var file = await OpenFailing(overlapped: true);
            result = await DeviceIoControl(file, FailingDevice.PendThenFail, 0, 0, 0, 0);
        });

        Assert.Equal(new IoResult(false, 0, NtStatus.DeviceNotConnected, Win32Error.DeviceNotConnected), result);
    }

    [Fact]
    public void ReadFile_without_an_OVERLAPPED_on_an_overlapped_handle_is_ERROR_INVALID_PARAMETER()
    {
        using var bed = new UserModeBed();
        UserFailingDevice.Create(bed.Io);
        IoResult result = default;
        bed.Run(async () =>
        {
            var file = await OpenFailing(overlapped: true);
            result = await ReadFile(file, bed.Process.VirtualAlloc(4096), 16);
        });

        Assert.Equal(new IoResult(false, 0, NtStatus.InvalidParameter, Win32Error.InvalidParameter), result);
    }

    [Fact]
    public void GetOverlappedResult_without_wait_of_a_request_in_flight_is_FALSE_with_ERROR_IO_INCOMPLETE()
    {
        using var bed = new UserModeBed();
        UserFailingDevice.Create(bed.Io);
        IoResult issued = default, polled = default, waited = default;
        var overlapped = new Overlapped();
        bed.Run(async () =>
        {
            var file = await OpenFailing(overlapped: true);
            issued = await DeviceIoControl(file, FailingDevice.PendThenFail, 0, 0, 0, 0, overlapped);
            polled = await GetOverlappedResult(file, overlapped, wait: false);
            waited = await GetOverlappedResult(file, overlapped, wait: true);
        });

        Assert.True(issued.IsPending);
        Assert.Equal(new IoResult(false, 0, NtStatus.Pending, Win32Error.IoIncomplete), polled);
        Assert.Equal(996, (int)Win32Error.IoIncomplete);
        Assert.Equal(new IoResult(false, 0, NtStatus.DeviceNotConnected, Win32Error.DeviceNotConnected), waited);
    }

    [Fact]
    public void CloseHandle_twice_is_FALSE_with_ERROR_INVALID_HANDLE_and_SetEvent_on_a_file_handle_too()
    {
        using var bed = new UserModeBed();
        UserFailingDevice.Create(bed.Io);
        bool first = false, second = true, setOnFile = true;
        Win32Error secondError = default, setError = default;
        bed.Run(async () =>
        {
            var file = await OpenFailing(overlapped: false);
            setOnFile = SetEvent(file);
            setError = GetLastError();
            first = await CloseHandle(file);
            second = await CloseHandle(file);
            secondError = GetLastError();
        });

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(Win32Error.InvalidHandle, secondError);
        Assert.False(setOnFile);
        Assert.Equal(Win32Error.InvalidHandle, setError);
    }

    [Fact]
    public void WaitForSingleObject_on_an_overlapped_file_handle_returns_when_its_request_completes()
    {
        using var bed = new UserModeBed();
        UserFailingDevice.Create(bed.Io);
        uint before = 0, after = 1;
        bed.Run(async () =>
        {
            var file = await OpenFailing(overlapped: true);
            var overlapped = new Overlapped();
            await DeviceIoControl(file, FailingDevice.PendThenFail, 0, 0, 0, 0, overlapped);
            before = await WaitForSingleObject(file, 0);
            after = await WaitForSingleObject(file, Infinite);
        });

        Assert.Equal(WaitTimeout, before);
        Assert.Equal(WaitObject0, after);
    }

    [Fact]
    public void An_overlapped_request_with_an_hEvent_signals_that_event_and_not_the_files_own_event()
    {
        using var bed = new UserModeBed();
        UserFailingDevice.Create(bed.Io);
        uint onEvent = 1, onFile = 0;
        bed.Run(async () =>
        {
            var file = await OpenFailing(overlapped: true);
            var overlapped = new Overlapped { Event = CreateEvent(true, false) };
            await DeviceIoControl(file, FailingDevice.PendThenFail, 0, 0, 0, 0, overlapped);
            onEvent = await WaitForSingleObject(overlapped.Event, Infinite);
            onFile = await WaitForSingleObject(file, 0);
        });

        Assert.Equal(WaitObject0, onEvent);
        Assert.Equal(WaitTimeout, onFile);
    }

    [Fact]
    public void CancelIoEx_of_an_OVERLAPPED_with_no_request_in_flight_is_FALSE_with_ERROR_NOT_FOUND()
    {
        using var bed = new UserModeBed();
        UserFailingDevice.Create(bed.Io);
        bool cancelled = true;
        Win32Error error = default;
        bed.Run(async () =>
        {
            var file = await OpenFailing(overlapped: true);
            cancelled = await CancelIoEx(file, new Overlapped());
            error = GetLastError();
        });

        Assert.False(cancelled);
        Assert.Equal(Win32Error.NotFound, error);
        Assert.Equal(1168, (int)Win32Error.NotFound);
    }
}
