using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>
/// Files and directories on akfs from user mode through kernel32 (issue 19, acceptance item 4):
/// create, write, read back, list, rename and delete, and what lands on the two disks.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class AkfsFileTests
{
    private const string Root = @"\\.\StripeVolume0";
    private const int Cluster = (int)StorageStackBed.StripeSize;

    private static async ValueTask<List<string>> Names(string pattern)
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
            (var more, data) = await FindNextFile(find);
            if (!more)
            {
                break;
            }
        }
        await FindClose(find);
        return names;
    }

    private static async ValueTask<bool> WriteAll(UserProcess process, string name, CreationDisposition disposition, byte[] data)
    {
        var file = await CreateFile(name, GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read, disposition, FileFlagsAndAttributes.Normal);
        if (!file.IsValid)
        {
            return false;
        }
        var buffer = process.VirtualAlloc((ulong)data.Length);
        process.WriteMemory(buffer, data);
        var wrote = await WriteFile(file, buffer, (uint)data.Length);
        await CloseHandle(file);
        return wrote.Succeeded && wrote.BytesTransferred == data.Length;
    }

    private static async ValueTask<byte[]?> ReadAll(UserProcess process, string name, int length)
    {
        var file = await CreateFile(name, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
        if (!file.IsValid)
        {
            return null;
        }
        var buffer = process.VirtualAlloc((ulong)length + 4096);
        var read = await ReadFile(file, buffer, (uint)length + 4096);
        await CloseHandle(file);
        var data = new byte[read.BytesTransferred];
        process.ReadMemory(buffer, data);
        return read.Succeeded ? data : null;
    }

    [Fact]
    public void Files_are_created_written_read_back_listed_renamed_and_deleted_from_user_mode()
    {
        using var bed = new AkfsBed();
        var a = AkfsBed.Pattern((Cluster * 3 / 2) + 100, 1); // a cluster and a half: two clusters, one extent
        var b = AkfsBed.Pattern(5000, 2);
        bool madeDir = false, wroteA = false, wroteB = false, renamed = false, deleted = false, renamedAway = false;
        byte[]? backA = null, backC = null;
        List<string> listed = [], afterRename = [], afterDelete = [], root = [];
        Win32Error missing = default;
        bed.RunUser(async process =>
        {
            madeDir = await CreateDirectory(Root + @"\data");
            wroteA = await WriteAll(process, Root + @"\data\a.txt", CreationDisposition.CreateNew, a);
            wroteB = await WriteAll(process, Root + @"\data\b.txt", CreationDisposition.CreateNew, b);
            backA = await ReadAll(process, Root + @"\data\a.txt", a.Length);
            listed = await Names(Root + @"\data\*");
            root = await Names(Root + @"\*");
            renamed = await MoveFileEx(Root + @"\data\b.txt", Root + @"\data\c.txt", MoveFileFlags.None);
            afterRename = await Names(Root + @"\data\*.txt");
            renamedAway = await ReadAll(process, Root + @"\data\b.txt", 1) is null;
            missing = GetLastError();
            backC = await ReadAll(process, Root + @"\data\c.txt", b.Length);
            deleted = await DeleteFile(Root + @"\data\a.txt");
            afterDelete = await Names(Root + @"\data\*");
        });

        Assert.True(madeDir && wroteA && wroteB, "directory and files created and written");
        Assert.Equal(a, backA);
        Assert.Equal(["a.txt", "b.txt"], listed);
        Assert.Equal(["data"], root);
        Assert.True(renamed);
        Assert.Equal(["a.txt", "c.txt"], afterRename);
        Assert.True(renamedAway);
        Assert.Equal(Win32Error.FileNotFound, missing);
        Assert.Equal(b, backC);
        Assert.True(deleted);
        Assert.Equal(["c.txt"], afterDelete);
    }

    [Fact]
    public void A_files_clusters_are_on_the_disks_where_its_extents_say_each_cluster_one_stripe_unit_of_one_member()
    {
        using var bed = new AkfsBed();
        var data = AkfsBed.Pattern(3 * Cluster, 5);
        var wrote = false;
        AkfsExtentSnapshot? extents = null;
        bed.RunUser(async process =>
        {
            wrote = await WriteAll(process, Root + @"\big.bin", CreationDisposition.CreateNew, data);
            var file = await CreateFile(Root + @"\big.bin", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            extents = AkfsExtentSnapshot.Of(bed, "big.bin");
            await CloseHandle(file);
        });

        Assert.True(wrote);
        Assert.NotNull(extents);
        var unit = new byte[Cluster];
        var fileCluster = 0;
        foreach (var extent in extents.Extents)
        {
            for (var c = extent.StartCluster; c < extent.StartCluster + extent.ClusterCount; c++, fileCluster++)
            {
                // Volume cluster c is stripe unit c: member c % 2 at member offset (c / 2) * stripe unit.
                bed.Storage.Images[(int)(c % 2)].ReadSectors(StorageStackBed.PartitionStart + (c / 2 * Cluster / 512), unit);
                Assert.Equal(data.AsSpan(fileCluster * Cluster, Cluster).ToArray(), unit);
            }
        }
        Assert.Equal(3, fileCluster);
    }

    [Fact]
    public void Removing_a_directory_that_has_entries_fails_with_ERROR_DIR_NOT_EMPTY_and_rename_onto_a_name_needs_MOVEFILE_REPLACE_EXISTING()
    {
        using var bed = new AkfsBed();
        bool removed = true, removedEmpty = false, collided = true, replaced = false;
        Win32Error notEmpty = default, exists = default;
        NtStatus notEmptyStatus = default;
        byte[]? after = null;
        List<string> names = [];
        bed.RunUser(async process =>
        {
            await CreateDirectory(Root + @"\d");
            await WriteAll(process, Root + @"\d\x", CreationDisposition.CreateNew, AkfsBed.Pattern(10, 1));
            await WriteAll(process, Root + @"\d\y", CreationDisposition.CreateNew, AkfsBed.Pattern(20, 2));
            removed = await RemoveDirectory(Root + @"\d");
            notEmpty = GetLastError();
            notEmptyStatus = GetLastNtStatus();
            collided = await MoveFileEx(Root + @"\d\x", Root + @"\d\y", MoveFileFlags.None);
            exists = GetLastError();
            replaced = await MoveFileEx(Root + @"\d\x", Root + @"\d\y", MoveFileFlags.ReplaceExisting);
            after = await ReadAll(process, Root + @"\d\y", 100);
            names = await Names(Root + @"\d\*");
            await DeleteFile(Root + @"\d\y");
            removedEmpty = await RemoveDirectory(Root + @"\d");
        });

        Assert.False(removed);
        Assert.Equal(Win32Error.DirNotEmpty, notEmpty);
        Assert.Equal(NtStatus.DirectoryNotEmpty, notEmptyStatus);
        Assert.Equal(unchecked((int)0xC0000101), (int)notEmptyStatus);
        Assert.False(collided);
        Assert.Equal(Win32Error.AlreadyExists, exists);
        Assert.True(replaced);
        Assert.Equal(AkfsBed.Pattern(10, 1), after); // y is now what x was
        Assert.Equal(["y"], names);
        Assert.True(removedEmpty);
    }

    [Fact]
    public void Reading_at_end_of_file_reads_nothing_and_an_extending_write_grows_the_file_as_GetFileSizeEx_reports()
    {
        using var bed = new AkfsBed();
        long before = -1, after = -1;
        IoResult atEnd = default, extended = default;
        bed.RunUser(async process =>
        {
            var file = await CreateFile(Root + @"\grow.bin", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.CreateNew, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(8192);
            process.WriteMemory(buffer, AkfsBed.Pattern(8192, 3));
            await WriteFile(file, buffer, 1000);
            (_, before) = await GetFileSizeEx(file);
            atEnd = await ReadFile(file, buffer, 100, new Overlapped { Offset = 1000 });
            extended = await WriteFile(file, buffer, 8192, new Overlapped { Offset = Cluster - 100 }); // across a cluster boundary
            (_, after) = await GetFileSizeEx(file);
            await CloseHandle(file);
        });

        Assert.Equal(1000, before);
        Assert.True(atEnd.Succeeded);
        Assert.Equal(0u, atEnd.BytesTransferred); // a synchronous read at end of file: TRUE, 0 bytes (STATUS_END_OF_FILE)
        Assert.True(extended.Succeeded);
        Assert.Equal(Cluster - 100 + 8192, after);
    }
}

/// <summary>A file's extents as its FCB holds them while it is open (for tests that look at the media).</summary>
internal sealed record AkfsExtentSnapshot(IReadOnlyList<Drivers.FileSystem.AkfsExtent> Extents)
{
    public static AkfsExtentSnapshot Of(AkfsBed bed, string nameInRoot) =>
        new(bed.Vcb.Fcbs.Values.Single(f => f.Name == nameInRoot).Extents);
}
