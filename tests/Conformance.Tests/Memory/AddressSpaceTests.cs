using System.Text;
using ActorKernel.Actors;
using static ActorKernel.Conformance.Tests.Memory.MemoryTestSupport;

namespace ActorKernel.Conformance.Tests.Memory;

[Trait("Area", "Memory")]
public sealed class AddressSpaceTests
{
    [Fact]
    public void A_user_address_resolves_in_the_current_process_so_a_write_in_B_context_never_reaches_A()
    {
        var mm = SmallMachine();
        AddressSpace a = mm.CreateProcess("a.exe");
        AddressSpace b = mm.CreateProcess("b.exe");
        Assert.Equal(NtStatus.Success, mm.NtAllocateVirtualMemory(a, 4096, out ulong bufferA));
        Assert.Equal(NtStatus.Success, mm.NtAllocateVirtualMemory(b, 4096, out ulong bufferB));
        Assert.Equal(bufferA, bufferB); // same user address, two different processes
        Assert.Equal(NtStatus.Success, mm.UserWrite(a, bufferA, "AAAA"u8).Status);

        mm.Write(DriverAt(Irql.PassiveLevel, b), bufferA, "BBBB"u8);

        byte[] seenByA = new byte[4];
        byte[] seenByB = new byte[4];
        mm.UserRead(a, bufferA, seenByA);
        mm.UserRead(b, bufferA, seenByB);
        Assert.Equal("AAAA", Encoding.ASCII.GetString(seenByA));
        Assert.Equal("BBBB", Encoding.ASCII.GetString(seenByB));
    }

    [Fact]
    public void A_user_address_of_A_unmapped_in_B_raises_STATUS_ACCESS_VIOLATION_at_PASSIVE_LEVEL_and_leaves_A_untouched()
    {
        var mm = SmallMachine();
        AddressSpace a = mm.CreateProcess("a.exe");
        AddressSpace b = mm.CreateProcess("b.exe");
        mm.NtAllocateVirtualMemory(a, 4096, out ulong bufferA);
        mm.UserWrite(a, bufferA, "AAAA"u8);

        NtStatusException e = Assert.Throws<NtStatusException>(() => mm.Write(DriverAt(Irql.PassiveLevel, b), bufferA, "BBBB"u8));
        Assert.Equal(NtStatus.AccessViolation, e.Status);
        Assert.Equal(bufferA, e.Address);
        Assert.Equal(MemoryAccessType.Write, e.Access);
        // A system thread has no user space at all.
        Assert.Throws<NtStatusException>(() => mm.Write(DriverAt(Irql.PassiveLevel, null), bufferA, "BBBB"u8));

        byte[] seenByA = new byte[4];
        mm.UserRead(a, bufferA, seenByA);
        Assert.Equal("AAAA", Encoding.ASCII.GetString(seenByA));
    }

    [Fact]
    public void A_user_address_unmapped_in_the_current_process_at_DISPATCH_LEVEL_bugchecks_0xD1()
    {
        var mm = SmallMachine();
        AddressSpace a = mm.CreateProcess("a.exe");
        AddressSpace b = mm.CreateProcess("b.exe");
        mm.NtAllocateVirtualMemory(a, 4096, out ulong bufferA);
        BugCheckException e = AssertBugCheck(BugCheckCode.DriverIrqlNotLessOrEqual,
            () => mm.WriteUInt32(DriverAt(Irql.DispatchLevel, b), bufferA, 1));
        Assert.Equal((bufferA, 2UL, 1UL, CodeAddress), (e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4));
    }

    [Fact]
    public void User_mode_access_to_system_space_is_an_access_violation_status_not_a_bugcheck()
    {
        var mm = SmallMachine();
        AddressSpace app = mm.CreateProcess("app.exe");
        ulong pool = mm.ExAllocatePool2(DriverAt(Irql.PassiveLevel), PoolFlags.NonPaged, 16, Tag1);
        mm.Write(DriverAt(Irql.PassiveLevel), pool, "secret"u8);

        byte[] buffer = new byte[6];
        UserAccessResult read = mm.UserRead(app, pool, buffer);
        UserAccessResult write = mm.UserWrite(app, pool, "hacked"u8);

        Assert.Equal(NtStatus.AccessViolation, read.Status);
        Assert.Equal(NtStatus.AccessViolation, write.Status);
        Assert.Equal(new byte[6], buffer);
        mm.Read(DriverAt(Irql.PassiveLevel), pool, buffer);
        Assert.Equal("secret", Encoding.ASCII.GetString(buffer));
        Assert.Equal(NtStatus.AccessViolation, mm.UserRead(app, 0x1000, buffer).Status); // unmapped user page: also a status
    }

