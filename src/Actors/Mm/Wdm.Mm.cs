namespace ActorKernel.Actors;

// The ambient memory services: the WDM names drivers call inside a routine. Each builds the
// MemoryAccessContext from the running processor (IRQL, current process, driver, code address) and
// charges its cost; a stop Mm finds freezes the machine at once (MemoryManager.OnBugCheck, set by the machine).
// Services that may page-fault return a KernelYield charging the fault delay: await them.
public static partial class Wdm
{
    /// <summary>ExAllocatePool2: allocates pool (zeroed unless POOL_FLAG_UNINITIALIZED), attributed to the calling driver.</summary>
    /// <param name="flags">Exactly one of POOL_FLAG_PAGED, POOL_FLAG_NON_PAGED, POOL_FLAG_NON_PAGED_EXECUTE, with optional flags.</param>
    /// <param name="numberOfBytes">The size.</param>
    /// <param name="tag">A non-zero tag (<see cref="PoolTag.FromString"/>).</param>
    /// <returns>The address, or 0 (NULL) when the pool is exhausted or the flags are invalid.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL for paged pool, &lt;= DISPATCH_LEVEL for nonpaged (else BAD_POOL_CALLER 0xC2/0x08). Never faults.</remarks>
    public static ulong ExAllocatePool2(PoolFlags flags, ulong numberOfBytes, uint tag)
    {
        var p = MiEnter(out var context);
        return p.Machine.Memory.ExAllocatePool2(context, flags, numberOfBytes, tag);
    }

    /// <summary>ExAllocatePoolWithTag: allocates pool of <paramref name="poolType"/>, not initialised.</summary>
    /// <param name="poolType">The pool type.</param>
    /// <param name="numberOfBytes">The size.</param>
    /// <param name="tag">A non-zero tag.</param>
    /// <returns>The address, or 0 (NULL) when the pool is exhausted.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL for paged pool, &lt;= DISPATCH_LEVEL for nonpaged (else 0xC2/0x08).</remarks>
    public static ulong ExAllocatePoolWithTag(PoolType poolType, ulong numberOfBytes, uint tag)
    {
        if (KiSchedulingPoint.Fault(KiFault.PoolAllocation)) { return 0; } // an injected failure: NULL, as under low-resources simulation
        KiChecked.ExAllocatePool(numberOfBytes, nameof(ExAllocatePoolWithTag));
        var p = MiEnter(out var context);
        return p.Machine.Memory.ExAllocatePoolWithTag(context, poolType, numberOfBytes, tag);
    }

    /// <summary>ExAllocatePool: ExAllocatePoolWithTag with the tag "None".</summary>
    /// <param name="poolType">The pool type.</param>
    /// <param name="numberOfBytes">The size.</param>
    /// <returns>The address, or 0 (NULL).</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL for paged pool, &lt;= DISPATCH_LEVEL for nonpaged.</remarks>
    public static ulong ExAllocatePool(PoolType poolType, ulong numberOfBytes)
    {
        if (KiSchedulingPoint.Fault(KiFault.PoolAllocation)) { return 0; } // an injected failure: NULL, as under low-resources simulation
        KiChecked.ExAllocatePool(numberOfBytes, nameof(ExAllocatePool));
        var p = MiEnter(out var context);
        return p.Machine.Memory.ExAllocatePool(context, poolType, numberOfBytes);
    }

    /// <summary>ExFreePoolWithTag: frees a pool block; its header is checked (double free, wrong tag, overruns).</summary>
    /// <param name="p">The block.</param>
    /// <param name="tag">The tag it was allocated with.</param>
    /// <remarks>IRQL &lt;= APC_LEVEL for paged pool, &lt;= DISPATCH_LEVEL for nonpaged. Bad frees bugcheck BAD_POOL_CALLER (0xC2) or BAD_POOL_HEADER (0x19).</remarks>
    public static void ExFreePoolWithTag(ulong p, uint tag)
    {
        KiSchedulingPoint.Interleave();
        var processor = MiEnter(out var context);
        processor.Machine.Memory.ExFreePoolWithTag(context, p, tag);
    }

