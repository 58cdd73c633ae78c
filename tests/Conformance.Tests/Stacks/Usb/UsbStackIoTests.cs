using ActorKernel.Actors;
using ActorKernel.Drivers.Storage.Class;
using ActorKernel.Drivers.Usb;
using ActorKernel.Drivers.Usb.Hub;
using ActorKernel.Drivers.Usb.Storage;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Stacks.Usb;

/// <summary>
/// User I/O through the USB disk (issue 19, acceptance item 1 for the USB stack) and the driver stack
/// of one read: disk.sys -> usbstor.sys -> usbhub.sys -> the host controller's port/miniport (item 2).
/// </summary>
[Trait("Area", "Stacks")]
public sealed class UsbStackIoTests
{
    [Fact]
    public void User_writes_and_reads_through_the_usb_disk_reach_the_medium_and_come_back_verified()
    {
        using var bed = new UsbStackBed();
        const int Length = 256 * 1024;
        var pattern = Enumerable.Range(0, Length).Select(i => (byte)((i * 7) ^ (i >> 9))).ToArray();
        var back = new byte[Length];
        IoResult wrote = default, read = default;
        var lun = bed.DiskNode()!.PhysicalDeviceObject.GetExtension<UsbStorPdoExtension>();
        var (commandsBefore, srbsBefore) = (bed.Device.Commands, lun.ScsiRequests);
        bed.RunUser(async process =>
        {
            var disk = await CreateFile(@"\\.\PhysicalDrive0", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(Length);
            process.WriteMemory(buffer, pattern);
            wrote = await WriteFile(disk, buffer, Length, new Overlapped { Offset = 1024 * 1024 });
            process.WriteMemory(buffer, new byte[Length]);
            read = await ReadFile(disk, buffer, Length, new Overlapped { Offset = 1024 * 1024 });
            process.ReadMemory(buffer, back);
            await CloseHandle(disk);
        });

        Assert.True(wrote.Succeeded && read.Succeeded, $"{wrote} {read}");
        Assert.Equal((uint)Length, read.BytesTransferred);
        Assert.Equal(pattern, back);
        var medium = new byte[Length];
        bed.Image.ReadSectors(1024 * 1024 / 512, medium);
        Assert.Equal(pattern, medium);
        Assert.Equal((8L, 8L), (bed.Device.Commands - commandsBefore, lun.ScsiRequests - srbsBefore)); // 256 KiB each way in SRBs of usbstor's 64 KiB: one CBW each
    }

    [Fact]
    public void A_write_through_the_partition_lands_at_the_partition_offset_on_the_usb_medium()
    {
        using var bed = new UsbStackBed();
        var pattern = Enumerable.Range(0, 4096).Select(i => (byte)(i * 13 + 5)).ToArray();
        var back = new byte[4096];
        IoResult wrote = default, read = default;
        bed.RunUser(async process =>
        {
            var partition = await CreateFile(@"\\.\Harddisk0Partition1", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(4096);
            process.WriteMemory(buffer, pattern);
            wrote = await WriteFile(partition, buffer, 4096, new Overlapped { Offset = 8192 });
            process.WriteMemory(buffer, new byte[4096]);
            read = await ReadFile(partition, buffer, 4096, new Overlapped { Offset = 8192 });
            process.ReadMemory(buffer, back);
            await CloseHandle(partition);
        });

        Assert.True(wrote.Succeeded && read.Succeeded, $"{wrote} {read}");
        Assert.Equal(pattern, back);
        var medium = new byte[4096];
        bed.Image.ReadSectors(UsbStackBed.PartitionStart + (8192 / 512), medium);
        Assert.Equal(pattern, medium);
    }

    [Fact]
    public void A_user_read_crosses_disk_usbstor_usbhub_and_the_host_controller_port_in_that_order()
    {
        using var bed = new UsbStackBed();
        using var recorder = IoTraceRecorder.Attach(bed.Pnp.Io, new KernelTraceOptions { Seed = 15 });
        IoResult read = default;
        bed.RunUser(async process =>
        {
            var disk = await CreateFile(@"\\.\PhysicalDrive0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(4096);
            read = await ReadFile(disk, buffer, 4096, new Overlapped { Offset = 65536 });
            await CloseHandle(disk);
        });
        recorder.Flush();
        var traces = recorder.GetTraces();
        var user = traces.Single(t => t.Root.Name == "ReadFile");

        Assert.True(read.Succeeded, read.ToString());
        var hostController = bed.Pnp.Pnp.FindDeviceNode(bed.UsbDeviceNode()!.Parent!.InstancePath)!.PhysicalDeviceObject.DriverObject.ImageName;
        Assert.Equal([DiskClass.ImageName, UsbStor.ImageName, UsbHub.ImageName, hostController], IoRequestDriverStack.Drivers(traces, user).Take(4));
        Assert.Equal(AkEhci.ImageName, hostController);
        var steps = IoRequestDriverStack.Steps(traces, user);
        // The SRB's three bulk transfers (CBW, data, CSW) each pass usbhub.sys's PDO down to the root hub's PDO.
        Assert.Equal(3, steps.Count(s => s.Image == UsbHub.ImageName && s.Category == TraceSpanCategory.Dispatch));
        Assert.Contains(steps, s => s.Image == UsbStor.ImageName && s.Category == TraceSpanCategory.Completion);
    }
}
