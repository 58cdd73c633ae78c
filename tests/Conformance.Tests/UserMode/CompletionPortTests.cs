using ActorKernel.Actors;
using ActorKernel.Drivers.Notify;
using ActorKernel.Drivers.RamDisk;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.UserMode;

[Trait("Area", "UserMode")]
public sealed class CompletionPortTests
{
    private const ulong DiskKey = 0xD15C;

    /// <summary>64 overlapped reads of different lengths and offsets on one RAM-disk handle; every completion taken from the port.</summary>
    private static (List<(ulong Key, long Offset, uint Bytes, NtStatus Status)> Packets, List<IoResult> Issued, bool DataOk, long Now) SixtyFourReads(ulong seed, int processors = 1)
    {
        using var bed = new UserModeBed(processors, seed);
        var image = bed.RamDiskFdo.GetExtension<RamDiskExtension>().Image;
        for (var i = 0; i < image.Length; i++)
        {
            image[i] = (byte)(i * 7 + (i >> 9));
        }
        var packets = new List<(ulong, long, uint, NtStatus)>();
        var issued = new List<IoResult>();
        var dataOk = true;

        bed.Run(async () =>
        {
            var file = await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
            var port = await CreateIoCompletionPort(file, Handle.Null, DiskKey, 0);
            var buffer = bed.Process.VirtualAlloc(64 * 1024);
            var requests = new Dictionary<Overlapped, (ulong Address, int Length)>();
            for (var i = 0; i < 64; i++)
            {
                var overlapped = new Overlapped { Offset = i * 1000 };
                var length = 100 + i;
                requests[overlapped] = (buffer + (ulong)(i * 1024), length);
                issued.Add(await ReadFile(file, buffer + (ulong)(i * 1024), (uint)length, overlapped));
            }
            for (var i = 0; i < 64; i++)
            {
                var completion = await GetQueuedCompletionStatus(port, Infinite);
                packets.Add((completion.CompletionKey, completion.Overlapped!.Offset, completion.BytesTransferred, completion.Status));
                var (address, length) = requests[completion.Overlapped];
                Assert.True(requests.Remove(completion.Overlapped), "each OVERLAPPED completes once");
                var bytes = new byte[length];
                bed.Process.ReadMemory(address, bytes);
                dataOk &= bytes.AsSpan().SequenceEqual(image.AsSpan((int)completion.Overlapped.Offset, length));
            }
            var extra = await GetQueuedCompletionStatus(port, 0);
            Assert.Equal(Win32Error.WaitTimeout, extra.Error);
        });
        return (packets, issued, dataOk, bed.Machine.NowNanoseconds);
    }

