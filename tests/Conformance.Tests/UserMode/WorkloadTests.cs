using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>The workload library (src/Actors/Workload) driving the RAM-disk stack from a user process.</summary>
[Trait("Area", "UserMode")]
public sealed class WorkloadTests
{
    private static WorkloadDefinition Disk(WorkloadMode mode, int queueDepth, long requests) => new()
    {
        Name = "disk",
        FileName = RamDiskUserBed.DiskName,
        Mode = mode,
        QueueDepth = queueDepth,
        Mix = new OperationMix(Read: 0.5, Write: 0.5),
        Sizes = SizeDistribution.Uniform(512, 4096, 512),
        RegionLength = 1 << 20,
        RequestCount = requests,
    };

    [Theory]
    [InlineData(WorkloadMode.Synchronous, 1)]
    [InlineData(WorkloadMode.Synchronous, 4)]
    [InlineData(WorkloadMode.Overlapped, 8)]
    public void Every_request_completes_once_with_verified_data_and_never_more_than_QD_in_flight(WorkloadMode mode, int queueDepth)
    {
        using var bed = new RamDiskUserBed();
        var workload = new UserWorkload(Disk(mode, queueDepth, 2_000), new DeterministicRandom(1));
        var seen = new int[2_000];
        workload.RequestCompleted += r => seen[r.Id]++;

        bed.Run(workload);

        var s = workload.Snapshot();
        Assert.True(s.Issued == 2_000 && s.Completed == 2_000 && s.Failed == 0 && s.InFlight == 0, RamDiskUserBed.Describe(s));
        Assert.All(seen, n => Assert.Equal(1, n));
        Assert.Equal(0, s.Mismatches);
        Assert.Equal(s.Reads, s.Verified);
        Assert.Equal(0, s.DuplicateCompletions + s.UnknownCompletions);
        Assert.InRange(workload.MaxInFlight, 1, queueDepth);
        if (mode == WorkloadMode.Overlapped)
        {
            Assert.Equal(queueDepth, workload.MaxInFlight); // one thread fills every slot before it waits
        }
        Assert.Equal(s.Reads, bed.Filter.RequestCount(IrpMajorFunction.Read));
        Assert.Equal(s.Writes, bed.Filter.RequestCount(IrpMajorFunction.Write));
        Assert.Equal(2_000, s.Latency.Count);
    }

    [Fact]
    public void The_mix_and_the_size_distribution_shape_what_reaches_the_driver()
    {
        using var bed = new RamDiskUserBed();
        var definition = Disk(WorkloadMode.Overlapped, 4, 4_000) with
        {
            Mix = new OperationMix(Read: 0.8, Write: 0.2),
            Sizes = SizeDistribution.Weighted((512, 3), (8192, 1)),
        };
        var workload = new UserWorkload(definition, new DeterministicRandom(2));
        long bytes = 0, readBytes = 0, small = 0;
        workload.RequestCompleted += r =>
        {
            bytes += (long)r.Bytes;
            readBytes += r.Operation == IrpMajorFunction.Read ? (long)r.Bytes : 0;
            small += r.Length == 512 ? 1 : 0;
            Assert.True(r.Length is 512 or 8192, $"size {r.Length}");
            Assert.Equal(0, r.Offset % 512);
        };

        bed.Run(workload);

        var s = workload.Snapshot();
        Assert.InRange(s.Reads / 4_000.0, 0.77, 0.83);
        Assert.Equal(4_000 - s.Reads, s.Writes);
        Assert.InRange(small / 4_000.0, 0.72, 0.78);
        Assert.Equal(bytes, s.Bytes);
        Assert.Equal(readBytes, bed.Filter.BytesRead); // every read's bytes passed up through the filter
    }

    [Fact]
    public void Think_time_advances_virtual_time_between_requests()
    {
        static long Elapsed(long thinkNs)
        {
            using var bed = new RamDiskUserBed();
            var workload = new UserWorkload(Disk(WorkloadMode.Synchronous, 1, 100) with { ThinkTimeNanoseconds = thinkNs }, new DeterministicRandom(3));
            bed.Run(workload);
            return bed.Machine.NowNanoseconds;
        }

        var busy = Elapsed(0);
        var paced = Elapsed(1_000_000);

        Assert.True(paced >= busy + (99 * 1_000_000L), $"100 requests with 1 ms think time took {paced} ns against {busy} ns without");
    }

