using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>
/// NtCancelIoFile (CancelIo) waits, in 100 ms steps, until the calling thread's requests on the file are
/// gone; NtCancelIoFileEx (CancelIoEx) returns at once. The device is <see cref="StatusDevice"/>, whose
/// <see cref="StatusDevice.Slow"/> request has no cancel routine and completes 250 ms after it pended.
/// </summary>
[Trait("Area", "UserMode")]
public sealed class CancelIoWaitTests
{
    [Fact]
    public void CancelIo_returns_only_after_the_calling_threads_requests_on_the_file_completed_polling_every_100_ms()
    {
        using var bed = new UserModeBed();
        StatusDevice.Create(bed.Io, bed.Log);
        var overlapped = new Overlapped();
        long issuedAt = 0, returnedAt = 0;
        bed.Run(async () =>
        {
            var file = await CreateFile("\\\\.\\Status", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
            var output = bed.Process.VirtualAlloc(4096);
            Assert.True((await DeviceIoControl(file, StatusDevice.Slow, 0, 0, output, 8, overlapped)).IsPending);
            issuedAt = bed.Machine.NowNanoseconds;
            bed.Log.Add("CancelIo");
            Assert.True(await CancelIo(file));
            returnedAt = bed.Machine.NowNanoseconds;
            bed.Log.Add("CancelIo returned");
        });

        Assert.Equal(["status.sys completes STATUS_SUCCESS", "CancelIo returned"], bed.Log.SkipWhile(l => l != "CancelIo").Skip(1));
        Assert.Equal(NtStatus.Success, overlapped.Internal);
        // The request completed 250 ms after it pended; CancelIo saw it gone at its third 100 ms step.
        var waited = returnedAt - issuedAt;
        Assert.InRange(waited, 300_000_000, 310_000_000);
    }

    [Fact]
    public void CancelIoEx_does_not_wait_for_a_request_that_ignores_cancellation()
    {
        using var bed = new UserModeBed();
        StatusDevice.Create(bed.Io, bed.Log);
        var overlapped = new Overlapped();
        bed.Run(async () =>
        {
            var file = await CreateFile("\\\\.\\Status", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
            var output = bed.Process.VirtualAlloc(4096);
            Assert.True((await DeviceIoControl(file, StatusDevice.Slow, 0, 0, output, 8, overlapped)).IsPending);
            bed.Log.Add("CancelIoEx");
            Assert.True(await CancelIoEx(file, overlapped));
            bed.Log.Add("CancelIoEx returned " + overlapped.Internal.ToDisplayString().Split(' ')[0]);
        });

        Assert.Equal(["CancelIoEx", "CancelIoEx returned STATUS_PENDING", "status.sys completes STATUS_SUCCESS"], bed.Log.SkipWhile(l => l != "CancelIoEx"));
        Assert.Equal(NtStatus.Success, overlapped.Internal);
    }
}
