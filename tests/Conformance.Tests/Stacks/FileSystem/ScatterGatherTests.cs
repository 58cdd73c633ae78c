using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>ReadFileScatter / WriteFileGather (NtReadFileScatter, NtWriteFileGather, MmProbeAndLockSelectedPages).</summary>
[Trait("Area", "Stacks")]
public sealed class ScatterGatherTests
{
    private const string Path = FileSystemBed.Volume + "\\sg.bin";
    private const int Page = 4096;

    private static async ValueTask<IoResult> Finish(Handle handle, IoResult started, Overlapped overlapped)
    {
        if (!started.IsPending)
        {
            return started;
        }
        await WaitForSingleObject(handle, Infinite);
        return new IoResult(overlapped.Internal.IsSuccess(), (uint)overlapped.InternalHigh, overlapped.Internal, Win32Error.Success);
    }

    [Fact]
    public void ReadFileScatter_reads_consecutive_file_pages_into_separate_page_buffers_in_segment_order()
    {
        using var bed = new FileSystemBed();
        var data = new byte[3 * Page];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i / Page * 40 + (i % 251));
        }
        var pages = new List<byte[]>();
        IoResult result = default;
        List<TestFsRequest>? reads = null;

        bed.Run(async () =>
        {
            var handle = await CreateFile(Path, GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read, CreationDisposition.CreateNew,
                FileFlagsAndAttributes.NoBuffering | FileFlagsAndAttributes.Overlapped);
            var gather = new[] { bed.Alloc(data.AsSpan(0, Page)), bed.Alloc(data.AsSpan(Page, Page)), bed.Alloc(data.AsSpan(2 * Page, Page)) };
            var write = new Overlapped { Offset = 0 };
            var written = await Finish(handle, await WriteFileGather(handle, gather, 3 * Page, write), write);
            Assert.True(written.Succeeded, written.ToString());
            // Three destination pages, given in an order unlike their addresses: the MDL follows the segment order.
            var segments = new[] { bed.Alloc(new byte[Page]), bed.Alloc(new byte[Page]), bed.Alloc(new byte[Page]) };
            Array.Reverse(segments);
            bed.Fs.Requests.Clear();
            var read = new Overlapped { Offset = 0 };
            result = await Finish(handle, await ReadFileScatter(handle, segments, 3 * Page, read), read);
            reads = bed.Requests(IrpMajorFunction.Read);
            foreach (var segment in segments)
            {
                pages.Add(bed.Read(segment, Page));
            }
            await CloseHandle(handle);
        });

        Assert.True(result.Succeeded);
        Assert.Equal(3u * Page, result.BytesTransferred);
        Assert.Single(reads!); // one IRP_MJ_READ for all three pages
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(data.AsSpan(i * Page, Page).ToArray(), pages[i]);
        }
    }

    [Fact]
    public void ReadFileScatter_without_FILE_FLAG_NO_BUFFERING_or_without_FILE_FLAG_OVERLAPPED_fails_with_ERROR_INVALID_PARAMETER()
    {
        using var bed = new FileSystemBed();
        var errors = new List<(bool, Win32Error)>();

        bed.Run(async () =>
        {
            var segments = new[] { bed.Alloc(new byte[Page]) };
            foreach (var flags in new[] { FileFlagsAndAttributes.Overlapped, FileFlagsAndAttributes.NoBuffering, FileFlagsAndAttributes.NoBuffering | FileFlagsAndAttributes.Overlapped })
            {
                var handle = await CreateFile(Path, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenAlways, flags);
                var result = await ReadFileScatter(handle, segments, 2 * Page, new Overlapped()); // two pages into one segment
                errors.Add((result.Succeeded, result.Error));
                if ((flags & FileFlagsAndAttributes.Overlapped) == 0)
                {
                    result = await ReadFileScatter(handle, segments, Page, null);
                    errors.Add((result.Succeeded, result.Error));
                }
                await CloseHandle(handle);
            }
        });

        Assert.All(errors, e => Assert.Equal((false, Win32Error.InvalidParameter), e));
        Assert.Equal(4, errors.Count);
        Assert.Empty(bed.Requests(IrpMajorFunction.Read)); // refused before any IRP
    }
}
