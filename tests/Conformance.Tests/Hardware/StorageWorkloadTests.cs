using System.Buffers.Binary;
using System.Security.Cryptography;
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

    /// <remarks>
    /// The controller of the benchmark (no latency: every processor busy, the most interleaving per
    /// request). About 3.5 s of CPU per run in a Debug build (unoptimised code, about 35 µs a request),
    /// under a second in Release; the delivery log's hash is about 5% of it, the digest 1%.
    /// </remarks>
    [Fact]
    public void Deterministic_4_processors_100000_requests_at_QD32_replay_byte_identically_for_one_seed()
    {
        const int requests = 100_000;
        byte[] Once()
        {
            using var bed = new StorageUserBed(processors: 4, seed: 23, sectors: 4096, controller: BlockControllerOptions.NoLatency, recordDeliveries: true);
            var workload = new UserWorkload(Disk(requests), new DeterministicRandom(23).Derive("disk"));
            var completions = new int[requests];
            // The digest: every completion in the order the program saw it (which request, its status,
            // bytes and place, the processor clock), then the delivery log, the end time and the disk image.
            using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var record = new byte[40];
            workload.RequestCompleted += r =>
            {
                completions[r.Id]++;
                var span = record.AsSpan();
                BinaryPrimitives.WriteInt64LittleEndian(span, r.Id);
                BinaryPrimitives.WriteInt32LittleEndian(span[8..], (int)r.Status);
                BinaryPrimitives.WriteInt32LittleEndian(span[12..], (int)r.Operation);
                BinaryPrimitives.WriteUInt64LittleEndian(span[16..], r.Bytes);
                BinaryPrimitives.WriteInt64LittleEndian(span[24..], r.Offset);
                BinaryPrimitives.WriteInt64LittleEndian(span[32..], bed.Machine.NowNanoseconds);
                digest.AppendData(span);
            };
            bed.Run(workload);
            AssertEachCompletedOnceVerified(workload, completions, requests, bed);
            var log = bed.Machine.System.Deterministic!.DeliveryLog!;
            var tail = new byte[24];
            BinaryPrimitives.WriteUInt64LittleEndian(tail, log.Hash);
            BinaryPrimitives.WriteInt64LittleEndian(tail.AsSpan(8), log.Count);
            BinaryPrimitives.WriteInt64LittleEndian(tail.AsSpan(16), bed.Machine.NowNanoseconds);
            digest.AppendData(tail);
            var image = new byte[bed.Image.SectorCount * bed.Image.SectorSize];
            bed.Image.ReadSectors(0, image);
            digest.AppendData(image);
            return digest.GetHashAndReset();
        }

        var first = Once();
        var second = Once();

        Assert.Equal(Convert.ToHexString(first), Convert.ToHexString(second));
    }
}
