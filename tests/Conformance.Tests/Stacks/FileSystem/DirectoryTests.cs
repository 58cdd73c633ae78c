using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>Directories, names and information: NtQueryDirectoryFile, FileRenameInformation, FileDispositionInformation, the information classes.</summary>
[Trait("Area", "Stacks")]
public sealed class DirectoryTests
{
    private const string Root = FileSystemBed.Volume;

    private static async ValueTask Touch(string path)
    {
        var handle = await CreateFile(path, GenericAccess.GenericWrite, FileShareMode.Read, CreationDisposition.CreateNew, FileFlagsAndAttributes.Normal);
        Assert.True(handle.IsValid, $"{path}: {GetLastError()}");
        await CloseHandle(handle);
    }

    private static async ValueTask<List<string>> List(string pattern)
    {
        var names = new List<string>();
        var (find, data) = await FindFirstFile(pattern);
        if (!find.IsValid)
        {
            return names;
        }
        while (data is not null)
        {
            names.Add(data.FileName);
            (_, data) = await FindNextFile(find);
        }
        Assert.Equal(Win32Error.NoMoreFiles, GetLastError());
        Assert.True(await FindClose(find));
        return names;
    }

    [Fact]
    public void FindFirstFile_and_FindNextFile_list_the_entries_that_match_the_expression_then_ERROR_NO_MORE_FILES()
    {
        using var bed = new FileSystemBed();
        List<string>? all = null, texts = null, none = null;
        Win32Error noneError = default;

        bed.Run(async () =>
        {
            Assert.True(await CreateDirectory(Root + "\\dir"));
            foreach (var name in new[] { "b.txt", "a.txt", "c.log", "sub" })
            {
                if (name == "sub")
                {
                    Assert.True(await CreateDirectory(Root + "\\dir\\sub"));
                }
                else
                {
                    await Touch(Root + "\\dir\\" + name);
                }
            }
            all = await List(Root + "\\dir\\*");
            texts = await List(Root + "\\dir\\*.txt");
            var (find, _) = await FindFirstFile(Root + "\\dir\\*.doc");
            noneError = GetLastError();
            Assert.Equal(Handle.Invalid, find);
            none = await List(Root + "\\dir\\*.doc");
        });

        Assert.Equal(["a.txt", "b.txt", "c.log", "sub"], all);
        Assert.Equal(["a.txt", "b.txt"], texts);
        Assert.Empty(none!);
        Assert.Equal(Win32Error.FileNotFound, noneError); // STATUS_NO_SUCH_FILE on the first query
        var queries = bed.Requests(IrpMajorFunction.DirectoryControl);
        Assert.NotEmpty(queries);
    }

    [Fact]
    public void NtQueryDirectoryFile_with_SL_RETURN_SINGLE_ENTRY_returns_one_entry_per_call_then_STATUS_NO_MORE_FILES()
    {
        using var bed = new FileSystemBed();
        var statuses = new List<NtStatus>();
        var names = new List<string>();

        bed.Run(async () =>
        {
            await Touch(Root + "\\x1");
            await Touch(Root + "\\x2");
            var (status, directory) = await Wdm.NtCreateFile(bed.Io, "\\??\\RamDisk0\\", null, KProcessorMode.KernelMode, FileAccessMask.FileListDirectory,
                new IoStatusBlock(), FileAttribute.None, FileShareMode.Read | FileShareMode.Write, CreateDisposition.Open,
                FileCreateOptions.DirectoryFile | FileCreateOptions.SynchronousIoNonalert);
            Assert.Equal(NtStatus.Success, status);
            var buffer = new byte[512];
            for (var i = 0; i < 3; i++)
            {
                var iosb = new IoStatusBlock();
                status = await Wdm.NtQueryDirectoryFile(directory!, iosb, new UserBuffer(0, buffer), 512, FileInformationClass.FileNamesInformation, true, i == 0 ? "X*" : null, i == 0);
                statuses.Add(status);
                if (status.IsSuccess())
                {
                    names.AddRange(FileDirectoryEntry.Unpack(buffer.AsSpan(0, (int)iosb.Information), FileInformationClass.FileNamesInformation).Select(e => e.FileName));
                }
            }
            var tooSmall = await Wdm.NtQueryDirectoryFile(directory!, new IoStatusBlock(), new UserBuffer(0, buffer), 8, FileInformationClass.FileNamesInformation, true, null, true);
            statuses.Add(tooSmall);
            var wrongClass = await Wdm.NtQueryDirectoryFile(directory!, new IoStatusBlock(), new UserBuffer(0, buffer), 512, FileInformationClass.FileBasicInformation, true, null, true);
            statuses.Add(wrongClass);
            await Wdm.NtClose(directory!);
        });

        Assert.Equal([NtStatus.Success, NtStatus.Success, NtStatus.NoMoreFiles, NtStatus.InfoLengthMismatch, NtStatus.InvalidInfoClass], statuses);
        Assert.Equal(0x80000006u, unchecked((uint)NtStatus.NoMoreFiles));
        Assert.Equal(["x1", "x2"], names);
    }

