using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.UserMode;
using ActorKernel.Runtime;
using Xunit.Abstractions;

namespace ActorKernel.Conformance.Tests.Runtime;

/// <summary>
/// Issue 16, acceptance 4: machines sharing one process on the concurrent dispatcher share the cores.
/// With the thread pool's preferLocal queues, one machine's runs could hold a worker's local queue
/// while the other machine waited. With the process's own workers, each machine's chains stayed on
/// one worker, and when another process shared a core (CI runs the test assemblies side by side)
/// the OS gave the two workers unequal CPU for the whole run: 27-38 % for one machine in about one
/// run of five under one CPU hog. The busy workers now rotate their queues every few milliseconds
/// (ActorWorkerPool, docs/performance.md "Session 7, sched").
/// </summary>
[Trait("Area", "Runtime")]
[Collection(nameof(TwoMachinesTests))] // alone: other classes' machines running beside it would share the cores unevenly
public sealed class TwoMachinesTests(ITestOutputHelper output)
{
    // Counted once each machine has completed this many (process start, CreateFile, JIT), so a head start of one does not count.
    private const long WarmUpRequests = 500;
    private const long PairRequests = 20_000;

    // Overlapped, one user thread keeping 8 requests in flight on each machine. With 4 synchronous
    // threads on 2 processors the smaller share still fell to 35-39 % in 3 runs of 16 (performance.md,
    // issue 16): that residue is inside the machines (threads contending for two processors), not the
    // dispatcher's, and is left out here so that this test does not flicker.
    [Theory]
    [InlineData(WorkloadMode.Overlapped, 8)]
    public void Two_machines_in_one_process_on_the_concurrent_dispatcher_each_complete_at_least_40_percent_of_the_pairs_requests(WorkloadMode mode, int queueDepth)
    {
        using var first = new RamDiskUserBed(processors: 2, seed: 21, dispatcher: DispatcherKind.Concurrent);
        using var second = new RamDiskUserBed(processors: 2, seed: 22, dispatcher: DispatcherKind.Concurrent);
        var a = new UserWorkload(Endless(mode, queueDepth), new DeterministicRandom(21).Derive("a"));
        var b = new UserWorkload(Endless(mode, queueDepth), new DeterministicRandom(22).Derive("b"));
        a.Start(first.Machine, UserProcess.Create(first.Machine, first.Io, "a.exe"));
        b.Start(second.Machine, UserProcess.Create(second.Machine, second.Io, "b.exe"));

        // A generous wall-clock bound only against a hang; the assertion is about shares, not time.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var (startA, startB) = WaitForPair(a, b, WarmUpRequests, until, first, second, each: true);
        Assert.True(startA >= WarmUpRequests && startB >= WarmUpRequests, $"a machine did not get going: A {startA}, B {startB} requests");
        var (endA, endB) = WaitForPair(a, b, startA + startB + PairRequests, until, first, second);
        var doneA = endA - startA;
        var doneB = endB - startB;
        output.WriteLine($"machine A {doneA}, machine B {doneB} requests after the warm-up ({100.0 * doneA / Math.Max(1, doneA + doneB):0.0} % / {100.0 * doneB / Math.Max(1, doneA + doneB):0.0} %)");
        a.RequestStop();
        b.RequestStop();
        var drained = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((!a.IsDone || !b.IsDone) && DateTime.UtcNow < drained)
        {
            Thread.Sleep(2);
        }

        Assert.False(first.Machine.IsBugChecked, first.Machine.CrashDump?.Analysis);
        Assert.False(second.Machine.IsBugChecked, second.Machine.CrashDump?.Analysis);
        Assert.True(doneA + doneB >= PairRequests, $"the pair completed only {doneA} + {doneB} requests");
        var total = doneA + doneB;
        Assert.True(doneA * 10 >= total * 4 && doneB * 10 >= total * 4, $"machine A completed {doneA}, machine B {doneB} of {total}: each should have at least 40%");
        var sa = a.Snapshot();
        var sb = b.Snapshot();
        Assert.True(a.IsDone && b.IsDone && sa.Failed == 0 && sb.Failed == 0 && sa.Mismatches == 0 && sb.Mismatches == 0,
            $"A: {RamDiskUserBed.Describe(sa)}; B: {RamDiskUserBed.Describe(sb)}");
    }

    private static (long A, long B) WaitForPair(UserWorkload a, UserWorkload b, long total, DateTime until, RamDiskUserBed first, RamDiskUserBed second, bool each = false)
    {
        long doneA, doneB;
        do
        {
            Thread.Sleep(2);
            doneA = a.Snapshot().Completed;
            doneB = b.Snapshot().Completed;
        }
        while ((each ? Math.Min(doneA, doneB) : doneA + doneB) < total && DateTime.UtcNow < until && !first.Machine.IsBugChecked && !second.Machine.IsBugChecked);
        return (doneA, doneB);
    }

    private static WorkloadDefinition Endless(WorkloadMode mode, int queueDepth) => new()
    {
        Name = "disk",
        FileName = RamDiskUserBed.DiskName,
        Mode = mode,
        QueueDepth = queueDepth,
        Mix = new OperationMix(Read: 0.5, Write: 0.5),
        Sizes = SizeDistribution.Uniform(512, 4096, 512),
        RegionLength = 1 << 20,
        RequestCount = null,
    };
}

/// <summary>Runs <see cref="TwoMachinesTests"/> with no other test class beside it.</summary>
[CollectionDefinition(nameof(TwoMachinesTests), DisableParallelization = true)]
public sealed class TwoMachinesCollection;
