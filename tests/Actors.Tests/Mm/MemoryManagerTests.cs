using ActorKernel.Actors;

namespace ActorKernel.Actors.Tests.Mm;

[Trait("Area", "Memory")]
public sealed class MemoryManagerTests
{
    private static readonly MemoryAccessContext Passive = new(Irql.PassiveLevel, null, "t.sys", 0);
    private static readonly uint Tag = PoolTag.FromString("Test");

    [Theory]
    [InlineData("Tag1", 0x31676154u)]
    [InlineData("Mdl", 0x206C644Du)]
    [InlineData("None", 0x656E6F4Eu)]
    public void PoolTag_is_the_little_endian_ULONG_of_its_characters(string text, uint value)
    {
        Assert.Equal(value, PoolTag.FromString(text));
        Assert.Equal(text.PadRight(4), PoolTag.ToString(value));
    }

    [Fact]
    public void Layout_helpers_follow_the_WDK_macros()
    {
        Assert.Equal(0x123u, MmLayout.ByteOffset(0x7000_1123));
        Assert.Equal(0x7000_1000UL, MmLayout.PageAlign(0x7000_1123));
        Assert.Equal(2UL, MmLayout.SpanPages(0x0FFF, 2));
        Assert.Equal(1UL, MmLayout.SpanPages(0x1000, 4096));
        Assert.True(MmLayout.IsUserAddress(0x7FFF_FFFF_FFFF));
        Assert.False(MmLayout.IsUserAddress(MmLayout.SystemRangeStart));
        Assert.False(MmLayout.IsUserAddress(0x0000_8000_0000_0000)); // non-canonical
        Assert.False(MmLayout.IsSystemAddress(0x0000_8000_0000_0000));
    }

    [Fact]
    public void User_memory_larger_than_RAM_is_paged_under_pressure_and_keeps_every_byte()
    {
        var mm = new MemoryManager(new MemoryManagerOptions { PhysicalMemoryBytes = 1UL << 20, PagedPoolBytes = 1UL << 20, NonPagedPoolBytes = 1UL << 20 });
        AddressSpace app = mm.CreateProcess("big.exe");
        const int pages = 600; // RAM holds 255 frames
        Assert.Equal(NtStatus.Success, mm.NtAllocateVirtualMemory(app, pages * 4096UL, out ulong va));
        for (int i = 0; i < pages; i++)
            Assert.Equal(NtStatus.Success, mm.UserWrite(app, va + ((ulong)i * 4096) + 100, BitConverter.GetBytes(i * 31)).Status);

        long delay = 0;
        byte[] b = new byte[4];
        for (int i = 0; i < pages; i++)
        {
            UserAccessResult r = mm.UserRead(app, va + ((ulong)i * 4096) + 100, b);
            delay += r.FaultDelayNanoseconds;
            Assert.Equal(i * 31, BitConverter.ToInt32(b));
        }
        MemoryStatistics stats = mm.GetStatistics();
        Assert.True(stats.HardFaults > 0);
        Assert.Equal((long)stats.HardFaults * mm.Options.HardFaultNanoseconds, delay);
        Assert.Equal((ulong)pages, stats.DemandZeroFaults);
        Assert.True(stats.PagesTrimmed >= (ulong)(pages - 255));
    }