    [Fact]
    public void A_DMA_write_through_a_locked_MDL_is_read_back_by_the_user_process_through_its_own_address_space()
    {
        var mm = SmallMachine();
        AddressSpace app = mm.CreateProcess("app.exe");
        mm.NtAllocateVirtualMemory(app, 3 * 4096, out ulong region);
        ulong buffer = region + 0x0F00; // spans three pages, not page aligned
        const int length = 2 * 4096;
        MemoryAccessContext ctx = DriverAt(Irql.PassiveLevel, app);

        Mdl mdl = mm.IoAllocateMdl(ctx, buffer, length)!;
        Assert.Equal(buffer, MemoryManager.MmGetMdlVirtualAddress(mdl));
        Assert.Equal((uint)length, MemoryManager.MmGetMdlByteCount(mdl));
        Assert.Equal(0xF00u, MemoryManager.MmGetMdlByteOffset(mdl));
        long delay = mm.MmProbeAndLockPages(ctx, mdl, KProcessorMode.UserMode, LockOperation.IoWriteAccess);
        Assert.Equal(3 * mm.Options.DemandZeroFaultNanoseconds, delay);
        Assert.Equal(3, MemoryManager.MmGetMdlPfnArray(mdl).Length);
        Assert.All(mdl.Pfns.ToArray(), pfn => Assert.NotEqual(0UL, pfn));

        // The device: knows only physical frames.
        byte[] payload = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
        mm.Physical.DmaWrite(mdl, 0, payload);
        mm.MmUnlockPages(ctx, mdl);
        mm.IoFreeMdl(ctx, mdl);

        byte[] seen = new byte[length];
        Assert.Equal(NtStatus.Success, mm.UserRead(app, buffer, seen).Status);
        Assert.Equal(payload, seen);
    }

    [Fact]
    public void MmGetSystemAddressForMdlSafe_maps_the_same_frames_in_system_space_valid_from_any_process_and_at_DISPATCH_LEVEL()
    {
        var mm = SmallMachine();
        AddressSpace app = mm.CreateProcess("app.exe");
        AddressSpace other = mm.CreateProcess("other.exe");
        mm.NtAllocateVirtualMemory(app, 4096, out ulong buffer);
        Mdl mdl = mm.IoAllocateMdl(DriverAt(Irql.PassiveLevel, app), buffer + 16, 32)!;
        mm.MmProbeAndLockPages(DriverAt(Irql.PassiveLevel, app), mdl, KProcessorMode.UserMode, LockOperation.IoModifyAccess);
        ulong system = mm.MmGetSystemAddressForMdlSafe(DriverAt(Irql.PassiveLevel, app), mdl);
        Assert.True(MmLayout.IsSystemAddress(system));
        Assert.Equal(16UL, system & 0xFFF);
        Assert.Equal(MdlFlags.MappedToSystemVa | MdlFlags.PagesLocked | MdlFlags.WriteOperation, mdl.Flags & ~MdlFlags.AllocatedFixedSize);

        mm.MmTrimAllPageablePages(); // locked pages stay resident
        Assert.Equal(0, mm.Write(DriverAt(Irql.DispatchLevel, other), system, "done"u8)); // a DPC in an arbitrary process
        byte[] seen = new byte[4];
        mm.UserRead(app, buffer + 16, seen);
        Assert.Equal("done", Encoding.ASCII.GetString(seen));

        mm.MmUnlockPages(DriverAt(Irql.PassiveLevel, app), mdl);
        Assert.Equal(0UL, mdl.MappedSystemVa);
        Assert.False(mm.MmIsAddressValid(null, system));
    }

