using System.Buffers.Binary;
using System.Text;
using ActorKernel.Actors;
using static ActorKernel.Conformance.Tests.Memory.MemoryTestSupport;

namespace ActorKernel.Conformance.Tests.Verifier;

/// <summary>Driver Verifier's special pool and pool tracking, on the memory manager alone (Microsoft, "Special Pool", "Pool Tracking"; bug checks 0xC1, 0xCC, 0xCD, 0xD5, 0xD6, 0xC4/0x62).</summary>
[Trait("Area", "Verifier")]
public sealed class SpecialPoolTests
{
    private static readonly MemoryAccessContext Passive = DriverAt(Irql.PassiveLevel);

    private static MemoryManager Verified(VerifierOptions options = VerifierOptions.SpecialPool | VerifierOptions.PoolTracking, bool verifyStart = false)
    {
        var mm = SmallMachine();
        mm.SpecialPoolVerifyStart = verifyStart;
        mm.VfAddDriver(Driver, options);
        return mm;
    }

    [Fact]
    public void An_overrun_read_faults_at_the_first_byte_past_the_allocation_as_DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION_D6()
    {
        var mm = Verified();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 64, Tag1);
        Assert.Equal(0UL, (p + 64) % 4096); // Verify End: the allocation ends at the page end
        mm.Read(Passive, p, new byte[64]); // the allocation itself is fine

