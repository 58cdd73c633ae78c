using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.Pnp;
using ActorKernel.Drivers.Storage.Class;
using ActorKernel.Drivers.Usb;
using ActorKernel.Drivers.Usb.Hub;
using ActorKernel.Drivers.Usb.Storage;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Stacks.Usb;

/// <summary>
/// Unplugging the USB disk under load (issue 19, acceptance item 2): the hub sees the connect change,
/// removes the device from the port driver (its URBs end with USBD_STATUS_DEVICE_GONE) and reports it
/// missing; the PnP manager surprise-removes the device's stacks, then removes them after the last close.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class UsbStackRemovalTests
{
    private const int Reads = 32;

    [Fact]
    public void Unplugging_the_usb_disk_during_32_reads_completes_each_once_with_no_such_device_and_tears_its_stacks_down()
    {
        using var bed = new UsbStackBed(commandLatencyNs: 5_000_000);
        var deviceNode = bed.UsbDeviceNode()!;
        var diskNode = bed.DiskNode()!;
        var partitionNode = Assert.Single(diskNode.Children);
        var rootHubNode = deviceNode.Parent!;
        var controllerNode = rootHubNode.Parent!;
        var hubPdo = deviceNode.PhysicalDeviceObject;
        var usbstorFdo = hubPdo.AttachedDevice!;
        var lunPdo = diskNode.PhysicalDeviceObject;
        var diskFdo = lunPdo.AttachedDevice!;
        var hub = rootHubNode.PhysicalDeviceObject.AttachedDevice!.GetExtension<UsbHubFdoExtension>();
        var usbstor = usbstorFdo.DriverObject;
        var disk = diskFdo.DriverObject;

        var packets = new List<QueuedCompletion>();
        QueuedCompletion extra = default;
        IoResult afterRemoval = default;
        var outstandingAtUnplug = 0;
        var stateWhileOpen = DeviceNodeState.Unspecified;
        bed.Pnp.StartProcess(async p =>
        {
            var handle = await CreateFile(@"\\.\PhysicalDrive0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
            Assert.NotEqual(Handle.Invalid, handle);
            var port = await CreateIoCompletionPort(handle, Handle.Null, 7, 0);
            var buffer = p.VirtualAlloc(Reads * 4096);
            for (var i = 0; i < Reads; i++)
            {
                var issued = await ReadFile(handle, buffer + ((ulong)i * 4096), 4096, new Overlapped { Offset = i * 4096L });
                Assert.True(issued.IsPending, $"read {i}: {issued}");
            }
            await Sleep(1); // one read is on the wire (5 ms a command), the others wait in usbstor's device queue
            outstandingAtUnplug = Reads - (int)(await CompletedSoFar(port)).Count;
            bed.Controller.DetachDevice(UsbStackBed.DiskPort);
            for (var i = 0; i < outstandingAtUnplug; i++)
            {
                packets.Add(await GetQueuedCompletionStatus(port, Infinite));
            }
            extra = await GetQueuedCompletionStatus(port, 0); // a second completion of any read would be here
            afterRemoval = await ReadFile(handle, buffer, 4096, new Overlapped { Offset = 0 });
            if (afterRemoval.IsPending)
            {
                afterRemoval = await GetQueuedCompletionStatus(port, Infinite) is var q ? new IoResult(q.Succeeded, q.BytesTransferred, q.Status, q.Error) : default;
            }
            for (var waited = 0; waited < 100 && diskNode.State == DeviceNodeState.Started; waited++)
            {
                await Sleep(1); // the hub's invalidation reaches the PnP manager: surprise removal, then it waits for this handle
            }
            stateWhileOpen = diskNode.State;
            await CloseHandle(handle);
            await CloseHandle(port);

            async ValueTask<List<QueuedCompletion>> CompletedSoFar(Handle completionPort)
            {
                var done = new List<QueuedCompletion>();
                while (await GetQueuedCompletionStatus(completionPort, 0) is { Overlapped: not null } c)
                {
                    done.Add(c);
                }
                packets.AddRange(done);
                return done;
            }
        }, out var finished);
        bed.Pnp.RunUntil(() => finished() && bed.Pnp.Pnp.IsIdle && deviceNode.State == DeviceNodeState.Deleted);

        Assert.Equal(Reads, outstandingAtUnplug); // the unplug came while all 32 were outstanding
        Assert.Equal(Reads, packets.Count);
        Assert.Equal(Reads, packets.Select(p => p.Overlapped).Distinct().Count()); // each read completed exactly once
        Assert.All(packets, p => Assert.Equal((false, 0u, NtStatus.NoSuchDevice), (p.Succeeded, p.BytesTransferred, p.Status)));
        Assert.Equal((false, Win32Error.WaitTimeout), (extra.Succeeded, extra.Error));
        Assert.Equal((false, NtStatus.NoSuchDevice), (afterRemoval.Succeeded, afterRemoval.Status));
        Assert.Equal(DeviceNodeState.RemovePendingCloses, stateWhileOpen); // nothing removed before the last close

        // The device's stacks are gone: the partition's, the disk's (disk.sys on usbstor's LUN PDO), usbstor's (on the hub's PDO).
        Assert.All(new[] { partitionNode, diskNode, deviceNode }, n => Assert.Equal(DeviceNodeState.Deleted, n.State));
        Assert.All(new[] { diskFdo, lunPdo, usbstorFdo, hubPdo }, d => Assert.True(d.DeletePending, d.ToString()));
        Assert.Empty(rootHubNode.Children);
        Assert.Empty(hub.AttachedDevices);
        Assert.True(usbstor.Unloaded && disk.Unloaded, "usbstor.sys and disk.sys unload with their last device");
        Assert.Equal(
            ["IRP_MN_SURPRISE_REMOVAL", "IRP_MN_REMOVE_DEVICE"],
            bed.Pnp.PnpIrps(deviceNode.InstancePath).Where(m => m is "IRP_MN_SURPRISE_REMOVAL" or "IRP_MN_REMOVE_DEVICE"));
        // The hub and the host controller stay, started, ready for the next device.
        Assert.Equal([DeviceNodeState.Started, DeviceNodeState.Started], new[] { rootHubNode.State, controllerNode.State });
        Assert.Equal([AkEhci.ImageName, UsbHub.ImageName], UsbStackBed.Stack(rootHubNode));
    }

    [Fact]
    public void Pulling_the_host_controller_card_tears_all_four_stacks_down_children_first()
    {
        using var bed = new UsbStackBed();
        var nodes = new[] { bed.ControllerNode(), bed.UsbDeviceNode()!.Parent!, bed.UsbDeviceNode()!, bed.DiskNode()! };
        var devices = nodes.SelectMany(n => Devices(n)).ToList();

        Assert.True(bed.Machine.Hal.Platform.UnplugPciDevice("usb0"));
        bed.Pnp.RunUntil(() => bed.Pnp.Pnp.IsIdle && nodes.All(n => n.State == DeviceNodeState.Deleted));

        Assert.All(devices, d => Assert.True(d.DeletePending, d.ToString()));
        Assert.True(devices.Select(d => d.DriverObject).Where(d => d.ImageName != "pci.sys").All(d => d.Unloaded), "akehci, usbhub, usbstor and disk.sys unload");

        static IEnumerable<DeviceObject> Devices(DeviceNode node)
        {
            for (var d = node.PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
            {
                if (d.DriverObject.ImageName != "pci.sys")
                {
                    yield return d;
                }
            }
        }
    }

    [Fact]
    public void Plugging_the_usb_disk_in_again_builds_its_stacks_again()
    {
        using var bed = new UsbStackBed();
        var first = bed.UsbDeviceNode()!;
        bed.Controller.DetachDevice(UsbStackBed.DiskPort);
        bed.Pnp.RunUntil(() => bed.Pnp.Pnp.IsIdle && first.State == DeviceNodeState.Deleted);

        bed.Controller.AttachDevice(UsbStackBed.DiskPort, bed.Device);
        bed.WaitForDisk();

        Assert.NotSame(first, bed.UsbDeviceNode());
        Assert.Equal([UsbHub.ImageName, UsbStor.ImageName], UsbStackBed.Stack(bed.UsbDeviceNode()!));
        Assert.Equal([UsbStor.ImageName, DiskClass.ImageName], UsbStackBed.Stack(bed.DiskNode()!));
    }
}