    [Fact]
    public void Sixty_four_overlapped_reads_on_one_handle_all_complete_through_the_port_with_the_files_key_and_each_requests_byte_count()
    {
        var (packets, issued, dataOk, _) = SixtyFourReads(seed: 7);

        // The RAM disk completes at once: ReadFile succeeds, and (as on Windows) the packet is posted all the same.
        Assert.All(issued, r => Assert.True(r.Succeeded));
        Assert.Equal(64, packets.Count);
        Assert.All(packets, p => Assert.Equal((DiskKey, NtStatus.Success), (p.Key, p.Status)));
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (i * 1000L, (uint)(100 + i))), packets.Select(p => (p.Offset, p.Bytes)).Order());
        Assert.True(dataOk, "each OVERLAPPED's buffer holds the bytes at its offset");
    }

    [Fact]
    public void Sixty_four_pending_requests_complete_through_the_port_when_the_driver_completes_them_from_another_thread()
    {
        using var bed = new UserModeBed(processors: 2);
        var results = new List<QueuedCompletion>();
        var issued = new List<IoResult>();
        var overlappeds = Enumerable.Range(0, 64).Select(_ => new Overlapped()).ToList();
        Handle port = default;

        bed.Process.CreateThread(0, "waiter", async () =>
        {
            var file = await OverlappedIoTests.OpenNotify(GenericAccess.GenericRead);
            port = await CreateIoCompletionPort(file, Handle.Null, 0x5157, 0);
            var output = bed.Process.VirtualAlloc(4096);
            foreach (var overlapped in overlappeds)
            {
                issued.Add(await DeviceIoControl(file, NotifyCodes.Wait, 0, 0, output + (ulong)(8 * issued.Count), 8, overlapped));
            }
            var entries = new OverlappedEntry[16];
            while (results.Count < 64)
            {
                var (ok, removed) = await GetQueuedCompletionStatusEx(port, entries, Infinite);
                Assert.True(ok);
                results.AddRange(entries.Take(removed).Select(e => new QueuedCompletion(true, e.BytesTransferred, e.CompletionKey, e.Overlapped, e.Internal, Win32Error.Success)));
            }
        });
        bed.Process.CreateThread(1, "signaller", async () =>
        {
            while (bed.NotifyState.HeldCount < 64)
            {
                await SleepNanoseconds(50_000);
            }
            var file = await OverlappedIoTests.OpenNotify(GenericAccess.GenericWrite);
            Assert.True((await DeviceIoControl(file, NotifyCodes.Signal, 0, 0, 0, 0, new Overlapped())).Succeeded);
        });
        bed.RunUntilIdle();

        Assert.All(issued, r => Assert.True(r.IsPending));
        Assert.Equal(64, results.Count);
        Assert.All(results, r => Assert.Equal((0x5157UL, 8u, NtStatus.Success), (r.CompletionKey, r.BytesTransferred, r.Status)));
        Assert.Equal(overlappeds.ToHashSet(), results.Select(r => r.Overlapped!).ToHashSet());
    }

    [Fact]
    public void GetQueuedCompletionStatus_times_out_with_WAIT_TIMEOUT_after_the_given_simulated_time()
    {
        using var bed = new UserModeBed();
        QueuedCompletion result = default;
        long before = 0, after = 0;
        (Win32Error, NtStatus) last = default;

        bed.Run(async () =>
        {
            var port = await CreateIoCompletionPort(Handle.Invalid, Handle.Null, 0, 0);
            before = bed.Machine.NowNanoseconds;
            result = await GetQueuedCompletionStatus(port, 10);
            after = bed.Machine.NowNanoseconds;
            last = (GetLastError(), GetLastNtStatus());
        });

        Assert.Equal(new QueuedCompletion(false, 0, 0, null, NtStatus.Timeout, Win32Error.WaitTimeout), result);
        Assert.Equal((Win32Error.WaitTimeout, NtStatus.Timeout), last);
        Assert.Equal(258, (int)last.Item1);
        Assert.InRange(after - before, 10_000_000, 10_100_000);
    }

    [Fact]
    public void PostQueuedCompletionStatus_packets_come_back_with_their_key_bytes_and_OVERLAPPED_in_FIFO_order()
    {
        using var bed = new UserModeBed();
        var results = new List<QueuedCompletion>();
        var first = new Overlapped();

        bed.Run(async () =>
        {
            var port = await CreateIoCompletionPort(Handle.Invalid, Handle.Null, 0, 0);
            Assert.True(PostQueuedCompletionStatus(port, 11, 1, first));
            Assert.True(PostQueuedCompletionStatus(port, 22, 2, null));
            results.Add(await GetQueuedCompletionStatus(port, 0));
            results.Add(await GetQueuedCompletionStatus(port, 0));
            Assert.False(PostQueuedCompletionStatus(new Handle(0x400), 0, 0, null));
            results.Add(new QueuedCompletion(false, 0, 0, null, GetLastNtStatus(), GetLastError()));
        });

        Assert.Equal(
        [
            new QueuedCompletion(true, 11, 1, first, NtStatus.Success, Win32Error.Success),
            new QueuedCompletion(true, 22, 2, null, NtStatus.Success, Win32Error.Success),
            new QueuedCompletion(false, 0, 0, null, NtStatus.InvalidHandle, Win32Error.InvalidHandle),
        ], results);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    public void The_ports_concurrency_value_limits_how_many_threads_it_releases_while_they_run(uint concurrency)
    {
        using var bed = new UserModeBed(processors: 2);
        var log = new List<(string Thread, long At)>();
        Handle port = default;

        bed.Process.CreateThread(0, "setup", async () =>
        {
            port = await CreateIoCompletionPort(Handle.Invalid, Handle.Null, 0, concurrency);
            await Sleep(1);
            PostQueuedCompletionStatus(port, 0, 1, null);
            PostQueuedCompletionStatus(port, 0, 2, null);
        });
        foreach (var (cpu, name) in new[] { (0, "t0"), (1, "t1") })
        {
            bed.Process.CreateThread(cpu, name, async () =>
            {
                while (!port.IsValid)
                {
                    await SleepNanoseconds(1_000);
                }
                var got = await GetQueuedCompletionStatus(port, Infinite);
                log.Add((name, bed.Machine.NowNanoseconds));
                // Work without blocking for 5 ms: the thread stays "running" for the port.
                for (var i = 0; i < 50; i++)
                {
                    await Wdm.KeCompute(100_000);
                }
                log.Add((name + " done", bed.Machine.NowNanoseconds));
                // Blocking on something else ends its turn (KiActivateWaiterQueue): with concurrency 1 the other waiter gets the second packet only now.
                await Sleep(1);
            });
        }
        bed.RunUntilIdle();

        Assert.Equal(4, log.Count);
        var gotTimes = log.Where(l => !l.Thread.EndsWith("done", StringComparison.Ordinal)).Select(l => l.At).Order().ToList();
        var firstDone = log.Where(l => l.Thread.EndsWith("done", StringComparison.Ordinal)).Min(l => l.At);
        if (concurrency == 1)
        {
            Assert.True(gotTimes[1] >= firstDone, $"the second thread got its packet at {gotTimes[1]} ns, before the first finished its work at {firstDone} ns");
        }
        else
        {
            Assert.True(gotTimes[1] < firstDone, $"with concurrency 2 both threads run at once ({gotTimes[1]} ns vs {firstDone} ns)");
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_completion_order_and_virtual_time()
    {
        var first = SixtyFourReads(seed: 42, processors: 2);
        var second = SixtyFourReads(seed: 42, processors: 2);

        Assert.Equal(first.Packets, second.Packets);
        Assert.Equal(first.Now, second.Now);
    }

    /// <summary>Four threads on two processors share a port: each issues overlapped writes and reads, and takes whatever packet comes.</summary>
    private static (List<string> Taken, List<string> Trace, long Now) SharedPort(ulong seed)
    {
        using var bed = new UserModeBed(processors: 2, seed: seed);
        var taken = new List<string>();
        Handle port = default;
        var ready = 0;
        bed.Process.CreateThread(0, "setup", async () =>
        {
            port = await CreateIoCompletionPort(Handle.Invalid, Handle.Null, 0, 2);
        });
        for (var t = 0; t < 4; t++)
        {
            var me = t;
            bed.Process.CreateThread(me % 2, $"t{me}", async () =>
            {
                while (!port.IsValid)
                {
                    await SleepNanoseconds(1_000);
                }
                var file = await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read | FileShareMode.Write,
                    CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
                await CreateIoCompletionPort(file, port, (ulong)me, 0);
                var buffer = bed.Process.VirtualAlloc(16 * 1024);
                for (var i = 0; i < 8; i++)
                {
                    await WriteFile(file, buffer + (ulong)(i * 1024), 512, new Overlapped { Offset = (me * 8 + i) * 512 });
                    await ReadFile(file, buffer + (ulong)(i * 1024 + 512), 512, new Overlapped { Offset = (me * 8 + i) * 512 });
                    await SleepNanoseconds(3_000 * (me + 1));
                }
                ready++;
                for (var i = 0; i < 16; i++)
                {
                    var completion = await GetQueuedCompletionStatus(port, 100);
                    if (completion.Overlapped is null)
                    {
                        break;
                    }
                    taken.Add($"t{me} took key {completion.CompletionKey} offset {completion.Overlapped.Offset} at {bed.Machine.NowNanoseconds}");
                }
            });
        }
        bed.RunUntilIdle();
        Assert.Equal(4, ready);
        Assert.Equal(64, taken.Count);
        return (taken, bed.Trace.Lines, bed.Machine.NowNanoseconds);
    }

    [Fact]
    public void Threads_sharing_a_port_on_two_processors_replay_the_same_interleaving_for_the_same_seed()
    {
        var first = SharedPort(seed: 5);
        var second = SharedPort(seed: 5);

        Assert.Equal(first.Taken, second.Taken);
        Assert.Equal(first.Trace, second.Trace);
        Assert.Equal(first.Now, second.Now);
    }
}
