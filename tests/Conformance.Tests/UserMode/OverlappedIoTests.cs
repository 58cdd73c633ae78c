using ActorKernel.Actors;
using ActorKernel.Drivers.Notify;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.UserMode;

[Trait("Area", "UserMode")]
public sealed class OverlappedIoTests
{
    internal static ValueTask<Handle> OpenNotify(GenericAccess access = GenericAccess.GenericRead | GenericAccess.GenericWrite) =>
        CreateFile("\\\\.\\Notify", access, FileShareMode.Read | FileShareMode.Write, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);

    [Fact]
    public void An_overlapped_request_that_pends_returns_ERROR_IO_PENDING_then_writes_the_OVERLAPPED_and_signals_its_event_at_completion()
    {
        using var bed = new UserModeBed();
        IoResult issued = default, incomplete = default, final = default;
        bool completedBefore = true, completedAfter = false;
        uint eventBefore = 0, eventAfter = 1;
        var overlapped = new Overlapped();

        bed.Run(async () =>
        {
            var file = await OpenNotify();
            var output = bed.Process.VirtualAlloc(4096);
            overlapped.Event = CreateEvent(true, false);
            issued = await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, output, 8, overlapped);
            completedBefore = HasOverlappedIoCompleted(overlapped);
            eventBefore = await WaitForSingleObject(overlapped.Event, 0);
            incomplete = await GetOverlappedResult(file, overlapped, wait: false);
            var signaller = await OpenNotify();
            Assert.True((await DeviceIoControl(signaller, NotifyCodes.Signal, 0, 0, 0, 0, new Overlapped())).Succeeded);
            completedAfter = HasOverlappedIoCompleted(overlapped);
            eventAfter = await WaitForSingleObject(overlapped.Event, 0);
            final = await GetOverlappedResult(file, overlapped, wait: false);
        });

