using System.Buffers.Binary;
using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;
using ActorKernel.Drivers.Storage.Class;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Stacks;

/// <summary>
/// The disk stack built by the PnP manager: the storage port reports its LUN, disk.sys attaches on
/// GenDisk, reads the MBR and reports the partitions; user I/O through the disk and a partition
/// (issue 19, acceptance item 1 for the storage stack).
/// </summary>
[Trait("Area", "Stacks")]
public sealed class DiskStackTests
{
    private const string Lun = @"SCSI\Disk&Ven_AKSIM&Prod_BLOCKDISK&Rev_1000\0&0&000000";

    private const string ExpectedTree = """
        DevNode HTREE\ROOT\0
          State = DeviceNodeStarted (0x308)
          Stack = PnpManager
          DevNode Root\*PNP0A03\0000
            State = DeviceNodeStarted (0x308)
            Service = pci (Class System)
            Stack = pci > PnpManager
            DevNode PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\00
              State = DeviceNodeStarted (0x308)
              Service = BlkMini (Class SCSIAdapter)
              Stack = BlkMini > pci
              Resource = Memory 0xE0000000-0xE000007F exclusive
              Resource = IRQ 11 shared
              DevNode SCSI\Disk&Ven_AKSIM&Prod_BLOCKDISK&Rev_1000\0&0&000000
                State = DeviceNodeStarted (0x308)
                Service = disk (Class DiskDrive)
                Stack = disk > BlkMini
                DevNode STORAGE\Partition\Harddisk0Partition1
                  State = DeviceNodeStarted (0x308)
                  Stack = disk

        """;

    [Fact]
    public void The_pnp_manager_builds_port_lun_disk_and_partition_from_the_registry()
    {
        using var bed = new StorageStackBed();

        Assert.Equal(ExpectedTree.Replace("\r\n", "\n", StringComparison.Ordinal), bed.Pnp.Pnp.DumpDeviceTree());
        var lun = bed.Pnp.Node(Lun);
        Assert.Equal(StoragePort.GenericDiskId, lun.HardwareIds[^1]);
        Assert.Equal(["SCSI\\Disk", "SCSI\\RAW"], lun.CompatibleIds);
    }

    [Fact]
    public void Each_device_stack_holds_the_expected_device_objects_bottom_first()
    {
        using var bed = new StorageStackBed();

        Assert.Equal([@"\Driver\BlkMini:-", @"\Driver\disk:\Device\Harddisk0\DR0"], StorageStackBed.Stack(bed.Pnp.Node(Lun)));
        Assert.Equal([@"\Driver\disk:\Device\Harddisk0\Partition1"], StorageStackBed.Stack(bed.Pnp.Node(@"STORAGE\Partition\Harddisk0Partition1")));
        var objects = bed.Pnp.Io.Objects;
        Assert.Equal(NtStatus.Success, objects.Lookup<DeviceObject>(@"\??\PhysicalDrive0", out var drive));
        Assert.Equal(@"\Device\Harddisk0\DR0", drive!.Name);
        Assert.Equal(NtStatus.Success, objects.Lookup<DeviceObject>(@"\Device\Harddisk0\Partition0", out var zero));
        Assert.Same(drive, zero);
        var fdo = drive.GetExtension<DiskFdoExtension>();
        Assert.Equal(64u * 1024, fdo.MaximumTransferLength); // MIN(MaximumTransferLength, (MaximumPhysicalPages - 1) * PAGE_SIZE)
        Assert.Equal(StorageStackBed.DiskSectors, fdo.SectorCount);
        Assert.Equal(0x1000_0000u, fdo.Signature);
    }

    [Fact]
    public void User_io_through_a_partition_lands_at_the_partition_offset_on_the_medium()
    {
        using var bed = new StorageStackBed();
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
        Assert.Equal(4096u, read.BytesTransferred);
        Assert.Equal(pattern, back);
        var medium = new byte[4096];
        bed.Images[0].ReadSectors(StorageStackBed.PartitionStart + (8192 / 512), medium);
        Assert.Equal(pattern, medium);
    }