    [Fact]
    public void Locked_pages_are_not_paged_out_and_unlocked_ones_are()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(DriverAt(Irql.PassiveLevel), PoolFlags.Paged, 8192, Tag1);
        Mdl mdl = mm.IoAllocateMdl(DriverAt(Irql.PassiveLevel), p, 4096)!;
        mm.MmProbeAndLockPages(DriverAt(Irql.PassiveLevel), mdl, KProcessorMode.KernelMode, LockOperation.IoReadAccess);
        mm.MmTrimAllPageablePages();
        Assert.True(mm.MmIsAddressValid(null, p));
        Assert.False(mm.MmIsAddressValid(null, p + 4096));
        mm.MmUnlockPages(DriverAt(Irql.PassiveLevel), mdl);
        Assert.Equal(1, mm.MmTrimAllPageablePages());
        Assert.False(mm.MmIsAddressValid(null, p));
    }

    [Fact]
    public void MmProbeAndLockPages_of_an_invalid_user_range_raises_STATUS_ACCESS_VIOLATION_and_locks_nothing()
    {
        var mm = SmallMachine();
        AddressSpace app = mm.CreateProcess("app.exe");
        mm.NtAllocateVirtualMemory(app, 4096, out ulong buffer);
        MemoryAccessContext ctx = DriverAt(Irql.PassiveLevel, app);
        // First page valid, second page never allocated.
        Mdl mdl = mm.IoAllocateMdl(ctx, buffer, 8192)!;
        NtStatusException e = Assert.Throws<NtStatusException>(() => mm.MmProbeAndLockPages(ctx, mdl, KProcessorMode.UserMode, LockOperation.IoWriteAccess));
        Assert.Equal(NtStatus.AccessViolation, e.Status);
        Assert.Equal(MdlFlags.None, mdl.Flags & MdlFlags.PagesLocked);
        Assert.True(mm.MmTrimAllPageablePages() > 0); // the first page was unlocked again
        Assert.False(mm.MmIsAddressValid(app, buffer));

        // A user-mode probe of a system address.
        ulong pool = mm.ExAllocatePool2(ctx, PoolFlags.NonPaged, 64, Tag1);
        Mdl sys = mm.IoAllocateMdl(ctx, pool, 64)!;
        Assert.Equal(NtStatus.AccessViolation,
            Assert.Throws<NtStatusException>(() => mm.MmProbeAndLockPages(ctx, sys, KProcessorMode.UserMode, LockOperation.IoReadAccess)).Status);

        // A kernel-mode probe of an unmapped system address is an exception too, not PAGE_FAULT_IN_NONPAGED_AREA.
        Mdl wild = mm.IoAllocateMdl(ctx, MmLayout.NonPagedPoolBase + 0x0F00_0000, 16)!;
        Assert.Equal(NtStatus.AccessViolation,
            Assert.Throws<NtStatusException>(() => mm.MmProbeAndLockPages(ctx, wild, KProcessorMode.KernelMode, LockOperation.IoReadAccess)).Status);
    }

    [Fact]
    public void A_process_exiting_while_a_driver_holds_its_pages_locked_bugchecks_DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS()
    {
        var mm = SmallMachine();
        AddressSpace app = mm.CreateProcess("app.exe");
        mm.NtAllocateVirtualMemory(app, 3 * 4096, out ulong buffer);
        MemoryAccessContext ctx = DriverAt(Irql.PassiveLevel, app);
        Mdl mdl = mm.IoAllocateMdl(ctx, buffer, 3 * 4096)!;
        mm.MmProbeAndLockPages(ctx, mdl, KProcessorMode.UserMode, LockOperation.IoWriteAccess);
        Assert.Same(mdl, Assert.Single(mm.GetLockedMdls(Driver)));

        BugCheckException e = AssertBugCheck(BugCheckCode.DriverLeftLockedPagesInProcess, () => mm.MmCleanProcessAddressSpace(app));
        Assert.Equal((CodeAddress, 0UL, mdl.Address, 3UL), (e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4));
    }

    [Fact]
    public void Locked_MDLs_are_listed_in_locking_order_whichever_unlocks_first()
    {
        var mm = SmallMachine();
        AddressSpace app = mm.CreateProcess("app.exe");
        mm.NtAllocateVirtualMemory(app, 4 * 4096, out ulong buffer);
        MemoryAccessContext ctx = DriverAt(Irql.PassiveLevel, app);
        Mdl[] mdls = [.. Enumerable.Range(0, 4).Select(i => mm.IoAllocateMdl(ctx, buffer + ((ulong)i * 4096), 4096)!)];
        foreach (Mdl mdl in mdls) mm.MmProbeAndLockPages(ctx, mdl, KProcessorMode.UserMode, LockOperation.IoWriteAccess);

        mm.MmUnlockPages(ctx, mdls[1]);
        mm.MmUnlockPages(ctx, mdls[3]);
        Assert.Equal([mdls[0], mdls[2]], mm.GetLockedMdls());
        mm.MmProbeAndLockPages(ctx, mdls[1], KProcessorMode.UserMode, LockOperation.IoReadAccess);
        Assert.Equal([mdls[0], mdls[2], mdls[1]], mm.GetLockedMdls());
        mm.MmUnlockPages(ctx, mdls[0]);
        mm.MmUnlockPages(ctx, mdls[1]);
        Assert.Equal([mdls[2]], mm.GetLockedMdls());
        mm.MmUnlockPages(ctx, mdls[2]);
        Assert.Empty(mm.GetLockedMdls());
    }

    [Fact]
    public void A_process_exiting_cleanly_gives_back_its_frames_and_its_addresses_fault()
    {
        var mm = SmallMachine();
        ulong free = mm.Physical.FreePages;
        AddressSpace app = mm.CreateProcess("app.exe");
        mm.NtAllocateVirtualMemory(app, 8 * 4096, out ulong buffer);
        for (ulong i = 0; i < 8; i++) mm.UserWrite(app, buffer + (i * 4096), [1]);
        mm.MmPageOut(app, buffer, 4096);
        MemoryAccessContext ctx = DriverAt(Irql.PassiveLevel, app);
        Mdl mdl = mm.IoAllocateMdl(ctx, buffer, 4096)!;
        mm.MmProbeAndLockPages(ctx, mdl, KProcessorMode.UserMode, LockOperation.IoReadAccess);
        mm.MmUnlockPages(ctx, mdl);
        mm.IoFreeMdl(ctx, mdl);
        Assert.Empty(mm.GetLockedMdls());

        mm.MmCleanProcessAddressSpace(app);

        Assert.Equal(free - 1, mm.Physical.FreePages); // one pool page still holds the freed MDL's block
        Assert.Equal(0UL, mm.GetStatistics().PagedOutPages);
        Assert.Equal(NtStatus.AccessViolation, mm.UserRead(app, buffer, new byte[1]).Status);
    }

    [Fact]
    public void MmUnlockPages_of_an_MDL_that_is_not_locked_bugchecks_PFN_LIST_CORRUPT_7()
    {
        var mm = SmallMachine();
        ulong p = mm.ExAllocatePool2(DriverAt(Irql.PassiveLevel), PoolFlags.NonPaged, 64, Tag1);
        Mdl mdl = mm.IoAllocateMdl(DriverAt(Irql.PassiveLevel), p, 64)!;
        BugCheckException e = AssertBugCheck(BugCheckCode.PfnListCorrupt, () => mm.MmUnlockPages(DriverAt(Irql.PassiveLevel), mdl));
        Assert.Equal(0x7UL, e.Parameter1);
    }
}

