using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>VPB and mount (IopMountVolume, IopCheckVpbMounted, IoRegisterFileSystem, IopParseDevice).</summary>
[Trait("Area", "Stacks")]
public sealed class MountTests
{
    [Fact]
    public void IoCreateDevice_gives_FILE_DEVICE_DISK_a_VPB_and_other_types_none()
    {
        using var bed = new FileSystemBed();

        Assert.NotNull(bed.Disk.Vpb);
        Assert.Same(bed.Disk, bed.Disk.Vpb!.RealDevice);
        Assert.Equal(VpbFlags.None, bed.Disk.Vpb.Flags);
        Assert.Null(bed.Fs.ControlDevice!.Vpb); // FILE_DEVICE_DISK_FILE_SYSTEM
        Assert.Empty(bed.MountLog);
    }

    [Fact]
    public void Mount_sends_MOUNT_VOLUME_to_the_last_registered_file_system_first_and_skips_the_one_that_does_not_recognize()
    {
        using var bed = new FileSystemBed(volumeTag: "A", fileSystems: ["A", "B"]);
        var fsA = bed.FileSystems[0];

        bed.Run(async () =>
        {
            var handle = await CreateFile(FileSystemBed.Volume + "\\first.txt", GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read, CreationDisposition.CreateNew, FileFlagsAndAttributes.Normal);
            Assert.True(handle.IsValid, GetLastError().ToString());
            Assert.True(await CloseHandle(handle));
        });

        Assert.Equal(["B:unrecognized", "A:recognized"], bed.MountLog);
        var vpb = bed.Disk.Vpb!;
        Assert.Equal(VpbFlags.Mounted, vpb.Flags);
        Assert.Same(fsA.Driver, vpb.DeviceObject!.DriverObject);
        Assert.Equal("TESTFSA", vpb.VolumeLabel);
        Assert.Equal(bed.Disk.StackSize + 1, vpb.DeviceObject.StackSize); // IopMountInitializeVpb: the storage stack + the file system
        Assert.Equal(0, vpb.ReferenceCount); // the one open is closed
        Assert.Equal(1, vpb.MountCount);
        Assert.Contains("VolumeLabel 'TESTFSA'", IoDebugger.Vpb(vpb), StringComparison.Ordinal);
    }