    [Fact]
    public void MoveFileEx_renames_with_FileRenameInformation_and_refuses_an_existing_target_without_MOVEFILE_REPLACE_EXISTING()
    {
        using var bed = new FileSystemBed();
        var results = new List<(bool, Win32Error)>();
        List<string>? after = null;

        bed.Run(async () =>
        {
            await Touch(Root + "\\old.txt");
            await Touch(Root + "\\taken.txt");
            Assert.True(await CreateDirectory(Root + "\\d"));
            results.Add((await MoveFileEx(Root + "\\old.txt", Root + "\\taken.txt", MoveFileFlags.None), GetLastError()));
            results.Add((await MoveFileEx(Root + "\\old.txt", Root + "\\d\\new.txt", MoveFileFlags.None), GetLastError()));
            results.Add((await MoveFileEx(Root + "\\d\\new.txt", Root + "\\taken.txt", MoveFileFlags.ReplaceExisting), GetLastError()));
            results.Add((await MoveFileEx(Root + "\\missing.txt", Root + "\\x.txt", MoveFileFlags.None), GetLastError()));
            after = await List(Root + "\\*");
        });

        Assert.Equal(
        [
            (false, Win32Error.AlreadyExists),
            (true, Win32Error.Success),
            (true, Win32Error.Success),
            (false, Win32Error.FileNotFound),
        ], results);
        Assert.Equal(["d", "taken.txt"], after);
        var renames = bed.Requests(IrpMajorFunction.SetInformation);
        Assert.Equal(3, renames.Count);
    }

    [Fact]
    public void DeleteFile_and_RemoveDirectory_set_the_delete_disposition_and_a_non_empty_directory_fails_with_ERROR_DIR_NOT_EMPTY()
    {
        using var bed = new FileSystemBed();
        var results = new List<(bool, Win32Error)>();
        List<string>? after = null;

        bed.Run(async () =>
        {
            Assert.True(await CreateDirectory(Root + "\\d"));
            await Touch(Root + "\\d\\f.txt");
            results.Add((await RemoveDirectory(Root + "\\d"), GetLastError()));
            results.Add((await DeleteFile(Root + "\\d"), GetLastError()));
            results.Add((await DeleteFile(Root + "\\d\\f.txt"), GetLastError()));
            results.Add((await RemoveDirectory(Root + "\\d"), GetLastError()));
            results.Add((await DeleteFile(Root + "\\gone.txt"), GetLastError()));
            results.Add((await CreateDirectory(Root + "\\e"), GetLastError()));
            results.Add((await CreateDirectory(Root + "\\e"), GetLastError()));
            after = await List(Root + "\\*");
        });

        Assert.Equal(
        [
            (false, Win32Error.DirNotEmpty),    // 145
            (false, Win32Error.AccessDenied),   // STATUS_FILE_IS_A_DIRECTORY
            (true, Win32Error.Success),
            (true, Win32Error.Success),
            (false, Win32Error.FileNotFound),
            (true, Win32Error.Success),
            (false, Win32Error.AlreadyExists),  // 183
        ], results);
        Assert.Equal(145, (int)results[0].Item2);
        Assert.Equal(["e"], after);
    }

