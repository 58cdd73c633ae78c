using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>Issue 15, acceptance 2: surprise removal of the interrupt-driven disk, built by the PnP manager, under I/O from a user process.</summary>
[Trait("Area", "Pnp")]
public sealed class RemovalSurpriseTests
{
    private const int Reads = 32;

    [Fact]
    public void Surprise_removal_during_32_outstanding_reads_completes_each_once_with_a_removal_status_then_tears_down_after_the_last_close_and_unloads_the_driver()
    {
        using var bed = new PnpBed();
        var controller = bed.PlaceSlowDisk("disk0");
        bed.Enumerate(PnpBed.BaseRegistry);
        var path = RemovalBed.DiskPath(0);
        var node = bed.Node(path);
        var pdo = node.PhysicalDeviceObject;
        var fdo = pdo.AttachedDevice!;
        var adapter = fdo.GetExtension<StorageAdapter>();
        Assert.Equal(DeviceNodeState.Started, node.State);

        var packets = new List<QueuedCompletion>();
        QueuedCompletion extra = default;
        IoResult afterRemoval = default;
        NtStatus reopenWhilePending = default, reopenByInterface = default;
        var stateWhileOpen = DeviceNodeState.Unspecified;
        var deleteWhileOpen = true;
        var process = bed.StartProcess(async p =>
        {
            var handle = await CreateFile(RemovalBed.DiskInterface(0), GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
            Assert.NotEqual(Handle.Invalid, handle);
            var port = await CreateIoCompletionPort(handle, Handle.Null, 7, 0);
            var buffer = p.VirtualAlloc(Reads * 4096);
            for (var i = 0; i < Reads; i++)
            {
                var issued = await ReadFile(handle, buffer + ((ulong)i * 4096), 4096, new Overlapped { Offset = i * 4096L });
                Assert.True(issued.IsPending, $"read {i}: {issued}");
            }
            await Sleep(1); // the IRPs reach the port (a hop each); the first command needs 10 ms
            Assert.Equal(Reads, adapter.Requests.Count(r => r.Irp is not null)); // every read is at the controller

            bed.Unplug("disk0", controller);
            for (var i = 0; i < Reads; i++)
            {
                packets.Add(await GetQueuedCompletionStatus(port, Infinite));
            }
            extra = await GetQueuedCompletionStatus(port, 0); // a second completion of any read would be here

            // The stack waits for this handle (DeviceNodeRemovePendingCloses): a new read fails, a new open fails.
            afterRemoval = await ReadFile(handle, buffer, 4096, new Overlapped { Offset = 0 });
            if (afterRemoval.IsPending)
            {
                afterRemoval = await GetQueuedCompletionStatus(port, Infinite) is var q ? new IoResult(q.Succeeded, q.BytesTransferred, q.Status, q.Error) : default;
            }
            await CreateFile(@"\\.\BlkDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            reopenWhilePending = GetLastNtStatus();
            await CreateFile(RemovalBed.DiskInterface(0), GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            reopenByInterface = GetLastNtStatus();
            stateWhileOpen = node.State;
            deleteWhileOpen = fdo.DeletePending;
            await CloseHandle(handle);
            await CloseHandle(port);
        }, out var done);
        bed.RunUntil(() => done() && bed.Pnp.IsIdle && node.State == DeviceNodeState.Deleted);
        _ = process;

        Assert.Equal(Reads, packets.Count);
        Assert.All(packets, p => Assert.Equal((false, 0u, NtStatus.NoSuchDevice), (p.Succeeded, p.BytesTransferred, p.Status)));
        Assert.Equal(Reads, packets.Select(p => p.Overlapped).Distinct().Count()); // each read once
        Assert.Equal((false, Win32Error.WaitTimeout), (extra.Succeeded, extra.Error));
        Assert.Equal((false, NtStatus.NoSuchDevice), (afterRemoval.Succeeded, afterRemoval.Status));
        Assert.Equal(NtStatus.NoSuchDevice, reopenWhilePending);       // DOE_REMOVE_PENDING: IopCheckDeviceAndDriver
        Assert.Equal(NtStatus.ObjectNameNotFound, reopenByInterface);  // the interface was disabled: its link is gone
        Assert.Equal(DeviceNodeState.RemovePendingCloses, stateWhileOpen);
        Assert.False(deleteWhileOpen); // nothing is deleted before the last handle closes

        // SURPRISE_REMOVAL, then REMOVE_DEVICE only after the close; the stack, the node and the driver are gone.
        Assert.Equal(["IRP_MN_START_DEVICE", "IRP_MN_QUERY_DEVICE_RELATIONS", "IRP_MN_SURPRISE_REMOVAL", "IRP_MN_REMOVE_DEVICE"], bed.PnpIrps(path));
        Assert.True(fdo.DeletePending && pdo.DeletePending);
        Assert.Null(bed.Pnp.FindDeviceNode(path));
        Assert.Empty(bed.Node(@"Root\*PNP0A03\0000").Children);
        Assert.Null(bed.BlkMini());
        Assert.Contains(bed.Pnp.Log, e => e.What == @"DriverUnload \Driver\BlkMini -> STATUS_SUCCESS (0x00000000)");
        Assert.DoesNotContain(bed.Pnp.Claims, c => c.Owner == node); // the resources went back to the arbiters

        // After the teardown the names are gone too.
        NtStatus reopen = default;
        bed.RunProcess(async _ =>
        {
            Assert.Equal(Handle.Invalid, await CreateFile(@"\\.\BlkDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal));
            reopen = GetLastNtStatus();
        });
        Assert.Equal(NtStatus.ObjectNameNotFound, reopen);
    }

    [Fact]
    public void Surprise_removal_with_no_open_handle_sends_REMOVE_DEVICE_at_once_and_the_bus_deletes_the_pdo()
    {
        using var bed = new PnpBed();
        var controller = bed.PlaceSlowDisk("disk0");
        bed.Enumerate(PnpBed.BaseRegistry);
        var node = bed.Node(RemovalBed.DiskPath(0));
        var pdo = node.PhysicalDeviceObject;

        bed.Unplug("disk0", controller);
        bed.RunUntil(() => bed.Pnp.IsIdle && node.State == DeviceNodeState.Deleted);

        Assert.Equal(["IRP_MN_SURPRISE_REMOVAL", "IRP_MN_REMOVE_DEVICE"], bed.PnpIrps(node.InstancePath)[^2..]);
        Assert.True(pdo.DeletePending);
        Assert.Null(bed.BlkMini());
        Assert.DoesNotContain(bed.Pnp.Log, e => e.Node == node && e.What.StartsWith("DeviceNodeRemovePendingCloses:", StringComparison.Ordinal));
    }
}
