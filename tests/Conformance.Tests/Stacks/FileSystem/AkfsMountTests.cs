using ActorKernel.Actors;
using ActorKernel.Drivers.FileSystem;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>
/// akfs.sys registers as a disk file system and mounts the striped volume through its VPB the first
/// time a name under the volume is opened (IRP_MN_MOUNT_VOLUME), after format.exe laid it down from
/// user mode through the raw volume (issue 19, storage; docs/stacks-storage.md, "Mount").
/// </summary>
[Trait("Area", "Stacks")]
public sealed class AkfsMountTests
{
    [Fact]
    public void Format_writes_through_the_raw_volume_and_the_first_open_of_a_name_mounts_akfs_on_the_volumes_vpb()
    {
        using var bed = new AkfsBed();
        var vpb = bed.VolumeDevice.Vpb!;
        Assert.Equal(VpbFlags.None, vpb.Flags & VpbFlags.Mounted); // format opened the volume itself: no mount
        // What format.exe wrote is on the media: volume offset 0 is stripe unit 0, the start of disk 0's partition.
        var sector = new byte[512];
        bed.Storage.Images[0].ReadSectors(StorageStackBed.PartitionStart, sector);
        var superblock = AkfsSuperblock.TryRead(sector);
        Assert.NotNull(superblock);
        Assert.Equal(StorageStackBed.StripeSize, superblock.BytesPerCluster);
        Assert.Contains(bed.Io.DiskFileSystems, d => d.DriverObject.ServiceName == Akfs.ServiceName && d.DeviceType == DeviceType.DiskFileSystem);

        var status = NtStatus.Unsuccessful;
        bed.RunUser(async process =>
        {
            var (opened, file, _) = await AkfsBed.Open(process, @"\", CreateDisposition.Open, FileCreateOptions.SynchronousIoNonalert | FileCreateOptions.DirectoryFile);
            status = opened;
            if (file is not null)
            {
                await Wdm.NtClose(file);
            }
        });

        Assert.Equal(NtStatus.Success, status);
        Assert.True((vpb.Flags & VpbFlags.Mounted) != 0);
        var vcb = bed.Vcb;
        Assert.Same(vcb.VolumeDeviceObject, vpb.DeviceObject);
        Assert.Same(vpb, vcb.Vpb);
        Assert.Equal(DeviceType.DiskFileSystem, vpb.DeviceObject!.DeviceType);
        Assert.Null(vpb.DeviceObject.Name); // a volume device object is unnamed
        Assert.Equal(bed.VolumeDevice.StackSize + 1, vpb.DeviceObject.StackSize);
        Assert.Equal("AKFS", vpb.VolumeLabel);
        Assert.Equal(0x1919_0001u, vpb.SerialNumber);
        Assert.Equal(1, vpb.MountCount);
        Assert.Same(bed.VolumeDevice, vcb.TargetDevice);
    }

    [Fact]
    public void A_volume_without_the_akfs_signature_is_STATUS_UNRECOGNIZED_VOLUME_and_stays_unmounted()
    {
        using var bed = new AkfsBed(format: false);
        var status = NtStatus.Success;
        bed.RunUser(async process => (status, _, _) = await AkfsBed.Open(process, @"\file.txt", CreateDisposition.OpenIf));

        Assert.Equal(NtStatus.UnrecognizedVolume, status);
        Assert.Equal(unchecked((int)0xC000014F), (int)status);
        Assert.Equal(1, bed.Data.UnrecognizedVolumes);
        Assert.Empty(bed.Data.Vcbs);
        Assert.Equal(VpbFlags.None, bed.VolumeDevice.Vpb!.Flags & VpbFlags.Mounted);
    }
}
