using ActorKernel.Actors;
using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Conformance.Tests.Hardware;

/// <summary>Issue 11, acceptance 1: a QD 32 workload through the interrupt-driven disk stack on 4 processors, concurrent and deterministic.</summary>
[Trait("Area", "Hardware")]
[Collection("Storage")]
public sealed class StorageWorkloadTests
{
    private static WorkloadDefinition Disk(long requests) => new()
    {
        Name = "disk",
        FileName = StorageUserBed.DiskName,
        Mode = WorkloadMode.Overlapped,
        Completion = OverlappedCompletion.CompletionPort,
        QueueDepth = 32,
        Mix = new OperationMix(Read: 0.5, Write: 0.5),
        Sizes = SizeDistribution.Uniform(512, 4096, 512),
        RegionLength = 2 << 20,
        RequestCount = requests,
    };

    private static void AssertEachCompletedOnceVerified(UserWorkload workload, int[] completions, long requests, StorageUserBed bed)
    {
        var s = workload.Snapshot();
        var twice = completions.Count(n => n > 1);
        var missing = completions.Count(n => n == 0);
        Assert.True(twice == 0 && missing == 0, $"{twice} request(s) completed more than once, {missing} never");
        Assert.True(s.Issued == requests && s.Completed == requests && s.Failed == 0 && s.InFlight == 0, StorageUserBed.Describe(s));
        Assert.Equal(0, s.DuplicateCompletions + s.UnknownCompletions);
        Assert.True(s.Mismatches == 0, s.FirstMismatch);
        Assert.Equal(s.Reads, s.Verified);
        Assert.Equal(32, workload.MaxInFlight);
        Assert.Equal(requests, bed.Adapter.CompletedRequests);
        Assert.Equal(requests, bed.Controller.CompletedCommands);
        Assert.Empty(bed.Io.GetStuckRequests());
        Assert.Empty(bed.Machine.Hal.Findings);
    }

    [Fact]
    public void Concurrent_4_processors_100000_requests_at_QD32_complete_exactly_once_each_with_data_verified()
    {
        const int requests = 100_000;
        using var bed = new StorageUserBed(processors: 4, seed: 11, dispatcher: DispatcherKind.Concurrent, sectors: 4096);
        var workload = new UserWorkload(Disk(requests), new DeterministicRandom(11).Derive("disk"));
        var completions = new int[requests];
        workload.RequestCompleted += r => Interlocked.Increment(ref completions[r.Id]);

        bed.RunConcurrent(workload, TimeSpan.FromMinutes(2));

        AssertEachCompletedOnceVerified(workload, completions, requests, bed);
        Assert.True(bed.Miniport.InterruptsClaimed > 0);
    }

    [Fact]
    public void Deterministic_4_processor_run_at_QD32_replays_identically_for_one_seed()
    {
        const int requests = 20_000;
        (ulong Deliveries, long Now, ulong Order) Once()
        {
            using var bed = new StorageUserBed(processors: 4, seed: 23, sectors: 4096, controller: new BlockControllerOptions(), recordDeliveries: true);
            var workload = new UserWorkload(Disk(requests), new DeterministicRandom(23).Derive("disk"));
            var completions = new int[requests];
            var order = 14695981039346656037UL;
            workload.RequestCompleted += r =>
            {
                completions[r.Id]++;
                order = (order ^ (ulong)r.Id) * 1099511628211UL;
            };
            bed.Run(workload);
            AssertEachCompletedOnceVerified(workload, completions, requests, bed);
            return (bed.Machine.System.Deterministic!.DeliveryLog!.Hash, bed.Machine.NowNanoseconds, order);
        }

        var first = Once();
        var second = Once();

        Assert.Equal(first, second);
    }
}