        BugCheckException e = AssertBugCheck(BugCheckCode.DriverPageFaultBeyondEndOfAllocation, () => mm.Read(Passive, p + 60, new byte[8]));
        Assert.Equal((p + 64, 0UL, CodeAddress, 0UL), (e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4));
    }

    [Fact]
    public void An_overrun_write_by_the_kernel_is_PAGE_FAULT_BEYOND_END_OF_ALLOCATION_CD_with_P2_1()
    {
        var mm = Verified();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.Paged, 32, Tag1);
        BugCheckException e = AssertBugCheck(BugCheckCode.PageFaultBeyondEndOfAllocation, () => mm.WriteUInt32(KernelAt(Irql.PassiveLevel), p + 32, 1));
        Assert.Equal((p + 32, 1UL, CodeAddress, 0UL), (e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4));
    }

    [Fact]
    public void A_touch_after_free_is_DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL_D5_even_at_DISPATCH_LEVEL_and_PAGE_FAULT_IN_FREED_SPECIAL_POOL_CC_from_the_kernel()
    {
        var mm = Verified();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 100, Tag1);
        mm.ExFreePoolWithTag(Passive, p, Tag1);

        BugCheckException d5 = AssertBugCheck(BugCheckCode.DriverPageFaultInFreedSpecialPool, () => mm.WriteUInt32(DriverAt(Irql.DispatchLevel), p + 8, 7));
        Assert.Equal((p + 8, 1UL, CodeAddress, 0UL), (d5.Parameter1, d5.Parameter2, d5.Parameter3, d5.Parameter4));
        BugCheckException cc = AssertBugCheck(BugCheckCode.PageFaultInFreedSpecialPool, () => mm.ReadUInt32(KernelAt(Irql.PassiveLevel), p, out _));
        Assert.Equal((p, 0UL, CodeAddress, 0UL), (cc.Parameter1, cc.Parameter2, cc.Parameter3, cc.Parameter4));
    }

    [Fact]
    public void With_Verify_Start_an_underrun_faults_at_once_and_an_overrun_is_found_at_free_as_C1_24()
    {
        var mm = Verified(verifyStart: true);
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 40, Tag1);
        Assert.Equal(0U, MmLayout.ByteOffset(p));
        BugCheckException under = AssertBugCheck(BugCheckCode.DriverPageFaultBeyondEndOfAllocation, () => mm.Read(Passive, p - 1, new byte[1]));
        Assert.Equal((p - 1, 0UL, CodeAddress, 0UL), (under.Parameter1, under.Parameter2, under.Parameter3, under.Parameter4));

        ulong q = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 40, Tag1);
        mm.Write(Passive, q + 40, new byte[] { 0x5A });
        BugCheckException e = AssertBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, () => mm.ExFreePoolWithTag(Passive, q, Tag1));
        Assert.Equal((q, q + 40, 0x24UL), (e.Parameter1, e.Parameter2, e.Parameter4));
        Assert.NotEqual(0x5AUL, e.Parameter3); // P3: the page's pattern byte, which the write changed
    }

    [Fact]
    public void With_Verify_End_bytes_changed_before_the_allocation_are_C1_23_and_in_the_alignment_slack_after_it_C1_24()
    {
        var mm = Verified();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 20, Tag1); // 12 bytes of slack to the page end
        mm.Write(Passive, p - 3, new byte[] { 0, 0, 0 });
        BugCheckException before = AssertBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, () => mm.ExFreePoolWithTag(Passive, p, Tag1));
        Assert.Equal((p, p - 3, 0x23UL), (before.Parameter1, before.Parameter2, before.Parameter4));

        ulong q = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 20, Tag1);
        mm.Write(Passive, q + 21, new byte[] { 0 }); // inside the page: no fault, but the pattern is gone
        BugCheckException after = AssertBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, () => mm.ExFreePoolWithTag(Passive, q, Tag1));
        Assert.Equal((q, q + 21, 0x24UL), (after.Parameter1, after.Parameter2, after.Parameter4));
    }

    [Fact]
    public void Freeing_special_pool_twice_is_C1_20_and_inside_an_allocation_C1_21_or_22_with_bytes_requested_and_calculated()
    {
        var mm = Verified();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 256, Tag1);
        BugCheckException inside = AssertBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, () => mm.ExFreePool(Passive, p + 16));
        Assert.Equal((p + 16, 256UL, 240UL, 0x21UL), (inside.Parameter1, inside.Parameter2, inside.Parameter3, inside.Parameter4));
        ulong before = MmLayout.PageAlign(p) + 0x100;
        BugCheckException early = AssertBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, () => mm.ExFreePool(Passive, before));
        Assert.Equal((before, 256UL, 4096UL - 0x100, 0x22UL), (early.Parameter1, early.Parameter2, early.Parameter3, early.Parameter4));

        mm.ExFreePool(Passive, p);
        BugCheckException twice = AssertBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, () => mm.ExFreePool(Passive, p));
        Assert.Equal((p, 0UL, 0UL, 0x20UL), (twice.Parameter1, twice.Parameter2, twice.Parameter3, twice.Parameter4));
    }

    [Fact]
    public void Special_pool_at_a_bad_IRQL_is_C1_30_to_allocate_and_C1_31_to_free_with_IRQL_and_pool_type()
    {
        var mm = Verified();
        BugCheckException alloc = AssertBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption,
            () => mm.ExAllocatePoolWithTag(DriverAt(Irql.DispatchLevel), PoolType.PagedPool, 48, Tag1));
        Assert.Equal((2UL, 1UL, 48UL, 0x30UL), (alloc.Parameter1, alloc.Parameter2, alloc.Parameter3, alloc.Parameter4));

        ulong p = mm.ExAllocatePoolWithTag(Passive, PoolType.PagedPool, 48, Tag1);
        BugCheckException free = AssertBugCheck(BugCheckCode.SpecialPoolDetectedMemoryCorruption, () => mm.ExFreePoolWithTag(DriverAt(Irql.DispatchLevel), p, Tag1));
        Assert.Equal((2UL, 1UL, p, 0x31UL), (free.Parameter1, free.Parameter2, free.Parameter3, free.Parameter4));
    }

    [Fact]
    public void Only_verified_drivers_and_requests_that_fit_a_page_go_to_special_pool_and_the_verifier_counts_them()
    {
        var mm = Verified();
        ulong special = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 100, Tag1);
        ulong big = mm.ExAllocatePool2(Passive, PoolFlags.Paged, 8192, Tag1);
        ulong other = mm.ExAllocatePool2(new MemoryAccessContext(Irql.PassiveLevel, null, "other.sys", CodeAddress), PoolFlags.NonPaged, 100, Tag1);
        Assert.True(special >= MmLayout.SpecialPoolBase && special < MmLayout.SpecialPoolBase + MmLayout.SystemRegionSize);
        Assert.True(big >= MmLayout.PagedPoolBase && big < MmLayout.PagedPoolBase + MmLayout.SystemRegionSize);
        Assert.True(other >= MmLayout.NonPagedPoolBase && other < MmLayout.NonPagedPoolBase + MmLayout.SystemRegionSize);
        mm.ExFreePool(Passive, special);

        VerifierDriverStatistics s = Assert.Single(mm.VfGetStatistics());
        Assert.Equal((Driver, 2L, 2L, 1L, 0L), (s.Module, s.AllocationsAttempted, s.AllocationsSucceeded, s.AllocationsSucceededSpecialPool, s.AllocationsFailed));
        Assert.Equal((0L, 0L, 1L, 100L), (s.CurrentNonPagedAllocations, s.CurrentNonPagedBytes, s.PeakNonPagedAllocations, s.PeakNonPagedBytes));
        Assert.Equal((1L, 8192L, 1L, 8192L), (s.CurrentPagedAllocations, s.CurrentPagedBytes, s.PeakPagedAllocations, s.PeakPagedBytes));
    }

    [Fact]
    public void Pool_tracking_at_unload_bugchecks_C4_62_with_the_drivers_name_its_verifier_entry_and_the_allocations_left()
    {
        var mm = Verified(VerifierOptions.PoolTracking);
        uint tag2 = PoolTag.FromString("Tag2");
        mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 24, Tag1);
        mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 40, Tag1);
        mm.ExAllocatePool2(Passive, PoolFlags.Paged, 8, tag2);
        ulong freed = mm.ExAllocatePool2(Passive, PoolFlags.Paged, 8, tag2);
        mm.ExFreePool(Passive, freed);

        Assert.Equal(
            [new VerifierTagUsage("Tag1", Tag1, false, 2, 64), new VerifierTagUsage("Tag2", tag2, true, 1, 8)],
            mm.VfGetOutstandingByTag(Driver));
        BugCheckException e = AssertBugCheck(BugCheckCode.DriverVerifierDetectedViolation, () => mm.VfDriverUnloading(Driver));
        Assert.Equal((0x62UL, e.Parameter3 + 0x10, 3UL), (e.Parameter1, e.Parameter2, e.Parameter4));
        // P2 is a UNICODE_STRING naming the driver.
        var us = new byte[16];
        mm.Read(KernelAt(Irql.PassiveLevel), e.Parameter2, us);
        var name = new byte[BinaryPrimitives.ReadUInt16LittleEndian(us)];
        mm.Read(KernelAt(Irql.PassiveLevel), BinaryPrimitives.ReadUInt64LittleEndian(us.AsSpan(8)), name);
        Assert.Equal(Driver, Encoding.Unicode.GetString(name));
    }

    [Fact]
    public void A_driver_that_freed_everything_or_is_not_tracked_unloads_clean()
    {
        var mm = Verified();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 24, Tag1);
        mm.ExFreePool(Passive, p);
        mm.VfDriverUnloading(Driver);
        mm.ExAllocatePool2(DriverAt(Irql.PassiveLevel) with { Module = "untracked.sys" }, PoolFlags.NonPaged, 24, Tag1);
        mm.VfDriverUnloading("untracked.sys");
        Assert.Equal(1, Assert.Single(mm.VfGetStatistics()).Unloads);
    }
}

