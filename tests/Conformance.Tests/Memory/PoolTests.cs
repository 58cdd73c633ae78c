using System.Buffers.Binary;
using ActorKernel.Actors;
using static ActorKernel.Conformance.Tests.Memory.MemoryTestSupport;

namespace ActorKernel.Conformance.Tests.Memory;

[Trait("Area", "Memory")]
public sealed class PoolTests
{
    private static readonly MemoryAccessContext Passive = DriverAt(Irql.PassiveLevel);

    [Fact]
    public void Double_free_bugchecks_BAD_POOL_CALLER_7_with_the_header_contents_and_the_address()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 40, Tag1);
        mm.ExFreePoolWithTag(Passive, p, Tag1);

        BugCheckException e = AssertBugCheck(BugCheckCode.BadPoolCaller, () => mm.ExFreePoolWithTag(Passive, p, Tag1));

        Assert.Equal(0x7UL, e.Parameter1);
        Assert.Equal(p, e.Parameter4);
        // P3: the first 8 header bytes: PreviousSize 0, PoolIndex 0, BlockSize 4 units (16 header + 48 data), PoolType 0 (free), the tag.
        Assert.Equal(((ulong)Tag1 << 32) | (4UL << 16), e.Parameter3);
    }

    [Fact]
    public void Double_free_of_a_page_sized_allocation_bugchecks_BAD_POOL_CALLER_7()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.Paged, 3 * 4096, Tag1);
        mm.ExFreePool(Passive, p);
        BugCheckException e = AssertBugCheck(BugCheckCode.BadPoolCaller, () => mm.ExFreePool(Passive, p));
        Assert.Equal((0x7UL, p), (e.Parameter1, e.Parameter4));
    }

    [Fact]
    public void Freeing_with_the_wrong_tag_bugchecks_BAD_POOL_CALLER_A_with_both_tags()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.Paged, 100, Tag1);
        uint wrong = PoolTag.FromString("Bad!");
        BugCheckException e = AssertBugCheck(BugCheckCode.BadPoolCaller, () => mm.ExFreePoolWithTag(Passive, p, wrong));
        Assert.Equal((0xAUL, p, (ulong)Tag1, (ulong)wrong), (e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4));
    }

    [Fact]
    public void An_overrun_into_the_next_pool_header_is_found_on_free_as_BAD_POOL_HEADER_20()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 32, Tag1);
        ulong q = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 32, Tag1);
        Assert.Equal(p + 48, q); // adjacent: 32 bytes of data, then q's 16-byte header
        mm.Write(Passive, p, new byte[40]); // 8 bytes too many: q's header is zeroed

        BugCheckException e = AssertBugCheck(BugCheckCode.BadPoolHeader, () => mm.ExFreePoolWithTag(Passive, p, Tag1));
        Assert.Equal((0x20UL, p - 16, q - 16), (e.Parameter1, e.Parameter2, e.Parameter3));
    }

    [Fact]
    public void An_overrun_into_the_slack_after_the_requested_size_is_found_on_free_as_BAD_POOL_HEADER_21()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 20, Tag1);
        mm.Write(Passive, p + 20, [0x42]);
        BugCheckException e = AssertBugCheck(BugCheckCode.BadPoolHeader, () => mm.ExFreePool(Passive, p));
        Assert.Equal((0x21UL, p, 20UL), (e.Parameter1, e.Parameter2, e.Parameter3));
        Assert.Equal(0x42UL, e.Parameter4 & 0xFF);

        ulong big = mm.ExAllocatePool2(Passive, PoolFlags.Paged, 5000, Tag1);
        mm.Write(Passive, big + 5000, [0, 0, 0, 0]);
        e = AssertBugCheck(BugCheckCode.BadPoolHeader, () => mm.ExFreePool(Passive, big));
        // P4: the eight bytes from the first corrupted one: four zeros written, then the untouched pattern.
        Assert.Equal((0x21UL, big, 5000UL, 0xABABABAB_00000000UL), (e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4));
    }

    [Fact]
    public void An_underrun_that_rewrites_the_block_size_is_found_on_free_as_BAD_POOL_HEADER_7()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 32, Tag1);
        mm.Write(Passive, p - 14, [9]);
        BugCheckException e = AssertBugCheck(BugCheckCode.BadPoolHeader, () => mm.ExFreePool(Passive, p));
        Assert.Equal((0x7UL, p - 16), (e.Parameter1, e.Parameter4));
    }

    [Theory]
    [InlineData(PoolFlags.Paged, Irql.DispatchLevel)]
    [InlineData(PoolFlags.NonPaged, Irql.ClockLevel)]
    public void Allocating_above_the_pool_IRQL_bugchecks_BAD_POOL_CALLER_8(PoolFlags flags, Irql irql)
    {
        var mm = SmallMachine();
        BugCheckException e = AssertBugCheck(BugCheckCode.BadPoolCaller, () => mm.ExAllocatePool2(DriverAt(irql), flags, 64, Tag1));
        Assert.Equal((0x8UL, (ulong)irql, 64UL), (e.Parameter1, e.Parameter2, e.Parameter4));
    }

    [Fact]
    public void Freeing_paged_pool_at_DISPATCH_LEVEL_bugchecks_BAD_POOL_CALLER_9()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.Paged, 64, Tag1);
        BugCheckException e = AssertBugCheck(BugCheckCode.BadPoolCaller, () => mm.ExFreePool(DriverAt(Irql.DispatchLevel), p));
        Assert.Equal((0x9UL, 2UL, (ulong)PoolType.PagedPool, p), (e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4));
        ulong n = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 64, Tag1);
        mm.ExFreePool(DriverAt(Irql.DispatchLevel), n); // nonpaged may be freed at DISPATCH_LEVEL
    }

    [Fact]
    public void A_zero_tag_bugchecks_BAD_POOL_CALLER_9B_and_freeing_a_user_address_BAD_POOL_CALLER_40()
    {
        var mm = SmallMachine();
        Assert.Equal(0x9BUL, AssertBugCheck(BugCheckCode.BadPoolCaller, () => mm.ExAllocatePool2(Passive, PoolFlags.Paged, 8, 0)).Parameter1);
        BugCheckException e = AssertBugCheck(BugCheckCode.BadPoolCaller, () => mm.ExFreePool(Passive, 0x10000));
        Assert.Equal((0x40UL, 0x10000UL, MmLayout.SystemRangeStart), (e.Parameter1, e.Parameter2, e.Parameter3));
    }

    [Fact]
    public void ExAllocatePool2_zeroes_unless_POOL_FLAG_UNINITIALIZED_and_ExAllocatePoolWithTag_does_not()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 64, Tag1);
        mm.Write(Passive, p, Enumerable.Repeat((byte)0xEE, 64).ToArray());
        mm.ExFreePool(Passive, p);
        ulong again = mm.ExAllocatePoolWithTag(Passive, PoolType.NonPagedPoolNx, 64, Tag1);
        Assert.Equal(p, again); // exact-size reuse
        Assert.Equal(0xEEEEEEEEu, mm.ReadUInt32(Passive, again, out _));
        mm.ExFreePool(Passive, again);
        ulong zeroed = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 64, Tag1);
        Assert.Equal(p, zeroed);
        Assert.Equal(0u, mm.ReadUInt32(Passive, zeroed, out _));
    }

    [Fact]
    public void Allocation_failure_returns_null_and_POOL_FLAG_RAISE_ON_FAILURE_raises_STATUS_INSUFFICIENT_RESOURCES()
    {
        var mm = SmallMachine(); // 4 MiB of nonpaged pool
        Assert.Equal(0UL, mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 8UL << 20, Tag1));
        Assert.Equal(0UL, mm.ExAllocatePool2(Passive, PoolFlags.Paged | PoolFlags.NonPaged, 8, Tag1)); // two pool types
        Assert.Equal(0UL, mm.ExAllocatePool2(Passive, PoolFlags.Session | PoolFlags.Paged, 8, Tag1));  // unsupported required flag
        Assert.NotEqual(0UL, mm.ExAllocatePool2(Passive, (PoolFlags)(1UL << 40) | PoolFlags.Paged, 8, Tag1)); // unknown optional flag
        NtStatusException e = Assert.Throws<NtStatusException>(
            () => mm.ExAllocatePool2(Passive, PoolFlags.NonPaged | PoolFlags.RaiseOnFailure, 8UL << 20, Tag1));
        Assert.Equal(NtStatus.InsufficientResources, e.Status);
    }

    [Fact]
    public void Pool_header_holds_the_tag_little_endian_so_Tag1_prints_as_Tag1()
    {
        var mm = SmallMachine();
        Assert.Equal(0x31676154u, Tag1); // the C literal '1gaT'
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 16, Tag1);
        byte[] header = new byte[16];
        mm.Read(Passive, p - 16, header);
        Assert.Equal("Tag1", System.Text.Encoding.ASCII.GetString(header, 4, 4));
        Assert.Equal(Tag1, BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)));
        Assert.Equal("Tag1", Assert.Single(mm.GetPoolUsage()).Tag);
    }

    [Fact]
    public void Pool_tags_are_counted_exactly_across_10k_allocations_and_frees_from_4_threads_at_once()
    {
        var mm = new MemoryManager();
        const int threads = 4;
        const int perThread = 2500;
        uint[] tags = new[] { "Thr0", "Thr1", "Thr2", "Thr3" }.Select(PoolTag.FromString).ToArray();
        uint shared = PoolTag.FromString("Shrd");
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var ctx = new MemoryAccessContext(Irql.PassiveLevel, null, $"d{t}.sys", 0);
            var live = new List<ulong>();
            start.SignalAndWait();
            for (int i = 0; i < perThread; i++)
            {
                PoolFlags flags = (i & 1) == 0 ? PoolFlags.Paged : PoolFlags.NonPaged;
                ulong size = (ulong)(8 + (i * 37 % 5000)); // small blocks and page-sized ones
                ulong p = mm.ExAllocatePool2(ctx, flags, size, i % 3 == 0 ? shared : tags[t]);
                if (p == 0) throw new InvalidOperationException("pool exhausted");
                mm.WriteUInt32(ctx, p, (uint)i);
                live.Add(p);
                if (i % 4 == 3) // free three of every four, the oldest first
                {
                    for (int k = 0; k < 3; k++)
                    {
                        mm.ExFreePool(ctx, live[0]);
                        live.RemoveAt(0);
                    }
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        IReadOnlyList<PoolTagUsage> usage = mm.GetPoolUsage();
        Assert.Equal(threads * perThread, usage.Sum(u => u.Allocs));
        Assert.Equal(threads * perThread * 3 / 4, usage.Sum(u => u.Frees));
        foreach (uint tag in tags)
        {
            // Per thread: 1666 of 2500 allocations use its own tag.
            long allocs = usage.Where(u => u.TagValue == tag).Sum(u => u.Allocs);
            Assert.Equal(Enumerable.Range(0, perThread).Count(i => i % 3 != 0), allocs);
        }
        IReadOnlyList<PoolAllocationInfo> outstanding = mm.GetOutstandingAllocations();
        Assert.Equal(threads * perThread / 4, outstanding.Count);
        Assert.Equal(usage.Sum(u => u.Diff), outstanding.Count);
        Assert.Equal(usage.Sum(u => u.Bytes), outstanding.Sum(a => (long)a.Size));
        Assert.Equal(perThread / 4, mm.GetOutstandingAllocations("d2.sys").Count);
    }

    [Fact]
    public void Outstanding_allocations_are_attributed_to_the_owning_driver_for_leak_reports()
    {
        var mm = SmallMachine();
        var a = new MemoryAccessContext(Irql.PassiveLevel, null, "a.sys", 0);
        var b = new MemoryAccessContext(Irql.PassiveLevel, null, "b.sys", 0);
        ulong a1 = mm.ExAllocatePool2(a, PoolFlags.Paged, 10, PoolTag.FromString("AAAA"));
        ulong a2 = mm.ExAllocatePool2(a, PoolFlags.NonPaged, 9000, PoolTag.FromString("AAAB"));
        ulong b1 = mm.ExAllocatePool2(b, PoolFlags.NonPaged, 30, PoolTag.FromString("BBBB"));
        mm.ExFreePool(a, a1);

        PoolAllocationInfo leak = Assert.Single(mm.GetOutstandingAllocations("a.sys"));
        Assert.Equal(new PoolAllocationInfo(a2, "AAAB", PoolTag.FromString("AAAB"), PoolType.NonPagedPoolNx, 9000, "a.sys"), leak);
        Assert.Equal(b1, Assert.Single(mm.GetOutstandingAllocations("b.sys")).Address);
        Assert.Empty(mm.GetOutstandingAllocations("c.sys"));
    }

    [Fact]
    public void Unloading_a_verified_driver_that_still_holds_pool_bugchecks_0xC4_60_with_its_bytes_and_count()
    {
        var mm = SmallMachine();
        var a = new MemoryAccessContext(Irql.PassiveLevel, null, "a.sys", 0);
        mm.ExAllocatePool2(a, PoolFlags.Paged, 100, Tag1);
        mm.ExAllocatePool2(a, PoolFlags.Paged, 28, Tag1);
        ulong n = mm.ExAllocatePool2(a, PoolFlags.NonPaged, 5000, Tag1);
        mm.ExFreePool(a, mm.ExAllocatePool2(a, PoolFlags.NonPaged, 64, Tag1));

        BugCheckException e = AssertBugCheck(BugCheckCode.DriverVerifierDetectedViolation, () => mm.VfCheckPoolLeaksOnUnload("a.sys"));
        Assert.Equal((0x60UL, 128UL, 5000UL, 3UL), (e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4));
        mm.VfCheckPoolLeaksOnUnload("clean.sys"); // nothing held: no stop
        Assert.Equal(new ModulePoolUsage(128, 5000, 3), mm.GetModulePoolUsage("a.sys"));
        mm.ExFreePool(a, n);
        Assert.Equal(new ModulePoolUsage(128, 0, 2), mm.GetModulePoolUsage("a.sys"));
    }
}
