using System.Buffers.Binary;
using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;
using ActorKernel.Drivers.Usb;
using ActorKernel.Drivers.Usb.Storage;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Stacks.Usb;

/// <summary>usbstor.sys: the device's configuration, the LUN PDO as disk.sys sees it (IDs, storage IOCTLs, SRBs), and the Bulk-Only Transport's status rules.</summary>
[Trait("Area", "Stacks")]
public sealed class UsbStorTests
{
    [Fact]
    public void The_fdo_selects_the_bulk_only_interface_and_its_two_bulk_pipes()
    {
        using var bed = new UsbStackBed();
        var fdo = bed.UsbDeviceNode()!.PhysicalDeviceObject.AttachedDevice!.GetExtension<UsbStorFdoExtension>();

        Assert.Equal((byte)0x08, fdo.Interface.InterfaceClass);
        Assert.Equal((UsbdPipeType.Bulk, (byte)0x81), (fdo.BulkIn!.PipeType, fdo.BulkIn.EndpointAddress));
        Assert.Equal((UsbdPipeType.Bulk, (byte)0x02), (fdo.BulkOut!.PipeType, fdo.BulkOut.EndpointAddress));
        Assert.Equal((byte)0, fdo.MaxLun);
        var lun = Assert.Single(fdo.Luns);
        Assert.Equal(("AKSIM", "USB DISK", "1000"), (lun.VendorId, lun.ProductId, lun.ProductRevision)); // INQUIRY
        Assert.Equal((512u, (uint)(UsbStackBed.DiskSectors - 1)), (lun.BlockLength, lun.LastLogicalBlockAddress)); // READ CAPACITY(10)
    }

    [Fact]
    public void The_lun_pdo_identifies_itself_as_a_usbstor_disk_so_disk_sys_drives_it()
    {
        using var bed = new UsbStackBed();
        var node = bed.DiskNode()!;

        Assert.Equal(@"USBSTOR\Disk&Ven_AKSIM&Prod_USB_DISK&Rev_1000", node.DeviceId);
        Assert.Equal(
            [@"USBSTOR\DiskAKSIM___USB_DISK________1000", @"USBSTOR\DiskAKSIM___USB_DISK________", @"USBSTOR\DiskAKSIM___",
             @"USBSTOR\AKSIM___USB_DISK________1", "AKSIM___USB_DISK________1", @"USBSTOR\GenDisk", StoragePort.GenericDiskId],
            node.HardwareIds);
        Assert.Equal([@"USBSTOR\Disk", @"USBSTOR\RAW"], node.CompatibleIds);
        Assert.Equal("disk", node.ServiceName);
    }