    [Fact]
    public void Nonpaged_pool_beyond_RAM_returns_null_instead_of_failing_the_host()
    {
        var mm = new MemoryManager(new MemoryManagerOptions { PhysicalMemoryBytes = 256UL << 10, NonPagedPoolBytes = 4UL << 20 });
        int n = 0;
        while (mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 4096, Tag) != 0) n++;
        Assert.Equal(63, n); // 64 frames minus the reserved PFN 0
        Assert.Equal(0UL, mm.Physical.FreePages);
    }

    [Fact]
    public void Freed_page_sized_blocks_give_their_frames_back()
    {
        var mm = new MemoryManager(new MemoryManagerOptions { PhysicalMemoryBytes = 4UL << 20 });
        ulong free = mm.Physical.FreePages;
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.Paged, 10 * 4096, Tag);
        Assert.Equal(free - 10, mm.Physical.FreePages);
        mm.MmPageOut(null, p, 4 * 4096);
        Assert.Equal(free - 6, mm.Physical.FreePages);
        mm.ExFreePool(Passive, p);
        Assert.Equal(free, mm.Physical.FreePages);
        Assert.Equal(0UL, mm.GetStatistics().PagedOutPages);
        Assert.Equal(p, mm.ExAllocatePool2(Passive, PoolFlags.Paged, 10 * 4096, Tag)); // the range is reused
    }

    [Fact]
    public void Churning_page_sized_paged_pool_does_not_grow_the_working_set_list()
    {
        var mm = new MemoryManager(new MemoryManagerOptions { PhysicalMemoryBytes = 4UL << 20 });
        for (int i = 0; i < 10_000; i++) mm.ExFreePool(Passive, mm.ExAllocatePool2(Passive, PoolFlags.Paged, 3 * 4096, Tag));
        Assert.True(mm.WorkingSetListLength <= 3, $"working-set list holds {mm.WorkingSetListLength} entries for 3 pages");
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.Paged, 3 * 4096, Tag);
        Assert.Equal(3, mm.MmTrimAllPageablePages()); // the reused pages are still trimmable
        Assert.False(mm.MmIsAddressValid(null, p));
    }

    [Fact]
    public void The_same_sequence_of_calls_gives_the_same_addresses_and_frames()
    {
        static string Run()
        {
            var mm = new MemoryManager(new MemoryManagerOptions { PhysicalMemoryBytes = 2UL << 20 });
            AddressSpace app = mm.CreateProcess("app.exe");
            mm.NtAllocateVirtualMemory(app, 64 * 4096, out ulong va);
            var log = new System.Text.StringBuilder();
            for (int i = 0; i < 200; i++)
            {
                ulong p = mm.ExAllocatePool2(Passive, (i & 1) == 0 ? PoolFlags.Paged : PoolFlags.NonPaged, (ulong)(i * 53 % 6000) + 1, Tag);
                log.Append(p).Append(',');
                if (i % 3 == 0) mm.ExFreePool(Passive, p);
                mm.UserWrite(app, va + ((ulong)(i % 64) * 4096), [1]);
            }
            Mdl mdl = mm.IoAllocateMdl(Passive with { CurrentProcess = app }, va, 64 * 4096)!;
            mm.MmProbeAndLockPages(Passive with { CurrentProcess = app }, mdl, KProcessorMode.UserMode, LockOperation.IoReadAccess);
            foreach (ulong pfn in mdl.Pfns) log.Append(pfn).Append(';');
            return log.ToString();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void DMA_by_physical_address_lands_where_the_virtual_mapping_reads()
    {
        var mm = new MemoryManager();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.NonPaged, 64, Tag);
        Mdl mdl = mm.IoAllocateMdl(Passive, p, 64)!;
        mm.MmBuildMdlForNonPagedPool(Passive, mdl);
        Assert.Equal(p, mm.MmGetSystemAddressForMdlSafe(Passive, mdl));
        ulong physical = (mdl.Pfns[0] << MmLayout.PageShift) + mdl.ByteOffset;
        mm.Physical.WritePhysical(physical + 8, "phys"u8);
        byte[] back = new byte[4];
        mm.Read(Passive, p + 8, back);
        Assert.Equal("phys"u8.ToArray(), back);
        Assert.Throws<ArgumentOutOfRangeException>(() => mm.Physical.DmaWrite(mdl, 60, new byte[8]));
    }

    [Fact]
    public void DMA_through_an_MDL_whose_pages_are_not_locked_is_refused_to_the_device_model()
    {
        var mm = new MemoryManager();
        ulong p = mm.ExAllocatePool2(Passive, PoolFlags.Paged, 64, Tag);
        Mdl mdl = mm.IoAllocateMdl(Passive, p, 64)!;
        Assert.Throws<InvalidOperationException>(() => mm.Physical.DmaWrite(mdl, 0, new byte[8]));
    }

    [Fact]
    public void An_MDL_is_itself_nonpaged_pool_charged_to_the_driver_until_IoFreeMdl()
    {
        var mm = new MemoryManager();
        Mdl mdl = mm.IoAllocateMdl(Passive, MmLayout.PagedPoolBase, 3 * 4096)!;
        PoolAllocationInfo info = Assert.Single(mm.GetOutstandingAllocations("t.sys"));
        Assert.Equal(("Mdl ", 0x30UL + (3 * 8), mdl.Address), (info.Tag, info.Size, info.Address));
        mm.IoFreeMdl(Passive, mdl);
        Assert.Empty(mm.GetOutstandingAllocations("t.sys"));
    }
}