    /// <summary>ExFreePool: frees a pool block without checking its tag.</summary>
    /// <param name="p">The block.</param>
    /// <remarks>As <see cref="ExFreePoolWithTag"/>.</remarks>
    public static void ExFreePool(ulong p)
    {
        KiSchedulingPoint.Interleave();
        var processor = MiEnter(out var context);
        processor.Machine.Memory.ExFreePool(context, p);
    }

    /// <summary>IoAllocateMdl: an MDL describing <paramref name="length"/> bytes at <paramref name="virtualAddress"/> (not yet locked).</summary>
    /// <param name="virtualAddress">The buffer.</param>
    /// <param name="length">Its length.</param>
    /// <returns>The MDL (nonpaged pool tagged "Mdl "), or null.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static Mdl? IoAllocateMdl(ulong virtualAddress, ulong length)
    {
        var p = MiEnter(out var context);
        return p.Machine.Memory.IoAllocateMdl(context, virtualAddress, length);
    }

    /// <summary>IoFreeMdl: frees an MDL (it does not unlock its pages).</summary>
    /// <param name="mdl">The MDL.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void IoFreeMdl(Mdl mdl)
    {
        var p = MiEnter(out var context);
        p.Machine.Memory.IoFreeMdl(context, mdl);
    }

    /// <summary>
    /// MmProbeAndLockPages: brings the MDL's pages in, locks them and fills its PFN array. Await it:
    /// the page faults it takes are paid here. An invalid user range raises
    /// <see cref="NtStatusException"/> (STATUS_ACCESS_VIOLATION), for the driver's try/catch.
    /// </summary>
    /// <param name="mdl">The MDL.</param>
    /// <param name="accessMode">KernelMode or UserMode (UserMode checks the range is user space).</param>
    /// <param name="operation">IoReadAccess, IoWriteAccess or IoModifyAccess.</param>
    /// <returns>The awaitable charging the call and its fault delay.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL, or DISPATCH_LEVEL when the pages are resident (a fault there bugchecks 0xD1/0xA).</remarks>
    public static KernelYield MmProbeAndLockPages(Mdl mdl, KProcessorMode accessMode, LockOperation operation)
    {
        KiChecked.MmProbeAndLockPages(mdl);
        var p = MiEnter(out var context);
        var delay = p.Machine.Memory.MmProbeAndLockPages(context, mdl, accessMode, operation);
        return MiTouched(p, (long)mdl.PageCount * 20, delay);
    }

    /// <summary>MmUnlockPages: unlocks the MDL's pages (and unmaps its system mapping).</summary>
    /// <param name="mdl">The MDL.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. An MDL that is not locked bugchecks PFN_LIST_CORRUPT (0x4E).</remarks>
    public static void MmUnlockPages(Mdl mdl)
    {
        var p = MiEnter(out var context);
        p.Machine.Memory.MmUnlockPages(context, mdl);
    }

    /// <summary>MmBuildMdlForNonPagedPool: fills the PFN array of an MDL describing nonpaged pool.</summary>
    /// <param name="mdl">The MDL.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void MmBuildMdlForNonPagedPool(Mdl mdl)
    {
        var p = MiEnter(out var context);
        p.Machine.Memory.MmBuildMdlForNonPagedPool(context, mdl);
    }

    /// <summary>MmGetSystemAddressForMdlSafe: a system address mapping the MDL's locked pages (valid in any process, at any IRQL).</summary>
    /// <param name="mdl">The MDL.</param>
    /// <returns>The system address, or 0 (NULL) when the MDL is not locked.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static ulong MmGetSystemAddressForMdlSafe(Mdl mdl)
    {
        var p = MiEnter(out var context);
        return p.Machine.Memory.MmGetSystemAddressForMdlSafe(context, mdl);
    }

    /// <summary>MmUnmapLockedPages: removes a system mapping made by MmGetSystemAddressForMdlSafe.</summary>
    /// <param name="baseAddress">The mapping.</param>
    /// <param name="mdl">The MDL.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void MmUnmapLockedPages(ulong baseAddress, Mdl mdl)
    {
        var p = MiEnter(out var context);
        p.Machine.Memory.MmUnmapLockedPages(context, baseAddress, mdl);
    }

    /// <summary>MmGetMdlVirtualAddress: the buffer address the MDL describes.</summary>
    /// <param name="mdl">The MDL.</param>
    /// <returns>The virtual address.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static ulong MmGetMdlVirtualAddress(Mdl mdl) => MemoryManager.MmGetMdlVirtualAddress(mdl);