    [Fact]
    public void Duration_stops_issuing_and_the_workload_drains_what_is_in_flight()
    {
        using var bed = new RamDiskUserBed();
        var workload = new UserWorkload(Disk(WorkloadMode.Overlapped, 16, 0) with { RequestCount = null, DurationNanoseconds = 2_000_000, StartNanoseconds = 1_000_000 },
            new DeterministicRandom(4));
        var lastIssueNs = 0L;
        workload.RequestCompleted += _ => lastIssueNs = bed.Machine.NowNanoseconds;

        bed.Run(workload);

        var s = workload.Snapshot();
        Assert.True(s.Issued > 100 && s.Completed == s.Issued && s.InFlight == 0, RamDiskUserBed.Describe(s));
        Assert.InRange(bed.Machine.NowNanoseconds, 3_000_000, 3_500_000);
        Assert.True(s.Latency.Min > 0);
    }

    [Fact]
    public void Verification_catches_reads_corrupted_by_a_filter_and_names_the_first_wrong_byte()
    {
        using var bed = new RamDiskUserBed();
        var workload = new UserWorkload(Disk(WorkloadMode.Overlapped, 4, 2_000), new DeterministicRandom(5));
        // From request 1,000 on, the counting filter inverts every byte of every read on its way up.
        workload.RequestCompleted += r => bed.Filter.InvertReadData |= r.Id >= 1_000;

        bed.Run(workload);

        var s = workload.Snapshot();
        Assert.Equal(2_000, s.Completed);
        Assert.True(s.Mismatches > 0 && s.Mismatches < s.Verified, RamDiskUserBed.Describe(s));
        Assert.Matches(@"^request \d+: read of \d+ bytes at \d+: byte at device offset \d+ is 0x[0-9A-F]{2}, expected 0x[0-9A-F]{2}$", s.FirstMismatch);
    }

    [Fact]
    public void Overlapped_with_events_completes_every_request_oldest_first()
    {
        using var bed = new RamDiskUserBed();
        var workload = new UserWorkload(Disk(WorkloadMode.Overlapped, 6, 1_200) with { Completion = OverlappedCompletion.Event }, new DeterministicRandom(6));
        var order = new List<long>();
        workload.RequestCompleted += r => order.Add(r.Id);

        bed.Run(workload);

        var s = workload.Snapshot();
        Assert.True(s.Completed == 1_200 && s.Mismatches == 0, RamDiskUserBed.Describe(s));
        Assert.Equal(Enumerable.Range(0, 1_200).Select(i => (long)i), order); // waited for in issue order
        Assert.Equal(6, workload.MaxInFlight);
    }

    [Fact]
    public void The_same_seed_gives_the_same_requests_latencies_and_clock_and_another_seed_does_not()
    {
        static (List<CompletedRequest> Requests, long P50, long P99, long Now) RunOnce(ulong seed)
        {
            using var bed = new RamDiskUserBed(seed: 11);
            var workload = new UserWorkload(Disk(WorkloadMode.Overlapped, 8, 1_000) with { ThinkTimeNanoseconds = 500 }, new DeterministicRandom(seed).Derive("disk"));
            var requests = new List<CompletedRequest>();
            workload.RequestCompleted += requests.Add;
            bed.Run(workload);
            var s = workload.Snapshot();
            return (requests, s.Latency.Percentile(50), s.Latency.Percentile(99), bed.Machine.NowNanoseconds);
        }

        var first = RunOnce(21);
        var second = RunOnce(21);
        var other = RunOnce(22);

        Assert.Equal(first.Requests, second.Requests);
        Assert.Equal((first.P50, first.P99, first.Now), (second.P50, second.P99, second.Now));
        Assert.NotEqual(first.Requests, other.Requests);
    }

    [Fact]
    public void Wall_latency_comes_from_the_injected_clock()
    {
        using var bed = new RamDiskUserBed();
        var clock = new SteppingClock(stepTicks: 1_000); // each reading 1,000 ticks (1 ms at 1 MHz) after the last
        var workload = new UserWorkload(Disk(WorkloadMode.Synchronous, 1, 50), new DeterministicRandom(7), clock);

        bed.Run(workload);

        var s = workload.Snapshot();
        Assert.Equal(50, s.WallLatency.Count);
        // Issue and completion are consecutive readings: exactly one step, 1 ms.
        Assert.Equal(1_000_000, s.WallLatency.Min);
        Assert.Equal(1_000_000, s.WallLatency.Max);
    }

