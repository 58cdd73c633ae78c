using ActorKernel.Actors;
using static ActorKernel.Conformance.Tests.Memory.MemoryTestSupport;

namespace ActorKernel.Conformance.Tests.Memory;

[Trait("Area", "Memory")]
public sealed class PagingIrqlTests
{
    [Theory]
    [InlineData(false, 0UL)]
    [InlineData(true, 1UL)]
    public void Paged_pool_touched_at_DISPATCH_LEVEL_while_paged_out_bugchecks_DRIVER_IRQL_NOT_LESS_OR_EQUAL(bool write, ulong accessType)
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(DriverAt(Irql.PassiveLevel), PoolFlags.Paged, 64, Tag1);
        Assert.NotEqual(0UL, p);
        Assert.True(mm.MmPageOut(null, p, 64) > 0);

        byte[] buffer = new byte[8];
        BugCheckException e = AssertBugCheck(BugCheckCode.DriverIrqlNotLessOrEqual, () =>
        {
            if (write) mm.Write(DriverAt(Irql.DispatchLevel), p + 8, buffer);
            else mm.Read(DriverAt(Irql.DispatchLevel), p + 8, buffer);
        });
        Assert.Equal(p + 8, e.Parameter1);
        Assert.Equal(2UL, e.Parameter2);
        Assert.Equal(accessType, e.Parameter3);
        Assert.Equal(CodeAddress, e.Parameter4);
    }

    [Fact]
    public void Paged_pool_touched_at_PASSIVE_LEVEL_while_paged_out_faults_in_with_its_delay_and_keeps_the_data()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(DriverAt(Irql.PassiveLevel), PoolFlags.Paged, 100, Tag1);
        byte[] data = Enumerable.Range(1, 100).Select(i => (byte)i).ToArray();
        Assert.Equal(0, mm.Write(DriverAt(Irql.PassiveLevel), p, data));
        Assert.Equal(1, mm.MmPageOut(null, p, 100));
        Assert.False(mm.MmIsAddressValid(null, p));

        byte[] back = new byte[100];
        long delay = mm.Read(DriverAt(Irql.PassiveLevel), p, back);

        Assert.Equal(mm.Options.HardFaultNanoseconds, delay);
        Assert.Equal(data, back);
        Assert.True(mm.MmIsAddressValid(null, p));
        Assert.Equal(0, mm.Read(DriverAt(Irql.DispatchLevel), p, back)); // resident now: no fault, no bugcheck
    }

    [Fact]
    public void Kernel_code_touching_paged_out_memory_at_DISPATCH_LEVEL_bugchecks_IRQL_NOT_LESS_OR_EQUAL()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(KernelAt(Irql.PassiveLevel), PoolFlags.Paged, 32, Tag1);
        mm.MmTrimAllPageablePages();
        BugCheckException e = AssertBugCheck(BugCheckCode.IrqlNotLessOrEqual,
            () => mm.WriteUInt32(KernelAt(Irql.DispatchLevel), p, 7));
        Assert.Equal((p, 2UL, 1UL, CodeAddress), (e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4));
    }

    [Fact]
    public void Nonpaged_pool_never_faults_even_after_a_full_trim()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(DriverAt(Irql.PassiveLevel), PoolFlags.NonPaged, 5000, Tag1);
        ulong q = mm.ExAllocatePool2(DriverAt(Irql.PassiveLevel), PoolFlags.Paged, 64, Tag1);
        Assert.True(mm.MmTrimAllPageablePages() > 0);
        Assert.False(mm.MmIsAddressValid(null, q));
        Assert.Equal(0, mm.WriteUInt32(DriverAt(Irql.HighLevel), p + 4096, 0xCAFE));
        Assert.Equal(0xCAFEu, mm.ReadUInt32(DriverAt(Irql.DispatchLevel), p + 4096, out long delay));
        Assert.Equal(0, delay);
    }

    [Fact]
    public void Force_IRQL_checking_pages_out_pageable_memory_when_the_driver_raises_to_DISPATCH_LEVEL()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(DriverAt(Irql.PassiveLevel), PoolFlags.Paged, 64, Tag1);
        mm.SetForceIrqlChecking(Driver, true);

        Assert.Equal(0, mm.OnIrqlRaised(DriverAt(Irql.PassiveLevel), Irql.ApcLevel)); // APC_LEVEL may still fault
        Assert.True(mm.MmIsAddressValid(null, p));
        Assert.Equal(0, mm.OnIrqlRaised(new MemoryAccessContext(Irql.PassiveLevel, null, "other.sys", 0), Irql.DispatchLevel));
        Assert.True(mm.MmIsAddressValid(null, p));

        Assert.True(mm.OnIrqlRaised(DriverAt(Irql.PassiveLevel), Irql.DispatchLevel) > 0);
        Assert.False(mm.MmIsAddressValid(null, p));
        BugCheckException e = AssertBugCheck(BugCheckCode.DriverIrqlNotLessOrEqual,
            () => mm.ReadUInt32(DriverAt(Irql.DispatchLevel), p, out _));
        Assert.Equal(p, e.Parameter1);
    }

    [Fact]
    public void Without_force_IRQL_checking_a_raise_pages_nothing_out()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(DriverAt(Irql.PassiveLevel), PoolFlags.Paged, 64, Tag1);
        Assert.Equal(0, mm.OnIrqlRaised(DriverAt(Irql.PassiveLevel), Irql.DispatchLevel));
        Assert.True(mm.MmIsAddressValid(null, p));
        Assert.Equal(0, mm.WriteUInt32(DriverAt(Irql.DispatchLevel), p, 1));
    }

    [Fact]
    public void Pageable_code_executed_at_DISPATCH_LEVEL_while_paged_out_bugchecks_with_execute_access()
    {
        var mm = SmallMachine();
        ulong section = mm.MiMapDriverSection(Driver, 8192, pageable: true);
        Assert.Equal(0, mm.Execute(DriverAt(Irql.DispatchLevel), section + 0x10));
        mm.MmTrimAllPageablePages();
        BugCheckException e = AssertBugCheck(BugCheckCode.DriverIrqlNotLessOrEqual,
            () => mm.Execute(DriverAt(Irql.DispatchLevel) with { CodeAddress = section + 0x10 }, section + 0x10));
        Assert.Equal((section + 0x10, 2UL, 8UL, section + 0x10), (e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4));
        Assert.Equal(mm.Options.HardFaultNanoseconds, mm.Execute(DriverAt(Irql.PassiveLevel), section + 0x10));
    }

    [Fact]
    public void MmLockPagableCodeSection_keeps_pageable_code_resident_for_DISPATCH_LEVEL_until_unlocked()
    {
        var mm = SmallMachine();
        ulong section = mm.MiMapDriverSection(Driver, 3 * 4096, pageable: true);
        mm.MmTrimAllPageablePages();
        ulong handle = mm.MmLockPagableCodeSection(DriverAt(Irql.PassiveLevel), section + 0x1800, out long delay);
        Assert.Equal(section, handle);
        Assert.Equal(3 * mm.Options.HardFaultNanoseconds, delay);

        Assert.Equal(0, mm.MmTrimAllPageablePages());
        Assert.Equal(0, mm.Execute(DriverAt(Irql.DispatchLevel), section + 0x2100));

        mm.MmUnlockPagableImageSection(DriverAt(Irql.PassiveLevel), handle);
        Assert.Equal(3, mm.MmTrimAllPageablePages());
        AssertBugCheck(BugCheckCode.DriverIrqlNotLessOrEqual, () => mm.Execute(DriverAt(Irql.DispatchLevel), section + 0x2100));
        Assert.Equal(0UL, mm.MmLockPagableCodeSection(DriverAt(Irql.PassiveLevel), MmLayout.NonPagedPoolBase, out _));
    }

    [Fact]
    public void An_unmapped_system_address_at_PASSIVE_LEVEL_bugchecks_PAGE_FAULT_IN_NONPAGED_AREA()
    {
        var mm = SmallMachine();
        const ulong bad = 0xFFFF_FA80_0F00_0000;
        BugCheckException e = AssertBugCheck(BugCheckCode.PageFaultInNonpagedArea,
            () => mm.WriteUInt32(DriverAt(Irql.PassiveLevel), bad, 1));
        // P2 2: a write (x64 fault error code); P4 2: no page table maps it.
        Assert.Equal((bad, 2UL, CodeAddress, 2UL), (e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4));

        // A freed page-sized block: its page table remains, the PTE is free (P4 0); a read is P2 0.
        ulong freed = mm.ExAllocatePool2(DriverAt(Irql.PassiveLevel), PoolFlags.NonPaged, 8192, Tag1);
        mm.ExFreePool(DriverAt(Irql.PassiveLevel), freed);
        e = AssertBugCheck(BugCheckCode.PageFaultInNonpagedArea, () => mm.ReadUInt32(DriverAt(Irql.PassiveLevel), freed, out _));
        Assert.Equal((freed, 0UL, 0UL), (e.Parameter1, e.Parameter2, e.Parameter4));

        // A non-canonical address (P4 4).
        e = AssertBugCheck(BugCheckCode.PageFaultInNonpagedArea, () => mm.ReadUInt32(DriverAt(Irql.PassiveLevel), 0x0000_8000_0000_0000, out _));
        Assert.Equal(4UL, e.Parameter4);
    }
}
