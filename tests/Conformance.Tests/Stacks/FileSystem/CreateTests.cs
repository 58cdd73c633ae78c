using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>IRP_MJ_CREATE through a file system: dispositions, Information, share access, kernel32's errors.</summary>
[Trait("Area", "Stacks")]
public sealed class CreateTests
{
    private const string Path = FileSystemBed.Volume + "\\file.txt";

    private static async ValueTask<(NtStatus Status, ulong Information)> NtCreate(FileSystemBed bed, string name, CreateDisposition disposition,
        FileCreateOptions options = FileCreateOptions.NonDirectoryFile)
    {
        var iosb = new IoStatusBlock();
        var (status, file) = await Wdm.NtCreateFile(bed.Io, "\\??\\RamDisk0" + name, null, KProcessorMode.KernelMode,
            FileAccessMask.FileReadData | FileAccessMask.FileWriteData, iosb, FileAttribute.Normal, FileShareMode.Read | FileShareMode.Write | FileShareMode.Delete,
            disposition, options | FileCreateOptions.SynchronousIoNonalert);
        if (file is not null)
        {
            await Wdm.NtClose(file);
        }
        return (status, status.IsSuccess() ? iosb.Information : ulong.MaxValue);
    }

    [Fact]
    public void Each_disposition_returns_the_Information_NT_defines_or_its_failure()
    {
        using var bed = new FileSystemBed();
        var results = new List<(NtStatus, ulong)>();

        bed.Run(async () =>
        {
            results.Add(await NtCreate(bed, "\\f", CreateDisposition.Open));        // missing
            results.Add(await NtCreate(bed, "\\f", CreateDisposition.Overwrite));   // missing
            results.Add(await NtCreate(bed, "\\f", CreateDisposition.Create));      // created
            results.Add(await NtCreate(bed, "\\f", CreateDisposition.Create));      // exists
            results.Add(await NtCreate(bed, "\\f", CreateDisposition.Open));
            results.Add(await NtCreate(bed, "\\f", CreateDisposition.OpenIf));
            results.Add(await NtCreate(bed, "\\g", CreateDisposition.OpenIf));
            results.Add(await NtCreate(bed, "\\f", CreateDisposition.Overwrite));
            results.Add(await NtCreate(bed, "\\f", CreateDisposition.OverwriteIf));
            results.Add(await NtCreate(bed, "\\h", CreateDisposition.OverwriteIf));
            results.Add(await NtCreate(bed, "\\f", CreateDisposition.Supersede));
            results.Add(await NtCreate(bed, "\\i", CreateDisposition.Supersede));
        });

        Assert.Equal(
        [
            (NtStatus.ObjectNameNotFound, ulong.MaxValue),
            (NtStatus.ObjectNameNotFound, ulong.MaxValue),
            (NtStatus.Success, 2UL),      // FILE_CREATED
            (NtStatus.ObjectNameCollision, ulong.MaxValue),
            (NtStatus.Success, 1UL),      // FILE_OPENED
            (NtStatus.Success, 1UL),
            (NtStatus.Success, 2UL),
            (NtStatus.Success, 3UL),      // FILE_OVERWRITTEN
            (NtStatus.Success, 3UL),
            (NtStatus.Success, 2UL),
            (NtStatus.Success, 0UL),      // FILE_SUPERSEDED
            (NtStatus.Success, 2UL),
        ], results);
        Assert.Equal(12, bed.Requests(IrpMajorFunction.Create).Count);
    }

    [Fact]
    public void Parameters_Create_carries_the_disposition_in_the_high_byte_and_the_options_below_it()
    {
        using var bed = new FileSystemBed();
        uint options = 0;
        ushort share = 0;
        bed.Fs.Driver!.MajorFunction[(int)IrpMajorFunction.Create] = Spy(bed.Fs.Driver.MajorFunction[(int)IrpMajorFunction.Create], stack =>
        {
            options = stack.Parameters.Create.Options;
            share = stack.Parameters.Create.ShareAccess;
        });

        bed.Run(async () => await NtCreate(bed, "\\f", CreateDisposition.OverwriteIf, FileCreateOptions.NonDirectoryFile | FileCreateOptions.WriteThrough));

        Assert.Equal(5u, options >> 24); // FILE_OVERWRITE_IF
        Assert.Equal(0x40u | 0x20u | 0x2u, options & 0x00FF_FFFF); // FILE_NON_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT | FILE_WRITE_THROUGH
        Assert.Equal((ushort)7, share);
    }

    private static DriverDispatch Spy(DriverDispatch inner, Action<IoStackLocation> look) => (device, irp) =>
    {
        look(irp.CurrentStackLocation);
        return inner(device, irp);
    };

