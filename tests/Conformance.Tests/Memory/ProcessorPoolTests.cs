using ActorKernel.Actors;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Memory.ProcessorMemoryFixture;

namespace ActorKernel.Conformance.Tests.Memory;

/// <summary>Issue 4, acceptance 1 on real processors: bad frees stop the machine; tags are counted across processors.</summary>
[Trait("Area", "Memory")]
public sealed class ProcessorPoolTests
{
    private const int Processors = 4;
    private const int PerProcessor = 2_500; // 10,000 allocations in all
    private const int KeptPerProcessor = 25;
    private static readonly uint Shared = PoolTag.FromString("Shrd");

    [Fact]
    public void Double_free_on_a_processor_bugchecks_BAD_POOL_CALLER_7_with_a_crash_dump_naming_the_driver()
    {
        using var machine = Create();
        var tag = PoolTag.FromString("Dbl1");
        ulong va = 0;
        machine.RunRoutine(0, Driver, "FreeTwice", async () =>
        {
            va = ExAllocatePool2(PoolFlags.NonPaged, 48, tag);
            ExFreePoolWithTag(va, tag);
            await KeCompute(100);
            try
            {
                ExFreePoolWithTag(va, tag);
            }
            catch (BugCheckException)
            {
                // A driver cannot catch a bugcheck: the machine is already stopped.
            }
            await KeCompute(100);
        });
        Run(machine);

        var dump = AssertCrash(machine, BugCheckCode.BadPoolCaller);
        Assert.Equal(7UL, dump.ParameterValues[0]);
        Assert.Equal(va, dump.ParameterValues[3]);
        Assert.Equal("x.sys", dump.FaultingModule);
        Assert.Equal("FreeTwice", dump.FaultingRoutine);
    }

    [Fact]
    public void Pool_tags_are_counted_exactly_across_10k_allocations_and_frees_on_4_processors()
    {
        using var machine = Create(Processors);
        var finished = 0;
        for (var cpu = 0; cpu < Processors; cpu++)
        {
            machine.RunRoutine(cpu, Driver, "Churn", () => Churn(() => finished++));
        }
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(Processors, finished);
        AssertCounts(machine);
    }

    [Fact]
    public void Pool_tags_are_counted_exactly_on_the_concurrent_dispatcher()
    {
        using var machine = Create(Processors, dispatcher: DispatcherKind.Concurrent);
        using var done = new CountdownEvent(Processors);
        for (var cpu = 0; cpu < Processors; cpu++)
        {
            machine.RunRoutine(cpu, Driver, "Churn", () => Churn(() => done.Signal()));
        }
        Assert.True(done.Wait(TimeSpan.FromSeconds(60)), "the processors did not finish");
        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        AssertCounts(machine);
    }

    // Each processor allocates PerProcessor blocks under its own tag and the shared one, alternating paged and
    // nonpaged, frees all but KeptPerProcessor, and yields now and then so the processors interleave.
    private static async ValueTask Churn(Action finished)
    {
        var cpu = KeGetCurrentProcessorNumber();
        var own = PoolTag.FromString($"Tg0{cpu}");
        var live = new List<(ulong Va, uint Tag)>();
        for (var i = 0; i < PerProcessor; i++)
        {
            var tag = i % 2 == 0 ? own : Shared;
            var flags = i % 3 == 0 ? PoolFlags.Paged : PoolFlags.NonPaged;
            var va = ExAllocatePool2(flags, Size(i), tag);
            Assert.NotEqual(0UL, va);
            live.Add((va, tag));
            if (live.Count > 8)
            {
                var (oldVa, oldTag) = live[0];
                live.RemoveAt(0);
                ExFreePoolWithTag(oldVa, oldTag);
            }
            if (i % 16 == 0)
            {
                await KeCompute(200);
            }
        }
        while (live.Count > KeptPerProcessor)
        {
            ExFreePoolWithTag(live[^1].Va, live[^1].Tag);
            live.RemoveAt(live.Count - 1);
        }
        while (live.Count < KeptPerProcessor)
        {
            live.Add((ExAllocatePool2(PoolFlags.NonPaged, 32, own), own));
        }
        finished();
    }

    private static ulong Size(int i) => 16 + (ulong)(i % 40) * 24;

    private static void AssertCounts(Machine machine)
    {
        var usage = machine.Memory.GetPoolUsage();
        long allocs = usage.Where(u => u.TagValue == Shared || u.Tag.StartsWith("Tg0", StringComparison.Ordinal)).Sum(u => u.Allocs);
        long frees = usage.Where(u => u.TagValue == Shared || u.Tag.StartsWith("Tg0", StringComparison.Ordinal)).Sum(u => u.Frees);
        Assert.Equal(Processors * (PerProcessor + (KeptPerProcessor - 8)), allocs);
        Assert.Equal(Processors * KeptPerProcessor, allocs - frees);
        for (var cpu = 0; cpu < Processors; cpu++)
        {
            var own = PoolTag.FromString($"Tg0{cpu}");
            // Per processor: PerProcessor / 2 blocks under its own tag, 1 in 3 of them paged.
            var expectedPaged = Enumerable.Range(0, PerProcessor).Count(i => i % 2 == 0 && i % 3 == 0);
            var paged = usage.Single(u => u.TagValue == own && u.Paged);
            Assert.Equal(expectedPaged, paged.Allocs);
        }
        var sharedPaged = usage.Single(u => u.TagValue == Shared && u.Paged);
        Assert.Equal(Processors * Enumerable.Range(0, PerProcessor).Count(i => i % 2 == 1 && i % 3 == 0), sharedPaged.Allocs);
        var outstanding = machine.Memory.GetOutstandingAllocations("x.sys");
        Assert.Equal(Processors * KeptPerProcessor, outstanding.Count);
        var bytesByTag = usage.Where(u => u.TagValue == Shared || u.Tag.StartsWith("Tg0", StringComparison.Ordinal)).Sum(u => u.Bytes);
        Assert.Equal(outstanding.Sum(o => (long)o.Size), bytesByTag);
    }
}
