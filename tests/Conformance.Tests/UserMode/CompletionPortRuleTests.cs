using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>Completion port rules: what closing a port does to its waiters, and which handles can be associated.</summary>
[Trait("Area", "UserMode")]
public sealed class CompletionPortRuleTests
{
    [Fact]
    public void Closing_a_ports_last_handle_returns_its_GetQueuedCompletionStatus_and_Ex_waiters_FALSE_with_ERROR_ABANDONED_WAIT_0()
    {
        using var bed = new UserModeBed(processors: 2);
        QueuedCompletion got = default;
        (bool Succeeded, int Removed) gotEx = (true, -1);
        Win32Error exError = Win32Error.Success;
        NtStatus exStatus = NtStatus.Success;
        IoCompletionObject? portObject = null;
        var exited = new List<string>();
        bed.Run(async () =>
        {
            var port = await CreateIoCompletionPort(Handle.Invalid, Handle.Null, 0, 0);
            portObject = (IoCompletionObject)bed.Process.GetHandles().Single().Entry.Object;
            bed.Process.CreateThread(0, "gqcs", async () =>
            {
                got = await GetQueuedCompletionStatus(port, Infinite);
                exited.Add("gqcs");
            });
            bed.Process.CreateThread(1, "gqcsex", async () =>
            {
                gotEx = await GetQueuedCompletionStatusEx(port, new OverlappedEntry[4], 10_000);
                (exError, exStatus) = (GetLastError(), GetLastNtStatus());
                exited.Add("gqcsex");
            });
            await Sleep(1);
            Assert.Equal(2, portObject.Queue.AssociatedThreads.Count);
            Assert.True(await CloseHandle(port));
        });

        Assert.Equal(["gqcs", "gqcsex"], exited.Order());
        Assert.Equal(new QueuedCompletion(false, 0, 0, null, NtStatus.AbandonedWait0, Win32Error.AbandonedWait0), got);
        Assert.Equal(735, (int)got.Error);
        Assert.Equal(0x80, (int)got.Status);
        Assert.Equal((false, 0), gotEx);
        Assert.Equal((Win32Error.AbandonedWait0, NtStatus.AbandonedWait0), (exError, exStatus));
        // The waiters held their own references while they waited; once they returned the port went.
        Assert.Equal(0, portObject!.PointerCount);
        Assert.Empty(portObject.Queue.AssociatedThreads);
    }

    [Fact]
    public void CreateIoCompletionPort_refuses_a_synchronous_handle_and_a_handle_already_associated_with_ERROR_INVALID_PARAMETER()
    {
        using var bed = new UserModeBed();
        Handle onSync = Handle.Invalid, again = Handle.Invalid, first = Handle.Null;
        Win32Error syncError = Win32Error.Success, againError = Win32Error.Success;
        bed.Run(async () =>
        {
            var sync = await CreateFile("\\\\.\\Notify", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            onSync = await CreateIoCompletionPort(sync, Handle.Null, 1, 0);
            syncError = GetLastError();
            var overlapped = await OverlappedIoTests.OpenNotify();
            first = await CreateIoCompletionPort(overlapped, Handle.Null, 1, 0);
            again = await CreateIoCompletionPort(overlapped, first, 2, 0);
            againError = GetLastError();
        });

        Assert.Equal(Handle.Null, onSync);
        Assert.Equal(Win32Error.InvalidParameter, syncError);
        Assert.Equal(87, (int)syncError);
        Assert.NotEqual(Handle.Null, first);
        Assert.Equal(Handle.Null, again);
        Assert.Equal(Win32Error.InvalidParameter, againError);
        // The refused synchronous open made no port: the process holds the two files and the one port.
        Assert.Equal(3, bed.Process.HandleCount);
    }
}