    /// <summary>MmGetMdlByteCount: the length the MDL describes.</summary>
    /// <param name="mdl">The MDL.</param>
    /// <returns>The byte count.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static uint MmGetMdlByteCount(Mdl mdl) => MemoryManager.MmGetMdlByteCount(mdl);

    /// <summary>MmGetMdlByteOffset: the buffer's offset in its first page.</summary>
    /// <param name="mdl">The MDL.</param>
    /// <returns>The byte offset.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static uint MmGetMdlByteOffset(Mdl mdl) => MemoryManager.MmGetMdlByteOffset(mdl);

    /// <summary>MmGetMdlPfnArray: the physical page numbers of a locked MDL (what a DMA engine is programmed with).</summary>
    /// <param name="mdl">The MDL.</param>
    /// <returns>The PFNs.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static ReadOnlySpan<ulong> MmGetMdlPfnArray(Mdl mdl) => MemoryManager.MmGetMdlPfnArray(mdl);

    /// <summary>ProbeForRead: checks that a user buffer lies in user space and is aligned (touches nothing).</summary>
    /// <param name="address">The buffer.</param>
    /// <param name="length">Its length.</param>
    /// <param name="alignment">1, 2, 4, 8 or 16.</param>
    /// <exception cref="NtStatusException">STATUS_ACCESS_VIOLATION or STATUS_DATATYPE_MISALIGNMENT.</exception>
    /// <remarks>IRQL &lt;= APC_LEVEL.</remarks>
    public static void ProbeForRead(ulong address, ulong length, uint alignment)
    {
        var p = Processor.Current;
        p.KiCharge(p.Costs.DefaultCallNs);
        MemoryManager.ProbeForRead(address, length, alignment);
    }

    /// <summary>ProbeForWrite: as <see cref="ProbeForRead"/>, then touches every page for write in the current process. Await it.</summary>
    /// <param name="address">The buffer.</param>
    /// <param name="length">Its length.</param>
    /// <param name="alignment">1, 2, 4, 8 or 16.</param>
    /// <returns>The awaitable charging the call and its fault delay.</returns>
    /// <exception cref="NtStatusException">STATUS_ACCESS_VIOLATION or STATUS_DATATYPE_MISALIGNMENT.</exception>
    /// <remarks>IRQL &lt;= APC_LEVEL.</remarks>
    public static KernelYield ProbeForWrite(ulong address, ulong length, uint alignment)
    {
        var p = MiEnter(out var context);
        return MiTouched(p, 0, p.Machine.Memory.ProbeForWrite(context, address, length, alignment));
    }

    /// <summary>MmIsAddressValid: whether touching <paramref name="virtualAddress"/> now would not fault.</summary>
    /// <param name="virtualAddress">The address (user addresses resolve in the current process).</param>
    /// <returns>True when the page is resident.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static bool MmIsAddressValid(ulong virtualAddress)
    {
        var p = MiEnter(out var context);
        return p.Machine.Memory.MmIsAddressValid(context, virtualAddress);
    }

    /// <summary>MmGetPhysicalAddress: the physical address behind a resident virtual address, or 0.</summary>
    /// <param name="baseAddress">The virtual address.</param>
    /// <returns>The physical address.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static ulong MmGetPhysicalAddress(ulong baseAddress)
    {
        var p = MiEnter(out var context);
        return p.Machine.Memory.MmGetPhysicalAddress(context, baseAddress);
    }

    /// <summary>The running processor and its memory context, after charging one call.</summary>
    private static Processor MiEnter(out MemoryAccessContext context)
    {
        var p = Processor.Current;
        p.KiCharge(p.Costs.DefaultCallNs);
        context = p.KiMemoryContext();
        return p;
    }

    /// <summary>After a touch: a yield paying <paramref name="costNs"/> and the fault delay, or just a charge when nothing faulted.</summary>
    private static KernelYield MiTouched(Processor p, long costNs, long faultDelayNs)
    {
        if (faultDelayNs > 0)
        {
            return new KernelYield(p, costNs + faultDelayNs);
        }
        if (costNs > 0)
        {
            p.KiCharge(costNs);
        }
        return default;
    }
}