    [Fact]
    public void Opening_a_missing_device_fails_the_thread_with_STATUS_OBJECT_NAME_NOT_FOUND_and_issues_nothing()
    {
        using var bed = new RamDiskUserBed();
        var workload = new UserWorkload(Disk(WorkloadMode.Overlapped, 4, 100) with { FileName = "\\\\.\\NoSuchDisk" }, new DeterministicRandom(8));

        bed.Run(workload);

        var s = workload.Snapshot();
        Assert.Equal((0L, 1L, NtStatus.ObjectNameNotFound), (s.Issued, s.OpenFailures, s.LastOpenStatus));
    }

    [Theory]
    [InlineData(WorkloadMode.Synchronous)]
    [InlineData(WorkloadMode.Overlapped)]
    public void RequestStop_stops_issuing_and_the_threads_drain_close_and_return(WorkloadMode mode)
    {
        using var bed = new RamDiskUserBed();
        var workload = new UserWorkload(Disk(mode, 4, 0) with { RequestCount = null }, new DeterministicRandom(10));
        workload.Start(bed.Machine, UserProcess.Create(bed.Machine, bed.Io, "endless.exe"));
        bed.Machine.RunFor(TimeSpan.FromMilliseconds(2));
        Assert.False(workload.IsDone);
        var issuedAtStop = workload.Snapshot().Issued;

        workload.RequestStop();
        Assert.True(bed.Machine.RunUntil(() => workload.IsDone, TimeSpan.FromSeconds(1)));

        var s = workload.Snapshot();
        Assert.True(s.Issued > 100 && s.Issued <= issuedAtStop + 4 && s.Completed == s.Issued && s.InFlight == 0, RamDiskUserBed.Describe(s));
        Assert.Empty(bed.Io.GetStuckRequests());
    }

    [Fact]
    public void Requests_a_driver_loses_stay_in_flight_until_the_run_gives_up_on_them_and_then_count_as_abandoned()
    {
        using var bed = new RamDiskUserBed(leaky: true);
        var workload = new UserWorkload(Disk(WorkloadMode.Overlapped, 4, 0) with { Mix = OperationMix.ReadOnly, RequestCount = null, DurationNanoseconds = 5_000_000 },
            new DeterministicRandom(11));
        workload.Start(bed.Machine, UserProcess.Create(bed.Machine, bed.Io, "leaky.exe"));

        Assert.False(bed.Machine.RunUntil(() => workload.IsDone, TimeSpan.FromMilliseconds(50)), "the thread waits for the reads the filter lost");
        var lost = bed.Leaky!.Lost.Count;
        var before = workload.Snapshot();
        Assert.True(lost > 0 && before.InFlight == lost, RamDiskUserBed.Describe(before) + $", lost {lost}");

        Assert.Equal(lost, workload.GiveUpInFlight(crashed: false));

        var s = workload.Snapshot();
        Assert.Equal((s.Issued, 0L, (long)lost), (s.Completed + s.Failed, s.InFlight, s.Abandoned));
        Assert.Equal(0, workload.GiveUpInFlight(crashed: false)); // given up once only
    }

    [Theory]
    [InlineData(WorkloadMode.Synchronous)]
    [InlineData(WorkloadMode.Overlapped)]
    public void On_the_concurrent_dispatcher_every_request_completes_once_with_verified_data(WorkloadMode mode)
    {
        using var bed = new RamDiskUserBed(processors: 2, dispatcher: DispatcherKind.Concurrent);
        var workload = new UserWorkload(Disk(mode, 8, 4_000), new DeterministicRandom(9), TimeProvider.System);
        var seen = new int[4_000];
        workload.RequestCompleted += r => Interlocked.Increment(ref seen[r.Id]);

        bed.RunConcurrent(workload, TimeSpan.FromSeconds(60));

        var s = workload.Snapshot();
        Assert.True(s.Completed == 4_000 && s.Failed == 0 && s.InFlight == 0 && s.Mismatches == 0, RamDiskUserBed.Describe(s));
        Assert.All(seen, n => Assert.Equal(1, n));
        Assert.InRange(workload.MaxInFlight, 1, 8);
        Assert.Equal(4_000, s.WallLatency.Count);
        Assert.Equal(s.Reads + s.Writes, bed.Filter.RequestCount(IrpMajorFunction.Read) + bed.Filter.RequestCount(IrpMajorFunction.Write));
    }

    /// <summary>A wall clock for tests: each timestamp is <c>stepTicks</c> after the previous one, at 1 MHz.</summary>
    private sealed class SteppingClock(long stepTicks) : TimeProvider
    {
        private long _now;

        public override long TimestampFrequency => 1_000_000;

        public override long GetTimestamp() => _now += stepTicks;
    }
}
