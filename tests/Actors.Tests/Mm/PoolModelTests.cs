using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Actors.Tests.Mm;

/// <summary>
/// A seeded random walk over the pools against a model: every live block keeps exactly the bytes
/// its owner wrote (no two blocks overlap, paging loses nothing, reuse never leaks into a live block),
/// and the tag counters agree with the model at every step.
/// </summary>
[Trait("Area", "Memory")]
public sealed class PoolModelTests
{
    [Theory]
    [InlineData(1UL)]
    [InlineData(7UL)]
    [InlineData(20260101UL)]
    public void Random_allocations_frees_writes_and_trims_keep_every_live_block_intact(ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var mm = new MemoryManager(new MemoryManagerOptions
        {
            PhysicalMemoryBytes = 2UL << 20, // small: the pager runs often
            PagedPoolBytes = 8UL << 20,
            NonPagedPoolBytes = 1UL << 20,
        });
        var ctx = new MemoryAccessContext(Irql.PassiveLevel, null, "walk.sys", 0);
        uint tag = PoolTag.FromString("Walk");
        var live = new List<(ulong Address, byte[] Data)>();
        long allocs = 0, frees = 0;

        for (int step = 0; step < 3000; step++)
        {
            int op = random.Next(10);
            if (op < 5 || live.Count == 0)
            {
                bool paged = random.Next(4) != 0;
                int size = random.Next(4) == 0 ? 1 + random.Next(12000) : 1 + random.Next(600);
                ulong p = mm.ExAllocatePool2(ctx, paged ? PoolFlags.Paged : PoolFlags.NonPaged, (ulong)size, tag);
                if (p == 0) continue; // pool or RAM exhausted: allowed, nothing changes
                allocs++;
                byte[] zero = new byte[size];
                mm.Read(ctx, p, zero);
                Assert.All(zero, b => Assert.Equal(0, b)); // ExAllocatePool2 zeroes
                byte[] data = new byte[size];
                for (int i = 0; i < size; i++) data[i] = (byte)random.Next(256);
                mm.Write(ctx, p, data);
                live.Add((p, data));
            }
            else if (op < 8)
            {
                int index = random.Next(live.Count);
                (ulong p, byte[] data) = live[index];
                AssertHolds(mm, ctx, p, data);
                mm.ExFreePoolWithTag(ctx, p, tag);
                frees++;
                live[index] = live[^1];
                live.RemoveAt(live.Count - 1);
            }
            else if (op == 8)
            {
                (ulong p, byte[] data) = live[random.Next(live.Count)];
                int offset = random.Next(data.Length);
                byte value = (byte)random.Next(256);
                mm.Write(ctx, p + (ulong)offset, [value]);
                data[offset] = value;
            }
            else
            {
                mm.MmTrimAllPageablePages();
            }

            PoolTagUsage usage = mm.GetPoolUsage().Where(u => u.TagValue == tag).Aggregate(
                new PoolTagUsage("Walk", tag, false, 0, 0, 0),
                (a, u) => a with { Allocs = a.Allocs + u.Allocs, Frees = a.Frees + u.Frees, Bytes = a.Bytes + u.Bytes });
            Assert.Equal((allocs, frees, live.Sum(l => (long)l.Data.Length)), (usage.Allocs, usage.Frees, usage.Bytes));
        }

        foreach ((ulong p, byte[] data) in live) AssertHolds(mm, ctx, p, data);
        Assert.Equal(live.Count, mm.GetOutstandingAllocations("walk.sys").Count);
        Assert.True(mm.GetStatistics().HardFaults > 0, "the walk should have exercised paging");
    }

    private static void AssertHolds(MemoryManager mm, MemoryAccessContext ctx, ulong p, byte[] expected)
    {
        byte[] actual = new byte[expected.Length];
        mm.Read(ctx, p, actual);
        Assert.Equal(expected, actual);
    }
}