    [Fact]
    public void The_lun_answers_the_storage_ioctls_with_usb_bus_type_and_usbstor_transfer_limit()
    {
        using var bed = new UsbStackBed();
        var adapter = new byte[StorageIoctl.AdapterDescriptorSize];
        var device = new byte[StorageIoctl.DeviceDescriptorSize];
        IoResult a = default, d = default;
        bed.RunUser(async process =>
        {
            var disk = await CreateFile(@"\\.\PhysicalDrive0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(4096);
            var query = new byte[StorageIoctl.PropertyQuerySize];
            BinaryPrimitives.WriteUInt32LittleEndian(query, StorageIoctl.StorageAdapterProperty);
            process.WriteMemory(buffer + 2048, query);
            a = await DeviceIoControl(disk, StorageIoctl.QueryProperty, buffer + 2048, (uint)query.Length, buffer, (uint)adapter.Length);
            process.ReadMemory(buffer, adapter);
            BinaryPrimitives.WriteUInt32LittleEndian(query, StorageIoctl.StorageDeviceProperty);
            process.WriteMemory(buffer + 2048, query);
            d = await DeviceIoControl(disk, StorageIoctl.QueryProperty, buffer + 2048, (uint)query.Length, buffer, (uint)device.Length);
            process.ReadMemory(buffer, device);
            await CloseHandle(disk);
        });

        Assert.True(a.Succeeded && d.Succeeded, $"{a} {d}");
        Assert.Equal(UsbStor.MaximumTransferLength, StorageIoctl.ReadMaximumTransferLength(adapter));
        Assert.Equal(UsbStor.BusTypeUsb, adapter[24]);
        Assert.Equal(UsbStor.BusTypeUsb, BinaryPrimitives.ReadUInt32LittleEndian(device.AsSpan(28)));
        Assert.Equal(1, device[10]); // RemovableMedia: INQUIRY's RMB
    }

    [Fact]
    public void A_read_past_the_medium_fails_with_the_sense_request_sense_returned()
    {
        using var bed = new UsbStackBed();
        IoResult pastEnd = default, after = default;
        bed.RunUser(async process =>
        {
            var disk = await CreateFile(@"\\.\PhysicalDrive0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(4096);
            pastEnd = await ReadFile(disk, buffer, 1024, new Overlapped { Offset = (UsbStackBed.DiskSectors * 512) - 512 });
            after = await ReadFile(disk, buffer, 512, new Overlapped { Offset = 0 });
            await CloseHandle(disk);
        });

        // CSW Command Failed -> REQUEST SENSE: ILLEGAL REQUEST / LOGICAL BLOCK ADDRESS OUT OF RANGE -> disk.sys's ClassInterpretSenseInfo.
        Assert.Equal(NtStatus.NonexistentSector, pastEnd.Status);
        Assert.True(after.Succeeded, $"the next command goes through: {after}");
    }

    [Theory]
    [InlineData(0x53425355u, 7u, 0u, (byte)0, true)]    // Command Passed, the CBW's tag
    [InlineData(0x53425355u, 7u, 512u, (byte)1, true)]  // Command Failed with a residue
    [InlineData(0x53425355u, 7u, 0u, (byte)2, true)]    // Phase Error (meaningful: reset recovery follows)
    [InlineData(0x53425355u, 8u, 0u, (byte)0, false)]   // another command's tag: not valid
    [InlineData(0x43425355u, 7u, 0u, (byte)0, false)]   // 'USBC': not a CSW
    [InlineData(0x53425355u, 7u, 4096u, (byte)0, false)] // residue above dCBWDataTransferLength: not meaningful
    [InlineData(0x53425355u, 7u, 0u, (byte)3, false)]   // reserved status: not meaningful
    public void A_csw_is_acted_on_only_when_valid_and_meaningful(uint signature, uint tag, uint residue, byte status, bool meaningful)
    {
        var csw = new byte[UsbMassStorage.CswSize];
        BinaryPrimitives.WriteUInt32LittleEndian(csw, signature);
        BinaryPrimitives.WriteUInt32LittleEndian(csw.AsSpan(4), tag);
        BinaryPrimitives.WriteUInt32LittleEndian(csw.AsSpan(8), residue);
        csw[12] = status;

        Assert.Equal(meaningful, UsbStor.UsbStorCheckCsw(csw, 7, 1024).Meaningful);
        Assert.False(UsbStor.UsbStorCheckCsw(csw.AsSpan(0, 12), 7, 1024).Meaningful); // BOT 6.3.1: exactly 13 bytes
    }

    [Theory]
    [InlineData(SrbStatus.Success, NtStatus.Success)]
    [InlineData(SrbStatus.NoDevice, NtStatus.DeviceDoesNotExist)]
    [InlineData(SrbStatus.Error, NtStatus.IoDeviceError)]
    [InlineData(SrbStatus.InvalidRequest, NtStatus.InvalidDeviceRequest)]
    [InlineData((SrbStatus)0x12, NtStatus.BufferOverflow)]        // SRB_STATUS_DATA_OVERRUN
    [InlineData((SrbStatus)0x0E, NtStatus.DeviceNotConnected)]    // SRB_STATUS_BUS_RESET
    [InlineData((SrbStatus)0x84, NtStatus.IoDeviceError)]         // SRB_STATUS_ERROR | SRB_STATUS_AUTOSENSE_VALID
    public void The_scsi_irp_completes_with_the_status_usbstor_maps_the_srb_status_to(SrbStatus srbStatus, NtStatus expected) =>
        Assert.Equal(expected, UsbStor.UsbStorSrbStatusToNtStatus(srbStatus));
}