        Assert.Equal(new IoResult(false, 0, NtStatus.Pending, Win32Error.IoPending), issued);
        Assert.Equal(997, (int)issued.Error);
        Assert.False(completedBefore);
        Assert.Equal(WaitTimeout, eventBefore);
        Assert.Equal(new IoResult(false, 0, NtStatus.Pending, Win32Error.IoIncomplete), incomplete);
        Assert.Equal(996, (int)incomplete.Error);
        Assert.True(completedAfter);
        Assert.Equal(WaitObject0, eventAfter);
        Assert.Equal((NtStatus.Success, 8UL), (overlapped.Internal, overlapped.InternalHigh));
        Assert.Equal(new IoResult(true, 8, NtStatus.Success, Win32Error.Success), final);
    }

    [Fact]
    public void GetOverlappedResult_with_wait_blocks_on_the_files_event_until_the_request_completes()
    {
        using var bed = new UserModeBed(processors: 2);
        IoResult result = default;
        var overlapped = new Overlapped();

        bed.Process.CreateThread(0, "waiter", async () =>
        {
            var file = await OpenNotify();
            await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, bed.Process.VirtualAlloc(4096), 8, overlapped);
            result = await GetOverlappedResult(file, overlapped, wait: true);
            bed.Log.Add("result");
        });
        bed.Process.CreateThread(1, "signaller", async () =>
        {
            await Sleep(2);
            var file = await OpenNotify();
            bed.Log.Add("signal");
            await DeviceIoControl(file, NotifyCodes.Signal, 0, 0, 0, 0, new Overlapped());
        });
        bed.RunUntilIdle();

        Assert.Equal(new IoResult(true, 8, NtStatus.Success, Win32Error.Success), result);
        Assert.Equal(["signal", "result"], bed.Log.Where(l => !l.StartsWith("dispatch", StringComparison.Ordinal) && !l.StartsWith("complete", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_overlapped_request_that_fails_without_pending_writes_no_status_block_signals_no_event_and_posts_no_packet()
    {
        using var bed = new UserModeBed();
        IoResult failed = default;
        uint eventState = 0;
        QueuedCompletion packet = default;
        var overlapped = new Overlapped();

        bed.Run(async () =>
        {
            var file = await OpenNotify();
            var port = await CreateIoCompletionPort(file, Handle.Null, 0x77, 0);
            overlapped.Event = CreateEvent(true, false);
            // Too small an output: the driver completes STATUS_BUFFER_TOO_SMALL at once, without pending.
            failed = await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, bed.Process.VirtualAlloc(4096), 4, overlapped);
            eventState = await WaitForSingleObject(overlapped.Event, 0);
            packet = await GetQueuedCompletionStatus(port, 0);
        });

        Assert.Equal(new IoResult(false, 0, NtStatus.BufferTooSmall, Win32Error.InsufficientBuffer), failed);
        // kernel32 set Internal to STATUS_PENDING before the call; the I/O manager wrote nothing over it.
        Assert.Equal((NtStatus.Pending, 0UL), (overlapped.Internal, overlapped.InternalHigh));
        Assert.Equal(WaitTimeout, eventState);
        Assert.Equal(new QueuedCompletion(false, 0, 0, null, NtStatus.Timeout, Win32Error.WaitTimeout), packet);
    }

    [Fact]
    public void An_overlapped_request_that_pends_and_then_fails_writes_the_status_block_signals_the_event_and_posts_the_packet()
    {
        using var bed = new UserModeBed();
        uint eventState = 1;
        QueuedCompletion packet = default;
        var overlapped = new Overlapped();

        bed.Run(async () =>
        {
            var file = await OpenNotify();
            var port = await CreateIoCompletionPort(file, Handle.Null, 0x77, 0);
            overlapped.Event = CreateEvent(true, false);
            Assert.True((await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, bed.Process.VirtualAlloc(4096), 8, overlapped)).IsPending);
            Assert.True(await CancelIoEx(file, overlapped));
            eventState = await WaitForSingleObject(overlapped.Event, 0);
            packet = await GetQueuedCompletionStatus(port, 0);
        });

        Assert.Equal((NtStatus.Cancelled, 0UL), (overlapped.Internal, overlapped.InternalHigh));
        Assert.Equal(WaitObject0, eventState);
        Assert.Equal(new QueuedCompletion(false, 0, 0x77, overlapped, NtStatus.Cancelled, Win32Error.OperationAborted), packet);
    }

    [Fact]
    public void CancelIo_cancels_only_the_calling_threads_requests_and_CancelIoEx_any_threads_or_one_OVERLAPPED()
    {
        using var bed = new UserModeBed(processors: 2);
        Handle file = default;
        var mine = new Overlapped();
        var theirs = new Overlapped();
        var other = new Overlapped();
        var steps = new List<string>();
        (bool, Win32Error, NtStatus) nothingLeft = default;

        bed.Process.CreateThread(0, "a", async () =>
        {
            file = await OpenNotify();
            var output = bed.Process.VirtualAlloc(4096);
            await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, output, 8, mine);
            await Sleep(1);
            Assert.True(await CancelIo(file));
            steps.Add($"after CancelIo: mine {mine.Internal.ToDisplayString().Split(' ')[0]}, theirs {theirs.Internal.ToDisplayString().Split(' ')[0]}, held {bed.NotifyState.HeldCount}");
            Assert.True(await CancelIoEx(file, theirs));
            steps.Add($"after CancelIoEx(theirs): theirs {theirs.Internal.ToDisplayString().Split(' ')[0]}, other {other.Internal.ToDisplayString().Split(' ')[0]}, held {bed.NotifyState.HeldCount}");
            Assert.True(await CancelIoEx(file, null));
            steps.Add($"after CancelIoEx(all): other {other.Internal.ToDisplayString().Split(' ')[0]}, held {bed.NotifyState.HeldCount}");
            nothingLeft = (await CancelIoEx(file, null), GetLastError(), GetLastNtStatus());
        });
        bed.Process.CreateThread(1, "b", async () =>
        {
            await Sleep(0);
            while (!file.IsValid)
            {
                await SleepNanoseconds(10_000);
            }
            var output = bed.Process.VirtualAlloc(4096);
            await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, output, 8, theirs);
            other.Event = CreateEvent(true, false);
            await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, output + 8, 8, other);
            // Stay alive until the last request ends: an exiting thread's requests are cancelled with it.
            await GetOverlappedResult(file, other, wait: true);
        });
        bed.RunUntilIdle();

        Assert.Equal(
        [
            "after CancelIo: mine STATUS_CANCELLED, theirs STATUS_PENDING, held 2",
            "after CancelIoEx(theirs): theirs STATUS_CANCELLED, other STATUS_PENDING, held 1",
            "after CancelIoEx(all): other STATUS_CANCELLED, held 0",
        ], steps);
        Assert.Equal((false, Win32Error.NotFound, NtStatus.NotFound), nothingLeft);
        Assert.Equal(1168, (int)nothingLeft.Item2);
        Assert.Equal(995, (int)StatusMapping.RtlNtStatusToDosError(NtStatus.Cancelled));
    }

    [Fact]
    public void A_thread_that_exits_cancels_its_overlapped_requests_except_those_on_a_file_associated_with_a_completion_port()
    {
        using var bed = new UserModeBed();
        var plain = new Overlapped();
        var onPort = new Overlapped();
        Handle port = default;
        QueuedCompletion packet = default;

        bed.Run(async () =>
        {
            var output = bed.Process.VirtualAlloc(4096);
            var a = await OpenNotify();
            var b = await OpenNotify();
            port = await CreateIoCompletionPort(b, Handle.Null, 0xB, 0);
            Assert.True((await DeviceIoControl(a, NotifyCodes.Wait, 0, 0, output, 8, plain)).IsPending);
            Assert.True((await DeviceIoControl(b, NotifyCodes.Wait, 0, 0, output + 8, 8, onPort)).IsPending);
        });
        var afterExit = (plain.Internal, onPort.Internal, bed.NotifyState.HeldCount);
        bed.Run(async () =>
        {
            var signaller = await OpenNotify();
            await DeviceIoControl(signaller, NotifyCodes.Signal, 0, 0, 0, 0, new Overlapped());
            packet = await GetQueuedCompletionStatus(port, 0);
        });

        Assert.Equal((NtStatus.Cancelled, NtStatus.Pending, 1), afterExit);
        Assert.Equal(new QueuedCompletion(true, 8, 0xB, onPort, NtStatus.Success, Win32Error.Success), packet);
    }

    [Fact]
    public void An_overlapped_request_nobody_completes_is_reported_stuck_naming_its_service()
    {
        using var bed = new UserModeBed();

        bed.Run(async () =>
        {
            var file = await OpenNotify();
            await CreateIoCompletionPort(file, Handle.Null, 1, 0);
            Assert.True((await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, bed.Process.VirtualAlloc(4096), 8, new Overlapped())).IsPending);
        });

        var stuck = Assert.Single(bed.Io.GetStuckRequests());
        Assert.False(stuck.Finished);
        Assert.Contains("issued by NtDeviceIoControlFile (overlapped) never completed", stuck.Description, StringComparison.Ordinal);
    }
}