    [Fact]
    public void A_transfer_larger_than_the_adapter_maximum_is_split_into_srbs_by_the_class_driver()
    {
        using var bed = new StorageStackBed();
        const int Length = 256 * 1024;
        var pattern = Enumerable.Range(0, Length).Select(i => (byte)((i * 7) ^ (i >> 9))).ToArray();
        var back = new byte[Length];
        IoResult wrote = default, read = default;
        long packetsBefore = 0, packetsAfterWrite = 0;
        var fdo = bed.Pnp.Node(Lun).PhysicalDeviceObject.AttachedDevice!.GetExtension<DiskFdoExtension>();
        var lun = bed.Pnp.Node(Lun).PhysicalDeviceObject.GetExtension<StorageLun>();
        bed.RunUser(async process =>
        {
            var disk = await CreateFile(@"\\.\PhysicalDrive0", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(Length);
            process.WriteMemory(buffer, pattern);
            packetsBefore = fdo.TransferPackets;
            wrote = await WriteFile(disk, buffer, Length, new Overlapped { Offset = 1024 * 1024 });
            packetsAfterWrite = fdo.TransferPackets;
            process.WriteMemory(buffer, new byte[Length]);
            read = await ReadFile(disk, buffer, Length, new Overlapped { Offset = 1024 * 1024 });
            process.ReadMemory(buffer, back);
            await CloseHandle(disk);
        });

        Assert.True(wrote.Succeeded && read.Succeeded, $"{wrote} {read}");
        Assert.Equal((uint)Length, wrote.BytesTransferred);
        Assert.Equal(4, packetsAfterWrite - packetsBefore); // 256 KiB in SRBs of at most 64 KiB
        Assert.Equal([65536u, 65536u, 65536u, 65536u, 65536u, 65536u, 65536u, 65536u], lun.RecentTransferLengths.TakeLast(8));
        Assert.Equal(pattern, back);
    }

    [Fact]
    public void Disk_ioctls_return_geometry_partition_length_and_adapter_maximum_in_wdk_layouts()
    {
        using var bed = new StorageStackBed();
        var geometry = new byte[StorageIoctl.DiskGeometryExSize];
        var partitionInfo = new byte[StorageIoctl.PartitionInformationExSize];
        var length = new byte[8];
        var adapter = new byte[StorageIoctl.AdapterDescriptorSize];
        IoResult g = default, p = default, l = default, a = default, small = default;
        bed.RunUser(async process =>
        {
            var disk = await CreateFile(@"\\.\PhysicalDrive0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var partition = await CreateFile(@"\\.\Harddisk0Partition1", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(4096);
            g = await DeviceIoControl(disk, StorageIoctl.DiskGetDriveGeometryEx, 0, 0, buffer, (uint)geometry.Length);
            process.ReadMemory(buffer, geometry);
            p = await DeviceIoControl(partition, StorageIoctl.DiskGetPartitionInfoEx, 0, 0, buffer, (uint)partitionInfo.Length);
            process.ReadMemory(buffer, partitionInfo);
            l = await DeviceIoControl(partition, StorageIoctl.DiskGetLengthInfo, 0, 0, buffer, 8);
            process.ReadMemory(buffer, length);
            var query = new byte[StorageIoctl.PropertyQuerySize];
            BinaryPrimitives.WriteUInt32LittleEndian(query, StorageIoctl.StorageAdapterProperty);
            process.WriteMemory(buffer + 2048, query);
            a = await DeviceIoControl(disk, StorageIoctl.QueryProperty, buffer + 2048, (uint)query.Length, buffer, (uint)adapter.Length);
            process.ReadMemory(buffer, adapter);
            small = await DeviceIoControl(partition, StorageIoctl.DiskGetPartitionInfoEx, 0, 0, buffer, 100);
            await CloseHandle(partition);
            await CloseHandle(disk);
        });

        Assert.Equal(0x000700A0u, StorageIoctl.DiskGetDriveGeometryEx.Value);
        Assert.Equal(0x00070048u, StorageIoctl.DiskGetPartitionInfoEx.Value);
        Assert.Equal(0x0007405Cu, StorageIoctl.DiskGetLengthInfo.Value);
        Assert.Equal(0x002D1400u, StorageIoctl.QueryProperty.Value);
        Assert.True(g.Succeeded && p.Succeeded && l.Succeeded && a.Succeeded, $"{g} {p} {l} {a}");
        Assert.Equal(StorageIoctl.FixedMedia, BinaryPrimitives.ReadUInt32LittleEndian(geometry.AsSpan(8)));
        Assert.Equal(512u, BinaryPrimitives.ReadUInt32LittleEndian(geometry.AsSpan(20)));
        Assert.Equal(StorageStackBed.DiskSectors * 512, BinaryPrimitives.ReadInt64LittleEndian(geometry.AsSpan(24)));
        Assert.Equal(StorageStackBed.PartitionStart * 512L, BinaryPrimitives.ReadInt64LittleEndian(partitionInfo.AsSpan(8)));
        Assert.Equal(StorageStackBed.PartitionSectors * 512L, BinaryPrimitives.ReadInt64LittleEndian(partitionInfo.AsSpan(16)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(partitionInfo.AsSpan(24)));
        Assert.Equal(0x07, partitionInfo[32]);
        Assert.Equal(StorageStackBed.PartitionSectors * 512L, BinaryPrimitives.ReadInt64LittleEndian(length));
        Assert.Equal(64u * 1024, StorageIoctl.ReadMaximumTransferLength(adapter));
        Assert.False(small.Succeeded);
        Assert.Equal(NtStatus.BufferTooSmall, small.Status);
    }

    [Fact]
    public void Unaligned_offsets_fail_with_invalid_parameter_and_past_the_medium_with_nonexistent_sector()
    {
        using var bed = new StorageStackBed();
        IoResult unalignedOffset = default, unalignedLength = default, pastEnd = default;
        bed.RunUser(async process =>
        {
            var disk = await CreateFile(@"\\.\PhysicalDrive0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(4096);
            unalignedOffset = await ReadFile(disk, buffer, 512, new Overlapped { Offset = 100 });
            unalignedLength = await ReadFile(disk, buffer, 100, new Overlapped { Offset = 0 });
            pastEnd = await ReadFile(disk, buffer, 1024, new Overlapped { Offset = (StorageStackBed.DiskSectors * 512) - 512 });
            await CloseHandle(disk);
        });

        Assert.Equal(NtStatus.InvalidParameter, unalignedOffset.Status);
        Assert.Equal(NtStatus.InvalidParameter, unalignedLength.Status);
        Assert.Equal(NtStatus.NonexistentSector, pastEnd.Status); // the device decides: ILLEGAL REQUEST / LBA out of range
    }

    [Fact]
    public void A_dma_error_at_the_controller_fails_the_read_with_io_device_error()
    {
        using var bed = new StorageStackBed();
        IoResult read = default;
        bed.Controllers[0].InjectFault(BlockControllerFault.DmaError);
        bed.RunUser(async process =>
        {
            var disk = await CreateFile(@"\\.\PhysicalDrive0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(4096);
            read = await ReadFile(disk, buffer, 4096, new Overlapped { Offset = 0 });
            await CloseHandle(disk);
        });

        Assert.False(read.Succeeded);
        Assert.Equal(NtStatus.IoDeviceError, read.Status); // SCSI_SENSE_HARDWARE_ERROR
    }
}
