using ActorKernel.Actors;
using ActorKernel.Drivers.Notify;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>
/// Closing a synchronous handle that several threads use: every request holds a reference to the file
/// object until its service returns, IRP_MJ_CLEANUP waits for the file object's lock (the synchronous
/// request in progress), requests still waiting for the lock after CLEANUP get STATUS_FILE_CLOSED, and no
/// IRP reaches the driver after IRP_MJ_CLOSE.
/// </summary>
[Trait("Area", "UserMode")]
public sealed class SynchronousCloseTests
{
    private static ValueTask<Handle> OpenNotifySynchronous() =>
        CreateFile("\\\\.\\Notify", GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read | FileShareMode.Write, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);

    [Fact]
    public void CloseHandle_of_a_synchronous_handle_waits_for_the_pending_requests_of_other_threads_until_CancelSynchronousIo_and_CLOSE_comes_last()
    {
        using var bed = new UserModeBed();
        var results = new Dictionary<string, IoResult>();
        bed.Run(async () =>
        {
            var file = await OpenNotifySynchronous();
            var output = bed.Process.VirtualAlloc(4096);
            KThread? a = null, b = null;
            a = bed.Process.CreateThread(0, "A", async () => { results["A"] = await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, output, 8); bed.Log.Add("A returned"); });
            b = bed.Process.CreateThread(0, "B", async () => { results["B"] = await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, output, 8); bed.Log.Add("B returned"); });
            bed.Process.CreateThread(0, "canceller", async () =>
            {
                await Sleep(10);
                bed.Log.Add("CancelSynchronousIo A");
                Assert.True(await CancelSynchronousIo(a!));
                await Sleep(10);
                bed.Log.Add("CancelSynchronousIo B");
                Assert.True(await CancelSynchronousIo(b!));
                await Sleep(10);
                Assert.False(await CancelSynchronousIo(b!));
                Assert.Equal(Win32Error.NotFound, GetLastError());
            });
            await Sleep(5);
            bed.Log.Add("CloseHandle");
            Assert.True(await CloseHandle(file));
            bed.Log.Add("CloseHandle returned");
        });

        Assert.Equal(
        [
            "dispatch IRP_MJ_CREATE at PASSIVE_LEVEL", "complete IRP_MJ_CREATE STATUS_SUCCESS",
            // A holds the file object's lock while its request pends; B waits for it.
            "dispatch IRP_MJ_DEVICE_CONTROL at PASSIVE_LEVEL",
            // CLEANUP waits for the lock too, behind B: CloseHandle does not return.
            "CloseHandle",
            "CancelSynchronousIo A",
            "complete IRP_MJ_DEVICE_CONTROL STATUS_CANCELLED",
            "A returned",
            // B's turn came before CLEANUP's: its request is sent (the file is not cleaned up yet).
            "dispatch IRP_MJ_DEVICE_CONTROL at PASSIVE_LEVEL",
            "CancelSynchronousIo B",
            "complete IRP_MJ_DEVICE_CONTROL STATUS_CANCELLED",
            "B returned",
            "dispatch IRP_MJ_CLEANUP at PASSIVE_LEVEL", "complete IRP_MJ_CLEANUP STATUS_SUCCESS",
            // A's and B's services dropped their references when they returned: the handle's was the last.
            "dispatch IRP_MJ_CLOSE at PASSIVE_LEVEL", "complete IRP_MJ_CLOSE STATUS_SUCCESS",
            "CloseHandle returned",
        ], bed.Log);
        Assert.Equal(new IoResult(false, 0, NtStatus.Cancelled, Win32Error.OperationAborted), results["A"]);
        Assert.Equal(new IoResult(false, 0, NtStatus.Cancelled, Win32Error.OperationAborted), results["B"]);
        Assert.Equal(0, bed.NotifyDevice.OpenCount);
        Assert.Empty(bed.Io.GetStuckRequests());
    }

    [Fact]
    public void CloseHandle_of_a_synchronous_handle_waits_without_CLEANUP_while_another_threads_request_is_held_pending()
    {
        using var bed = new UserModeBed();
        var returned = new List<string>();
        bed.Run(async () =>
        {
            var file = await OpenNotifySynchronous();
            var output = bed.Process.VirtualAlloc(4096);
            bed.Process.CreateThread(0, "A", async () => { await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, output, 8); returned.Add("A"); });
            bed.Process.CreateThread(0, "B", async () => { await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, output, 8); returned.Add("B"); });
            await Sleep(5);
            bed.Log.Add("CloseHandle");
            await CloseHandle(file);
            returned.Add("CloseHandle");
        });

        // Windows' well-known hang: CLEANUP waits for the file object's lock, which A's held request keeps;
        // B waits for it too. Nothing reaches the driver after the close, and nobody returns.
        Assert.Equal(
        [
            "dispatch IRP_MJ_CREATE at PASSIVE_LEVEL", "complete IRP_MJ_CREATE STATUS_SUCCESS",
            "dispatch IRP_MJ_DEVICE_CONTROL at PASSIVE_LEVEL",
            "CloseHandle",
        ], bed.Log);
        Assert.Empty(returned);
        var stuck = Assert.Single(bed.Io.GetStuckRequests());
        Assert.Equal(IrpMajorFunction.DeviceControl, stuck.Irp.StackLocations[^1].MajorFunction);
    }

    [Fact]
    public void A_synchronous_request_waiting_for_the_file_lock_behind_CLEANUP_returns_STATUS_FILE_CLOSED_without_an_IRP()
    {
        using var bed = new UserModeBed();
        var late = new IoStatusBlock();
        NtStatus lateStatus = NtStatus.Pending;
        FileObject? fileObject = null;
        bed.Run(async () =>
        {
            var file = await OpenNotifySynchronous();
            fileObject = (FileObject)bed.Process.GetHandles().Single().Entry.Object;
            var output = bed.Process.VirtualAlloc(4096);
            var a = bed.Process.CreateThread(0, "A", async () => await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, output, 8));
            bed.Process.CreateThread(0, "late", async () =>
            {
                // A service that looked the handle up before CloseHandle (it holds the lookup's reference)
                // and reaches the file object's lock after CLEANUP queued for it.
                fileObject.ObReferenceObject();
                await Sleep(2);
                bed.Log.Add("late request");
                lateStatus = await Wdm.NtDeviceIoControlFile(fileObject, late, NotifyCodes.Wait, null, 0, new UserBuffer(bed.Process.AddressSpace, output, 8), 8);
                bed.Log.Add("late request returned");
                fileObject.ObDereferenceObject();
            });
            bed.Process.CreateThread(0, "canceller", async () =>
            {
                await Sleep(5);
                Assert.True(await CancelSynchronousIo(a));
            });
            await Sleep(1);
            bed.Log.Add("CloseHandle");
            Assert.True(await CloseHandle(file));
            bed.Log.Add("CloseHandle returned");
        });

        Assert.Equal(NtStatus.FileClosed, lateStatus);
        Assert.Equal(unchecked((int)0xC0000128), (int)lateStatus);
        Assert.Equal(Win32Error.InvalidHandle, StatusMapping.RtlNtStatusToDosError(lateStatus));
        Assert.Equal(
        [
            "dispatch IRP_MJ_CREATE at PASSIVE_LEVEL", "complete IRP_MJ_CREATE STATUS_SUCCESS",
            "dispatch IRP_MJ_DEVICE_CONTROL at PASSIVE_LEVEL",
            "CloseHandle",
            "late request",
            "complete IRP_MJ_DEVICE_CONTROL STATUS_CANCELLED",
            "dispatch IRP_MJ_CLEANUP at PASSIVE_LEVEL", "complete IRP_MJ_CLEANUP STATUS_SUCCESS",
            // The late request held a reference: CloseHandle returns without CLOSE.
            "CloseHandle returned",
            // Its turn came after CLEANUP: no IRP; its reference was the last, and CLOSE follows.
            "late request returned",
            "dispatch IRP_MJ_CLOSE at PASSIVE_LEVEL", "complete IRP_MJ_CLOSE STATUS_SUCCESS",
        ], bed.Log);
        Assert.True(fileObject!.CloseSent);
        Assert.Equal(0, bed.NotifyDevice.OpenCount);
    }
}
