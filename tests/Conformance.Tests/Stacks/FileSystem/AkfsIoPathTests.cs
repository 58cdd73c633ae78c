using ActorKernel.Actors;
using ActorKernel.Drivers.FileSystem;
using ActorKernel.Drivers.Volume;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>
/// The ways a file read goes through akfs (issue 19, acceptance item 4): the fast I/O path on a
/// cached open once its cache map exists (no IRP), an IRP otherwise; non-cached reads translated to
/// one volume read each; ReadFileScatter / WriteFileGather into separate pages.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class AkfsIoPathTests
{
    private const string Root = @"\\.\StripeVolume0";
    private const int Cluster = (int)StorageStackBed.StripeSize;

    /// <summary>Writes <paramref name="data"/> to a new file and closes it (the last cleanup writes the cache back).</summary>
    private static async ValueTask MakeFile(UserProcess process, string name, byte[] data)
    {
        var file = await CreateFile(name, GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.CreateAlways, FileFlagsAndAttributes.Normal);
        var buffer = process.VirtualAlloc((ulong)data.Length);
        process.WriteMemory(buffer, data);
        await WriteFile(file, buffer, (uint)data.Length);
        await CloseHandle(file);
    }

    private static async ValueTask<byte[]> ReadAt(UserProcess process, Handle file, long offset, int length)
    {
        var buffer = process.VirtualAlloc((ulong)length);
        var read = await ReadFile(file, buffer, (uint)length, new Overlapped { Offset = offset });
        var data = new byte[read.Succeeded ? read.BytesTransferred : 0];
        process.ReadMemory(buffer, data);
        return data;
    }

    [Fact]
    public void A_cached_read_takes_fast_io_once_the_cache_map_exists_and_a_non_cached_open_gets_an_irp_that_reaches_the_volume()
    {
        using var bed = new AkfsBed();
        var data = AkfsBed.Pattern(4 * 4096, 9);
        var steps = new List<(string Step, long IrpReads, long FastTaken, long VolumeTransfers, bool Equal)>();
        bed.RunUser(async process =>
        {
            await MakeFile(process, Root + @"\f.bin", data);
            var cached = await CreateFile(Root + @"\f.bin", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var uncached = await CreateFile(Root + @"\f.bin", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.NoBuffering);
            void Note(string step, byte[] got, int offset) =>
                steps.Add((step, bed.Vcb.IrpReads, bed.Driver.FastIoStatistics.ReadsTaken, bed.Vcb.NonCachedTransfers, got.AsSpan().SequenceEqual(data.AsSpan(offset, 4096))));
            Note("first cached", await ReadAt(process, cached, 0, 4096), 0);
            Note("second cached", await ReadAt(process, cached, 4096, 4096), 4096);
            Note("third cached", await ReadAt(process, cached, 8192, 4096), 8192);
            Note("non-cached", await ReadAt(process, uncached, 12288, 4096), 12288);
            await CloseHandle(cached);
            await CloseHandle(uncached);
        });

        Assert.All(steps, s => Assert.True(s.Equal, s.Step + ": the data read is the data written"));
        // The first read of the file object: no cache map yet, so the I/O manager builds an IRP (akfs initializes the cache).
        Assert.Equal(steps[0].FastTaken, steps[1].FastTaken - 1);
        // Then fast I/O: FsRtlCopyRead from the cache, counted, and no IRP reaches akfs.
        Assert.Equal(steps[0].IrpReads, steps[1].IrpReads);
        Assert.Equal(steps[1].FastTaken + 1, steps[2].FastTaken);
        Assert.Equal(steps[1].IrpReads, steps[2].IrpReads);
        Assert.Equal(bed.Driver.FastIoStatistics.ReadsTaken, bed.Vcb.FastIoReads); // akfs counts what the I/O manager counts
        // A non-cached open is never offered to fast I/O: an IRP, and akfs sends it to the volume.
        Assert.Equal(steps[2].FastTaken, steps[3].FastTaken);
        Assert.Equal(steps[2].IrpReads + 1, steps[3].IrpReads);
        Assert.Equal(steps[2].VolumeTransfers + 1, steps[3].VolumeTransfers);
    }

    [Fact]
    public void With_the_FastIo_parameter_off_akfs_offers_no_fast_io_and_every_cached_read_is_an_irp()
    {
        using var bed = new AkfsBed(new AkfsOptions { FastIo = false });
        var data = AkfsBed.Pattern(8192, 4);
        long irpsBefore = 0, irpsAfter = 0;
        var same = false;
        bed.RunUser(async process =>
        {
            await MakeFile(process, Root + @"\g.bin", data);
            var file = await CreateFile(Root + @"\g.bin", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            irpsBefore = bed.Vcb.IrpReads;
            var a = await ReadAt(process, file, 0, 4096);
            var b = await ReadAt(process, file, 4096, 4096);
            irpsAfter = bed.Vcb.IrpReads;
            same = a.Concat(b).SequenceEqual(data);
            await CloseHandle(file);
        });

        Assert.Null(bed.Driver.FastIoDispatch);
        Assert.True(same);
        Assert.Equal(irpsBefore + 2, irpsAfter);
        Assert.Equal(0, bed.Driver.FastIoStatistics.ReadsTaken);
    }

    [Fact]
    public void A_non_cached_read_is_one_volume_read_at_the_translated_offset_and_one_not_whole_sectors_is_STATUS_INVALID_PARAMETER()
    {
        using var bed = new AkfsBed();
        var data = AkfsBed.Pattern(3 * Cluster, 6);
        IoResult unaligned = default;
        NtStatus unalignedStatus = default;
        byte[] back = [];
        IReadOnlyList<StripeChild> children = [];
        AkfsExtent[] extents = [];
        bed.RunUser(async process =>
        {
            await MakeFile(process, Root + @"\n.bin", data);
            var file = await CreateFile(Root + @"\n.bin", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.NoBuffering);
            var buffer = process.VirtualAlloc(8192);
            unaligned = await ReadFile(file, buffer, 4096, new Overlapped { Offset = 100 });
            unalignedStatus = GetLastNtStatus();
            back = await ReadAt(process, file, Cluster + 8192, 4096); // inside the file's second cluster
            children = bed.Storage.Pnp.Node(@"Root\AkStripe\0000").PhysicalDeviceObject.AttachedDevice!.GetExtension<StripeExtension>().RecentChildren;
            extents = [.. bed.Vcb.Fcbs.Values.Single(f => f.Name == "n.bin").Extents];
            await CloseHandle(file);
        });

        Assert.False(unaligned.Succeeded);
        Assert.Equal(Win32Error.InvalidParameter, unaligned.Error);
        Assert.Equal(NtStatus.InvalidParameter, unalignedStatus);
        Assert.Equal(data.AsSpan(Cluster + 8192, 4096).ToArray(), back);
        // The file's cluster 1 is volume cluster c = stripe unit c: member c % 2, at (c / 2) units + 8 KiB.
        var c = extents[0].StartCluster + 1;
        Assert.Equal(new StripeChild((int)(c % 2), (c / 2 * Cluster) + 8192, 4096, IrpMajorFunction.Read, false, children[^1].Master), children[^1]);
    }

    [Fact]
    public void ReadFileScatter_and_WriteFileGather_move_a_files_sectors_to_and_from_separate_pages()
    {
        using var bed = new AkfsBed();
        var pages = new[] { AkfsBed.Pattern(4096, 1), AkfsBed.Pattern(4096, 2), AkfsBed.Pattern(4096, 3) };
        IoResult gathered = default, scattered = default;
        var back = new List<byte[]>();
        byte[] flat = [];
        bed.RunUser(async process =>
        {
            await MakeFile(process, Root + @"\sg.bin", new byte[4 * 4096]);
            var file = await CreateFile(Root + @"\sg.bin", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting,
                FileFlagsAndAttributes.NoBuffering | FileFlagsAndAttributes.Overlapped);
            var sources = pages.Select(p => { var va = process.VirtualAlloc(4096); process.WriteMemory(va, p); return va; }).ToList();
            var write = new Overlapped { Offset = 4096, Event = CreateEvent(true, false) };
            gathered = await WriteFileGather(file, sources, 3 * 4096, write);
            if (gathered.IsPending)
            {
                gathered = await GetOverlappedResult(file, write, true);
            }
            var targets = Enumerable.Range(0, 3).Select(_ => process.VirtualAlloc(4096)).Reverse().ToList(); // pages in another order than allocated
            var read = new Overlapped { Offset = 4096, Event = CreateEvent(true, false) };
            scattered = await ReadFileScatter(file, targets, 3 * 4096, read);
            if (scattered.IsPending)
            {
                scattered = await GetOverlappedResult(file, read, true);
            }
            foreach (var va in targets)
            {
                var page = new byte[4096];
                process.ReadMemory(va, page);
                back.Add(page);
            }
            await CloseHandle(file);
            var plain = await CreateFile(Root + @"\sg.bin", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            flat = await ReadAt(process, plain, 0, 4 * 4096);
            await CloseHandle(plain);
        });

        Assert.True(gathered.Succeeded, gathered.ToString());
        Assert.True(scattered.Succeeded, scattered.ToString());
        Assert.Equal(3u * 4096, scattered.BytesTransferred);
        Assert.Equal(pages, back);
        Assert.Equal(new byte[4096].Concat(pages.SelectMany(p => p)), flat);
    }

    [Fact]
    public void On_two_processors_and_the_concurrent_dispatcher_two_programs_files_read_back_what_each_wrote()
    {
        using var bed = new AkfsBed(processors: 2, dispatcher: DispatcherKind.Concurrent);
        var results = new bool[2];
        var done = 0;
        for (var t = 0; t < 2; t++)
        {
            var index = t;
            var process = UserProcess.Create(bed.Machine, bed.Io, $"writer{index}.exe");
            process.CreateThread(index, "main", async () =>
            {
                var ok = true;
                for (var i = 0; i < 4; i++)
                {
                    var name = $@"{Root}\p{index}-{i}.bin";
                    var data = AkfsBed.Pattern(3000 + (i * 5000), (index * 10) + i);
                    await MakeFile(process, name, data);
                    var file = await CreateFile(name, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
                    ok &= (await ReadAt(process, file, 0, data.Length)).SequenceEqual(data);
                    await CloseHandle(file);
                }
                results[index] = ok;
                Interlocked.Increment(ref done);
            });
        }
        bed.Storage.Pnp.RunUntil(() => Volatile.Read(ref done) == 2);

        Assert.Equal([true, true], results);
        Assert.Equal(8, bed.Vcb.RootDcb.Entries!.Count(e => e.Inode != 0));
    }
}