    [Fact]
    public void A_volume_no_file_system_recognizes_fails_the_open_with_STATUS_UNRECOGNIZED_VOLUME_and_a_direct_device_open_still_works()
    {
        using var bed = new FileSystemBed(volumeTag: "Z", fileSystems: ["A", "B"]);
        Win32Error error = default;
        NtStatus status = default;
        var direct = Handle.Invalid;

        bed.Run(async () =>
        {
            var handle = await CreateFile(FileSystemBed.Volume + "\\x.txt", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenAlways, FileFlagsAndAttributes.Normal);
            Assert.Equal(Handle.Invalid, handle);
            (error, status) = (GetLastError(), GetLastNtStatus());
            direct = await CreateFile(FileSystemBed.Volume, GenericAccess.GenericRead, FileShareMode.Read | FileShareMode.Write, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
        });

        Assert.Equal((Win32Error.UnrecognizedVolume, NtStatus.UnrecognizedVolume), (error, status));
        Assert.Equal(0xC000014Fu, (uint)status);
        Assert.Equal(1005, (int)error);
        Assert.Equal(["B:unrecognized", "A:unrecognized"], bed.MountLog);
        Assert.Equal(VpbFlags.None, bed.Disk.Vpb!.Flags);
        Assert.True(direct.IsValid); // no remaining name: the device itself (FO_DIRECT_DEVICE_OPEN), no mount
    }

    [Fact]
    public void Creates_reach_the_file_systems_volume_device_with_the_remaining_name_in_FileObject_FileName()
    {
        using var bed = new FileSystemBed();

        bed.Run(async () =>
        {
            Assert.True(await CreateDirectory(FileSystemBed.Volume + "\\dir"));
            var handle = await CreateFile(FileSystemBed.Volume + "\\dir\\file.txt", GenericAccess.GenericWrite, FileShareMode.None, CreationDisposition.CreateNew, FileFlagsAndAttributes.Normal);
            Assert.True(handle.IsValid);
            Assert.True(await CloseHandle(handle));
        });

        var creates = bed.Requests(IrpMajorFunction.Create);
        Assert.Equal(["\\dir", "\\dir\\file.txt"], creates.Select(c => c.FileName));
        Assert.All(creates, c => Assert.Same(bed.Disk.Vpb!.DeviceObject, c.Device));
        Assert.Single(bed.MountLog); // mounted once, by the first open
    }

    [Fact]
    public void The_second_open_of_a_mounted_volume_sends_no_mount_and_references_the_VPB_while_open()
    {
        using var bed = new FileSystemBed();
        var referencesWhileOpen = -1;

        bed.Run(async () =>
        {
            var first = await CreateFile(FileSystemBed.Volume + "\\a", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.CreateNew, FileFlagsAndAttributes.Normal);
            var second = await CreateFile(FileSystemBed.Volume + "\\a", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            referencesWhileOpen = bed.Disk.Vpb!.ReferenceCount;
            await CloseHandle(first);
            await CloseHandle(second);
        });

        Assert.Equal(2, referencesWhileOpen);
        Assert.Equal(0, bed.Disk.Vpb!.ReferenceCount);
        Assert.Equal(["A:recognized"], bed.MountLog);
    }

    [Fact]
    public void A_relative_open_names_its_file_in_RelatedFileObject_and_goes_to_the_same_volume_device()
    {
        using var bed = new FileSystemBed();
        FileObject? related = null;
        var status = NtStatus.Unsuccessful;

        bed.Run(async () =>
        {
            Assert.True(await CreateDirectory(FileSystemBed.Volume + "\\dir"));
            var (opened, directory) = await Wdm.NtCreateFile(bed.Io, "\\??\\RamDisk0\\dir", null, KProcessorMode.KernelMode, FileAccessMask.FileListDirectory,
                new IoStatusBlock(), FileAttribute.None, FileShareMode.Read | FileShareMode.Write, CreateDisposition.Open,
                FileCreateOptions.DirectoryFile | FileCreateOptions.SynchronousIoNonalert);
            Assert.Equal(NtStatus.Success, opened);
            (status, var file) = await Wdm.NtCreateFile(bed.Io, "inner.txt", directory, KProcessorMode.KernelMode, FileAccessMask.FileWriteData,
                new IoStatusBlock(), FileAttribute.Normal, FileShareMode.None, CreateDisposition.Create, FileCreateOptions.NonDirectoryFile | FileCreateOptions.SynchronousIoNonalert);
            related = file?.RelatedFileObject;
            Assert.Same(bed.Disk.Vpb, file?.Vpb);
            await Wdm.NtClose(file!);
            await Wdm.NtClose(directory!);
        });

        Assert.Equal(NtStatus.Success, status);
        Assert.NotNull(related);
        var create = bed.Requests(IrpMajorFunction.Create)[^1];
        Assert.Equal("inner.txt", create.FileName);
        Assert.Same(bed.Disk.Vpb!.DeviceObject, create.Device);
    }

    [Fact]
    public async Task An_ERESOURCE_held_exclusive_refuses_a_shared_acquire_without_wait_and_lets_its_owner_acquire_again()
    {
        var resource = new EResource();

        Assert.True(await Wdm.ExAcquireResourceExclusiveLite(resource, wait: false));
        Assert.True(resource.IsAcquiredExclusive);
        Assert.True(await Wdm.ExAcquireResourceSharedLite(resource, wait: false)); // the owner's recursion
        Wdm.ExReleaseResourceLite(resource);
        Wdm.ExReleaseResourceLite(resource);
        Assert.False(resource.IsAcquiredExclusive);
        Assert.True(await Wdm.ExAcquireResourceSharedLite(resource, wait: false));
        Assert.True(await Wdm.ExAcquireResourceSharedLite(resource, wait: false));
        Assert.Equal(2, resource.SharedCount);
        Assert.False(await Wdm.ExAcquireResourceExclusiveLite(resource, wait: false)); // shared owners: no exclusive without waiting
        Wdm.ExReleaseResourceLite(resource);
        Wdm.ExReleaseResourceLite(resource);
        Assert.True(await Wdm.ExAcquireResourceExclusiveLite(resource, wait: false));
    }
}
