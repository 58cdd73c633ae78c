using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>Issue 6, acceptance 2: a user process drives filter → function → PDO with overlapped I/O.</summary>
[Trait("Area", "UserMode")]
public sealed class UserModeEndToEndTests
{
    private const int Requests = 100_000;

    [Theory]
    [InlineData(false, OverlappedCompletion.CompletionPort)]
    [InlineData(true, OverlappedCompletion.Event)]
    public void Overlapped_QD32_reads_and_writes_through_the_RAM_disk_stack_complete_once_each_with_every_byte_verified(bool directIo, OverlappedCompletion completion)
    {
        using var bed = new RamDiskUserBed(processors: 2, seed: 6, diskSize: 2 << 20, directIo: directIo);
        var workload = new UserWorkload(new WorkloadDefinition
        {
            Name = "e2e",
            FileName = RamDiskUserBed.DiskName,
            Mode = WorkloadMode.Overlapped,
            Completion = completion,
            QueueDepth = 32,
            Mix = new OperationMix(Read: 0.5, Write: 0.5),
            Sizes = SizeDistribution.Uniform(512, 4096, 512),
            RegionLength = 2 << 20,
            RequestCount = Requests,
        }, new DeterministicRandom(6).Derive("e2e"));
        var completions = new int[Requests];
        long readBytes = 0, writeBytes = 0;
        workload.RequestCompleted += r =>
        {
            completions[r.Id]++;
            if (r.Operation == IrpMajorFunction.Read)
            {
                readBytes += (long)r.Bytes;
            }
            else
            {
                writeBytes += (long)r.Bytes;
            }
        };

        bed.Run(workload, "e2e.exe");

        var s = workload.Snapshot();
        var twice = completions.Count(n => n > 1);
        var missing = completions.Count(n => n == 0);
        Assert.True(twice == 0 && missing == 0, $"{twice} request(s) completed more than once, {missing} never");
        Assert.True(s.Issued == Requests && s.Completed == Requests && s.Failed == 0 && s.InFlight == 0, RamDiskUserBed.Describe(s));
        Assert.Equal(0, s.DuplicateCompletions + s.UnknownCompletions);
        // Byte for byte: every read checked against the generation last written to each of its sectors.
        Assert.True(s.Mismatches == 0, s.FirstMismatch);
        Assert.Equal(s.Reads, s.Verified);
        Assert.True(s.Reads > Requests * 0.45 && s.Writes > Requests * 0.45, RamDiskUserBed.Describe(s));
        Assert.Equal(32, workload.MaxInFlight);
        // The filter saw each request once; the bytes it passed up are the reads' bytes.
        Assert.Equal(s.Reads, bed.Filter.RequestCount(IrpMajorFunction.Read));
        Assert.Equal(s.Writes, bed.Filter.RequestCount(IrpMajorFunction.Write));
        Assert.Equal(readBytes, bed.Filter.BytesRead);
        Assert.Equal(readBytes + writeBytes, s.Bytes);
        Assert.Empty(bed.Io.GetStuckRequests());
    }
}
