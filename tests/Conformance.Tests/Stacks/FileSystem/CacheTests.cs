using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>The cache manager and the fast I/O path (CcCopyRead/CcCopyWrite, FsRtlCopyRead, NtReadFile's FastIoRead).</summary>
[Trait("Area", "Stacks")]
public sealed class CacheTests
{
    private const string Path = FileSystemBed.Volume + "\\data.bin";

    private static byte[] Pattern(int length, byte seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((i * 7) + seed);
        }
        return bytes;
    }

    /// <summary>Writes <paramref name="data"/> as the file's content with a no-buffering handle (straight to the volume).</summary>
    private static async ValueTask WriteUncached(FileSystemBed bed, byte[] data)
    {
        var handle = await CreateFile(Path, GenericAccess.GenericWrite, FileShareMode.Read | FileShareMode.Write, CreationDisposition.CreateAlways, FileFlagsAndAttributes.NoBuffering);
        Assert.True((await WriteFile(handle, bed.Alloc(data), (uint)data.Length)).Succeeded);
        await CloseHandle(handle);
    }

    [Fact]
    public void A_cached_read_after_the_first_goes_through_FastIoRead_without_an_IRP_and_is_counted_taken()
    {
        using var bed = new FileSystemBed();
        var data = Pattern(8192, 3);
        var readIrpsBefore = 0;
        byte[]? second = null;

        bed.Run(async () =>
        {
            await WriteUncached(bed, data);
            var handle = await CreateFile(Path, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = bed.Alloc(new byte[4096]);
            Assert.True((await ReadFile(handle, buffer, 4096)).Succeeded); // the IRP: FastFAT-style CcInitializeCacheMap, then CcCopyRead
            readIrpsBefore = bed.Requests(IrpMajorFunction.Read).Count(r => (r.Flags & IrpFlags.PagingIo) == 0);
            var result = await ReadFile(handle, buffer, 4096); // the current byte offset: 4096
            Assert.True(result.Succeeded);
            Assert.Equal(4096u, result.BytesTransferred);
            second = bed.Read(buffer, 4096);
            await CloseHandle(handle);
        });

        var statistics = bed.Fs.Driver!.FastIoStatistics;
        Assert.Equal(1, readIrpsBefore);
        Assert.Equal(1, bed.Requests(IrpMajorFunction.Read).Count(r => (r.Flags & IrpFlags.PagingIo) == 0)); // no IRP for the second read
        Assert.Equal(1, statistics.ReadsTaken);
        Assert.Equal(0, statistics.ReadsDeclined);
        Assert.Equal(data.AsSpan(4096, 4096).ToArray(), second);
        var drvobj = IoDebugger.DrvObj(bed.Fs.Driver);
        Assert.Contains("FastIoRead  FsRtlCopyRead", drvobj, StringComparison.Ordinal);
        Assert.Contains("fast I/O: reads 1 taken / 0 declined", drvobj, StringComparison.Ordinal);
    }

    [Fact]
    public void A_read_on_a_no_buffering_handle_is_never_offered_to_fast_IO_and_reaches_the_file_system_as_an_IRP()
    {
        using var bed = new FileSystemBed();
        var data = Pattern(4096, 9);
        byte[]? read = null;

        bed.Run(async () =>
        {
            await WriteUncached(bed, data);
            var handle = await CreateFile(Path, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.NoBuffering);
            var buffer = bed.Alloc(new byte[4096]);
            for (var i = 0; i < 2; i++)
            {
                await SetFilePointerEx(handle, 0, MoveMethod.Begin);
                Assert.True((await ReadFile(handle, buffer, 4096)).Succeeded);
            }
            read = bed.Read(buffer, 4096);
            await CloseHandle(handle);
        });

        var reads = bed.Requests(IrpMajorFunction.Read);
        Assert.Equal(2, reads.Count);
        Assert.All(reads, r => Assert.Equal(IrpFlags.None, r.Flags & (IrpFlags.PagingIo | IrpFlags.NoCache)));
        Assert.Equal(0, bed.Fs.Driver!.FastIoStatistics.ReadsTaken + bed.Fs.Driver.FastIoStatistics.ReadsDeclined);
        Assert.Equal(data, read);
    }

    [Fact]
    public void The_cache_reads_a_missing_page_with_a_non_cached_paging_read_to_the_file_system_and_counts_hits_and_misses()
    {
        using var bed = new FileSystemBed();
        var data = Pattern(12288, 1);
        CacheStatistics statistics = default;

        bed.Run(async () =>
        {
            await WriteUncached(bed, data);
            var handle = await CreateFile(Path, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = bed.Alloc(new byte[12288]);
            Assert.True((await ReadFile(handle, buffer, 12288)).Succeeded); // three misses
            await SetFilePointerEx(handle, 0, MoveMethod.Begin);
            Assert.True((await ReadFile(handle, buffer, 12288)).Succeeded); // three hits (fast I/O)
            Assert.Equal(data, bed.Read(buffer, 12288));
            bed.Process.ObReferenceObjectByHandle(handle, out FileObject? file);
            statistics = file!.SectionObjectPointer!.Statistics;
            file.ObDereferenceObject();
            await CloseHandle(handle);
        });

        var paging = bed.Requests(IrpMajorFunction.Read).FindAll(r => (r.Flags & IrpFlags.PagingIo) != 0);
        Assert.Equal([0L, 4096L, 8192L], paging.Select(r => r.Offset));
        Assert.All(paging, r => Assert.Equal(IrpFlags.PagingIo | IrpFlags.NoCache, r.Flags & (IrpFlags.PagingIo | IrpFlags.NoCache)));
        Assert.All(paging, r => Assert.True(r.MdlWithFrames)); // a cache page is a page frame (nonpaged pool): the stack below may DMA it
        Assert.Equal((3L, 3L, 3L, 3), (statistics.Misses, statistics.Hits, statistics.PagingReads, statistics.ResidentPages));
    }

    [Fact]
    public void CcCopyRead_with_Wait_FALSE_returns_FALSE_on_a_page_that_is_not_resident_and_TRUE_once_it_is()
    {
        using var bed = new FileSystemBed();
        var data = Pattern(4096, 5);
        var results = new List<bool>();
        CacheStatistics statistics = default;

        bed.Run(async () =>
        {
            await WriteUncached(bed, data);
            var (status, file) = await Wdm.NtCreateFile(bed.Io, "\\??\\RamDisk0\\data.bin", null, KProcessorMode.KernelMode, FileAccessMask.FileReadData,
                new IoStatusBlock(), FileAttribute.None, FileShareMode.Read, CreateDisposition.Open, FileCreateOptions.SynchronousIoNonalert | FileCreateOptions.NonDirectoryFile);
            Assert.Equal(NtStatus.Success, status);
            var fcb = (TestFcb)file!.FsContext!;
            Wdm.CcInitializeCacheMap(file, CcFileSizes.From(fcb), false, null, null);
            var buffer = new UserBuffer(0, new byte[4096]);
            var iosb = new IoStatusBlock();
            results.Add(await Wdm.CcCopyRead(file, 0, 4096, false, buffer, iosb));   // miss, may not wait
            results.Add(await Wdm.CcCopyRead(file, 0, 4096, true, buffer, iosb));    // miss, reads the page
            results.Add(await Wdm.CcCopyRead(file, 0, 4096, false, buffer, iosb));   // hit
            Assert.Equal(data, buffer.Bytes.ToArray());
            statistics = file.SectionObjectPointer!.Statistics;
            Assert.True(await Wdm.CcUninitializeCacheMap(file, null));
            await Wdm.NtClose(file);
        });

        Assert.Equal([false, true, true], results);
        Assert.Equal((2L, 1L, 1L), (statistics.Misses, statistics.Hits, statistics.PagingReads));
    }

    [Fact]
    public void A_cached_write_stays_in_the_cache_until_FlushFileBuffers_writes_the_dirty_page_back_with_a_paging_write()
    {
        using var bed = new FileSystemBed();
        var data = Pattern(4096, 77);
        var onVolumeBeforeFlush = new byte[4096];
        CacheStatistics beforeFlush = default;

        bed.Run(async () =>
        {
            var handle = await CreateFile(Path, GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read, CreationDisposition.CreateNew, FileFlagsAndAttributes.Normal);
            Assert.True((await WriteFile(handle, bed.Alloc(data), 4096)).Succeeded);
            bed.Process.ObReferenceObjectByHandle(handle, out FileObject? file);
            beforeFlush = file!.SectionObjectPointer!.Statistics;
            file.ObDereferenceObject();
            bed.Image.AsSpan(TestFs.SlotSize, 4096).CopyTo(onVolumeBeforeFlush);
            Assert.True(await FlushFileBuffers(handle));
            await CloseHandle(handle);
        });

        Assert.Equal(1, beforeFlush.DirtyPages);
        Assert.Equal(new byte[4096], onVolumeBeforeFlush);
        var pagingWrites = bed.Requests(IrpMajorFunction.Write).FindAll(r => (r.Flags & IrpFlags.PagingIo) != 0);
        Assert.Single(pagingWrites);
        Assert.Equal(data, bed.Image.AsSpan(TestFs.SlotSize, 4096).ToArray()); // file 1's extent
    }

    [Fact]
    public void A_cached_write_after_the_first_goes_through_FastIoWrite_and_extends_the_file()
    {
        using var bed = new FileSystemBed();
        long size = 0;
        byte[]? back = null;

        bed.Run(async () =>
        {
            var handle = await CreateFile(Path, GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read, CreationDisposition.CreateNew, FileFlagsAndAttributes.Normal);
            Assert.True((await WriteFile(handle, bed.Alloc(Pattern(1000, 1)), 1000)).Succeeded); // IRP: initializes the cache
            Assert.True((await WriteFile(handle, bed.Alloc(Pattern(1000, 2)), 1000)).Succeeded); // fast: FsRtlCopyWrite
            (_, size) = await GetFileSizeEx(handle);
            await SetFilePointerEx(handle, 0, MoveMethod.Begin);
            var buffer = bed.Alloc(new byte[2000]);
            Assert.Equal(2000u, (await ReadFile(handle, buffer, 2000)).BytesTransferred);
            back = bed.Read(buffer, 2000);
            await CloseHandle(handle);
        });

        Assert.Equal(2000, size);
        Assert.Equal(1, bed.Fs.Driver!.FastIoStatistics.WritesTaken);
        Assert.Single(bed.Requests(IrpMajorFunction.Write), r => (r.Flags & IrpFlags.PagingIo) == 0);
        Assert.Equal([.. Pattern(1000, 1), .. Pattern(1000, 2)], back!);
    }

    [Fact]
    public void FastIoQueryBasicInfo_answers_NtQueryInformationFile_FileBasicInformation_without_an_IRP()
    {
        using var bed = new FileSystemBed();
        FileBasicInformation basic = default;

        bed.Run(async () =>
        {
            var handle = await CreateFile(Path, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.CreateNew, FileFlagsAndAttributes.ReadOnly);
            var buffer = bed.Alloc(new byte[FileBasicInformation.Size]);
            Assert.True(await GetFileInformationByHandleEx(handle, FileInfoByHandleClass.FileBasicInfo, buffer, FileBasicInformation.Size));
            basic = FileBasicInformation.Read(bed.Read(buffer, FileBasicInformation.Size));
            await CloseHandle(handle);
        });

        Assert.Equal(FileAttribute.ReadOnly, basic.FileAttributes);
        Assert.Equal(1, bed.Fs.Driver!.FastIoStatistics.QueriesTaken);
        Assert.Empty(bed.Requests(IrpMajorFunction.QueryInformation));
    }
}