    [Fact]
    public void FILE_FLAG_DELETE_ON_CLOSE_deletes_the_file_at_its_last_close()
    {
        using var bed = new FileSystemBed();
        var (whileOpen, afterClose) = (0, 0);

        bed.Run(async () =>
        {
            var handle = await CreateFile(Root + "\\temp.tmp", GenericAccess.GenericWrite, FileShareMode.Read | FileShareMode.Delete, CreationDisposition.CreateNew,
                FileFlagsAndAttributes.DeleteOnClose);
            Assert.True(handle.IsValid);
            whileOpen = (await List(Root + "\\*")).Count;
            await CloseHandle(handle);
            afterClose = (await List(Root + "\\*")).Count;
        });

        Assert.Equal((1, 0), (whileOpen, afterClose));
    }

    [Fact]
    public void GetFileSizeEx_SetFilePointerEx_and_SetFileInformationByHandle_FileEndOfFileInfo_move_through_the_information_classes()
    {
        using var bed = new FileSystemBed();
        var sizes = new List<long>();
        var pointers = new List<(bool, long)>();
        Win32Error negative = default;
        FileStandardInformation standard = default;
        string? name = null;

        bed.Run(async () =>
        {
            var handle = await CreateFile(Root + "\\s.bin", GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read, CreationDisposition.CreateNew, FileFlagsAndAttributes.Normal);
            await WriteFile(handle, bed.Alloc(new byte[3000]), 3000);
            sizes.Add((await GetFileSizeEx(handle)).FileSize);
            pointers.Add(await SetFilePointerEx(handle, -1000, MoveMethod.End));
            pointers.Add(await SetFilePointerEx(handle, 10, MoveMethod.Current));
            pointers.Add(await SetFilePointerEx(handle, -5000, MoveMethod.Current));
            negative = GetLastError();
            var eof = bed.Alloc(new byte[FileEndOfFileInformation.Size]);
            var bytes = new byte[FileEndOfFileInformation.Size];
            new FileEndOfFileInformation(100).Write(bytes);
            bed.Process.WriteMemory(eof, bytes);
            Assert.True(await SetFileInformationByHandle(handle, FileInfoByHandleClass.FileEndOfFileInfo, eof, FileEndOfFileInformation.Size));
            sizes.Add((await GetFileSizeEx(handle)).FileSize);
            var info = bed.Alloc(new byte[64]);
            Assert.True(await GetFileInformationByHandleEx(handle, FileInfoByHandleClass.FileStandardInfo, info, FileStandardInformation.Size));
            standard = FileStandardInformation.Read(bed.Read(info, FileStandardInformation.Size));
            Assert.True(await GetFileInformationByHandleEx(handle, FileInfoByHandleClass.FileNameInfo, info, 64));
            name = FileNameInformation.Read(bed.Read(info, 64)).FileName;
            Assert.False(await GetFileInformationByHandleEx(handle, FileInfoByHandleClass.FileStandardInfo, info, 8));
            Assert.Equal(Win32Error.BadLength, GetLastError()); // STATUS_INFO_LENGTH_MISMATCH
            await CloseHandle(handle);
        });

        Assert.Equal([3000L, 100L], sizes);
        Assert.Equal([(true, 2000L), (true, 2010L), (false, 0L)], pointers);
        Assert.Equal(Win32Error.NegativeSeek, negative);
        Assert.Equal(new FileStandardInformation(TestFs.SlotSize, 100, 1, false, false), standard);
        Assert.Equal("\\s.bin", name);
    }

    [Theory]
    [InlineData("*", "anything.txt", true)]
    [InlineData("*.TXT", "notes.txt", true)]
    [InlineData("*.TXT", "notes.txt.bak", false)]
    [InlineData("A?C", "abc", true)]
    [InlineData("A?C", "ac", false)]
    [InlineData("<.TXT", "notes.txt", true)]
    [InlineData("NOTES\"", "notes", true)]
    [InlineData("NOTES>>", "notes", true)]
    [InlineData("EXACT", "Exact", true)]
    [InlineData("EXACT", "Exactly", false)]
    public void FsRtlIsNameInExpression_matches_NT_wildcards(string expression, string name, bool matches)
    {
        Assert.Equal(matches, Wdm.FsRtlIsNameInExpression(expression, name, ignoreCase: true));
        Assert.Equal(expression.IndexOfAny(['*', '?', '<', '>', '"']) >= 0, Wdm.FsRtlDoesNameContainWildCards(expression));
    }
}