[Trait("Area", "Memory")]
public sealed class ProbeTests
{
    [Fact]
    public void ProbeForRead_raises_STATUS_ACCESS_VIOLATION_for_a_range_reaching_system_space_and_STATUS_DATATYPE_MISALIGNMENT_when_misaligned()
    {
        Assert.Equal(NtStatus.AccessViolation,
            Assert.Throws<NtStatusException>(() => MemoryManager.ProbeForRead(MmLayout.UserProbeAddress - 8, 16, 1)).Status);
        Assert.Equal(NtStatus.AccessViolation,
            Assert.Throws<NtStatusException>(() => MemoryManager.ProbeForRead(MmLayout.PagedPoolBase, 16, 1)).Status);
        Assert.Equal(NtStatus.DatatypeMisalignment,
            Assert.Throws<NtStatusException>(() => MemoryManager.ProbeForRead(0x10002, 16, 4)).Status);
        MemoryManager.ProbeForRead(MmLayout.PagedPoolBase, 0, 1); // zero length: no check, as NT
        MemoryManager.ProbeForRead(0x10000, 16, 8);
    }

    [Fact]
    public void ProbeForWrite_touches_every_page_so_an_unmapped_one_raises_before_the_copy()
    {
        var mm = MemoryTestSupport.SmallMachine();
        AddressSpace app = mm.CreateProcess("app.exe");
        mm.NtAllocateVirtualMemory(app, 4096, out ulong buffer);
        MemoryAccessContext ctx = MemoryTestSupport.DriverAt(Irql.PassiveLevel, app);
        Assert.Equal(mm.Options.DemandZeroFaultNanoseconds, mm.ProbeForWrite(ctx, buffer, 4096, 4));
        Assert.NotEqual(0UL, mm.MmGetPhysicalAddress(ctx, buffer + 12) & ~0xFFFUL);
        Assert.Equal(12UL, mm.MmGetPhysicalAddress(ctx, buffer + 12) & 0xFFF);
        NtStatusException e = Assert.Throws<NtStatusException>(() => mm.ProbeForWrite(ctx, buffer, 8192, 4));
        Assert.Equal((NtStatus.AccessViolation, buffer + 4096), (e.Status, e.Address));
    }
}