/// <summary>Driver Verifier's Low Resources Simulation on the memory manager (Microsoft, "Low Resources Simulation": 6% by default, after a delay since boot, optionally only some pool tags).</summary>
[Trait("Area", "Verifier")]
public sealed class LowResourcesSimulationTests
{
    private static readonly MemoryAccessContext Passive = DriverAt(Irql.PassiveLevel);

    private static MemoryManager Simulated(LowResourcesSimulation settings, Func<long> clock, ulong seed = 7)
    {
        var mm = SmallMachine();
        mm.VfAddDriver(Driver, VerifierOptions.PoolTracking);
        mm.VfSetLowResources(Driver, settings, clock, new ActorKernel.Runtime.DeterministicRandom(seed).Derive("lrs"));
        return mm;
    }

    [Fact]
    public void Nothing_fails_before_the_delay_then_allocations_with_an_affected_tag_fail_and_others_do_not()
    {
        long now = 0;
        uint other = PoolTag.FromString("Othr");
        var mm = Simulated(new LowResourcesSimulation { Probability = 1.0, DelayNanoseconds = 1_000, Tags = [Tag1] }, () => now);
        Assert.NotEqual(0UL, mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 32, Tag1)); // before the delay

        now = 1_000;
        Assert.Equal(0UL, mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 32, Tag1));
        Assert.Equal(0UL, mm.ExAllocatePoolWithTag(Passive, PoolType.PagedPool, 32, Tag1));
        Assert.NotEqual(0UL, mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 32, other)); // not an affected tag
        Assert.Throws<NtStatusException>(() => mm.ExAllocatePool2(Passive, PoolFlags.NonPaged | PoolFlags.RaiseOnFailure, 32, Tag1));
        // Another driver is not affected.
        Assert.NotEqual(0UL, mm.ExAllocatePool2(Passive with { Module = "other.sys" }, PoolFlags.NonPaged, 32, Tag1));

        VerifierDriverStatistics s = Assert.Single(mm.VfGetStatistics());
        Assert.Equal((5L, 2L, 3L, 3L), (s.AllocationsAttempted, s.AllocationsSucceeded, s.AllocationsFailed, s.AllocationsFailedDeliberately));
        Assert.True((s.Options & VerifierOptions.LowResourcesSimulation) != 0);
    }

    [Fact]
    public void The_failures_are_drawn_from_the_seed_so_the_same_seed_fails_the_same_allocations()
    {
        static string Pattern(ulong seed)
        {
            var mm = Simulated(new LowResourcesSimulation { Probability = 0.5, DelayNanoseconds = 0 }, () => 0, seed);
            return string.Concat(Enumerable.Range(0, 64).Select(_ => mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 16, Tag1) == 0 ? 'x' : '.'));
        }

        string first = Pattern(7);
        Assert.Equal(first, Pattern(7));
        Assert.NotEqual(first, Pattern(8));
        Assert.Contains('x', first);
        Assert.Contains('.', first);
    }

    [Fact]
    public void The_defaults_are_Microsofts_6_percent_after_8_minutes_for_every_tag()
    {
        var d = new LowResourcesSimulation();
        Assert.Equal((0.06, 8L * 60 * 1_000_000_000, 0), (d.Probability, d.DelayNanoseconds, d.Tags.Count));
    }
}