    [Fact]
    public void CreateFile_maps_CREATE_NEW_of_an_existing_file_to_ERROR_FILE_EXISTS_and_CREATE_ALWAYS_OPEN_ALWAYS_of_one_to_success_with_ERROR_ALREADY_EXISTS()
    {
        using var bed = new FileSystemBed();
        var errors = new List<(bool Valid, Win32Error Error)>();

        bed.Run(async () =>
        {
            async ValueTask Try(CreationDisposition disposition, string path = Path)
            {
                var handle = await CreateFile(path, GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read | FileShareMode.Write, disposition, FileFlagsAndAttributes.Normal);
                errors.Add((handle.IsValid, GetLastError()));
                if (handle.IsValid)
                {
                    await CloseHandle(handle);
                }
            }
            await Try(CreationDisposition.OpenExisting);
            await Try(CreationDisposition.TruncateExisting);
            await Try(CreationDisposition.CreateNew);
            await Try(CreationDisposition.CreateNew);
            await Try(CreationDisposition.CreateAlways);
            await Try(CreationDisposition.OpenAlways);
            await Try(CreationDisposition.TruncateExisting);
            await Try(CreationDisposition.OpenExisting, FileSystemBed.Volume + "\\nodir\\file.txt");
            await Try((CreationDisposition)0);
        });

        Assert.Equal(
        [
            (false, Win32Error.FileNotFound),   // 2
            (false, Win32Error.FileNotFound),
            (true, Win32Error.Success),
            (false, Win32Error.FileExists),     // 80, not 183
            (true, Win32Error.AlreadyExists),   // 183 on success
            (true, Win32Error.AlreadyExists),
            (true, Win32Error.Success),
            (false, Win32Error.PathNotFound),   // 3
            (false, Win32Error.InvalidParameter),
        ], errors);
    }

    [Fact]
    public void A_second_open_asking_for_write_when_the_first_shares_only_read_fails_with_ERROR_SHARING_VIOLATION()
    {
        using var bed = new FileSystemBed();
        var results = new List<(bool, Win32Error, NtStatus)>();

        bed.Run(async () =>
        {
            var first = await CreateFile(Path, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.CreateNew, FileFlagsAndAttributes.Normal);
            var writer = await CreateFile(Path, GenericAccess.GenericWrite, FileShareMode.Read | FileShareMode.Write, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            results.Add((writer.IsValid, GetLastError(), GetLastNtStatus()));
            var reader = await CreateFile(Path, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            results.Add((reader.IsValid, GetLastError(), GetLastNtStatus()));
            var noWriteShare = await CreateFile(Path, GenericAccess.GenericRead, FileShareMode.Read | FileShareMode.Write, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            results.Add((noWriteShare.IsValid, GetLastError(), GetLastNtStatus()));
            await CloseHandle(first);
            await CloseHandle(reader);
            await CloseHandle(noWriteShare);
            var afterClose = await CreateFile(Path, GenericAccess.GenericWrite, FileShareMode.None, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            results.Add((afterClose.IsValid, GetLastError(), GetLastNtStatus()));
            await CloseHandle(afterClose);
        });

        Assert.Equal((false, Win32Error.SharingViolation, NtStatus.SharingViolation), results[0]);
        Assert.Equal(32, (int)results[0].Item2);
        Assert.Equal(0xC0000043u, (uint)results[0].Item3);
        Assert.Equal((true, Win32Error.Success, NtStatus.Success), results[1]);
        Assert.Equal((true, Win32Error.Success, NtStatus.Success), results[2]); // a reader that shares more than asked fits: no open writes
        Assert.Equal((true, Win32Error.Success, NtStatus.Success), results[3]); // IoRemoveShareAccess at each cleanup
    }

    [Fact]
    public void IoCheckShareAccess_refuses_what_an_earlier_open_does_not_share_and_counts_an_open_only_with_Update()
    {
        var share = new ShareAccess();
        using var bed = new FileSystemBed();
        var first = new FileObject(bed.Disk);
        var second = new FileObject(bed.Disk);
        var third = new FileObject(bed.Disk);

        Wdm.IoSetShareAccess(FileAccessMask.FileReadData, FileShareMode.Read, first, share);
        var write = Wdm.IoCheckShareAccess(FileAccessMask.FileWriteData, FileShareMode.Read | FileShareMode.Write, second, share, update: true);
        var read = Wdm.IoCheckShareAccess(FileAccessMask.FileReadData, FileShareMode.Read, third, share, update: false);
        var countsBefore = (share.OpenCount, share.Readers);
        var attributesOnly = Wdm.IoCheckShareAccess(FileAccessMask.FileReadAttributes, FileShareMode.None, second, share, update: true);

        Assert.Equal(NtStatus.SharingViolation, write);
        Assert.Equal(NtStatus.Success, read);
        Assert.Equal((1u, 1u), countsBefore);
        Assert.Equal(NtStatus.Success, attributesOnly); // no read, write or delete: always fits, not counted
        Assert.Equal(1u, share.OpenCount);
        Wdm.IoUpdateShareAccess(third, share);
        Assert.Equal((2u, 2u, 2u), (share.OpenCount, share.Readers, share.SharedRead));
        Wdm.IoRemoveShareAccess(first, share);
        Assert.Equal((1u, 1u), (share.OpenCount, share.Readers));
    }

    [Fact]
    public void FILE_DIRECTORY_FILE_on_a_file_and_FILE_NON_DIRECTORY_FILE_on_a_directory_fail_as_NT_defines()
    {
        using var bed = new FileSystemBed();
        var results = new List<NtStatus>();

        bed.Run(async () =>
        {
            results.Add((await NtCreate(bed, "\\d", CreateDisposition.Create, FileCreateOptions.DirectoryFile)).Status);
            results.Add((await NtCreate(bed, "\\f", CreateDisposition.Create)).Status);
            results.Add((await NtCreate(bed, "\\d", CreateDisposition.Open)).Status);
            results.Add((await NtCreate(bed, "\\f", CreateDisposition.Open, FileCreateOptions.DirectoryFile)).Status);
            results.Add((await NtCreate(bed, "\\f\\x", CreateDisposition.OpenIf)).Status);
        });

        Assert.Equal([NtStatus.Success, NtStatus.Success, NtStatus.FileIsADirectory, NtStatus.NotADirectory, NtStatus.ObjectPathNotFound], results);
    }
}
