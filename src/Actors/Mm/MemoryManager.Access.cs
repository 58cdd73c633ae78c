using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// Kernel-mode and user-mode access to virtual memory, and the page-fault handler (MmAccessFault).
public sealed partial class MemoryManager
{
    private ulong _hardFaults;
    private ulong _demandZeroFaults;

    /// <summary>Kernel-mode read of <paramref name="destination"/>.Length bytes at <paramref name="va"/>.</summary>
    /// <param name="context">The caller.</param>
    /// <param name="va">The first address: a system address, or a user address of the current process.</param>
    /// <param name="destination">Receives the bytes.</param>
    /// <returns>The simulated page-fault delay in nanoseconds to charge (0 when every page was resident).</returns>
    /// <remarks>
    /// Any IRQL for resident memory. A page that is not resident faults: below DISPATCH_LEVEL it is
    /// brought in (the delay is returned); at DISPATCH_LEVEL or above the access bugchecks
    /// DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1) from a driver or IRQL_NOT_LESS_OR_EQUAL (0xA) from the kernel.
    /// An unmapped user address raises <see cref="NtStatusException"/> (STATUS_ACCESS_VIOLATION) below
    /// DISPATCH_LEVEL; an unmapped system address bugchecks PAGE_FAULT_IN_NONPAGED_AREA (0x50).
    /// </remarks>
    public long Read(in MemoryAccessContext context, ulong va, Span<byte> destination)
    {
        long delay = 0;
        while (!destination.IsEmpty)
        {
            int offset = (int)MmLayout.ByteOffset(va);
            int n = Math.Min(MmLayout.PageSize - offset, destination.Length);
            lock (_lock)
            {
                ulong pfn = MiResolveKernel(context, va, MemoryAccessType.Read, ref delay);
                Physical.MiFrame(pfn).AsSpan(offset, n).CopyTo(destination);
            }
            destination = destination[n..];
            va += (ulong)n;
        }
        return delay;
    }

    /// <summary>Kernel-mode write of <paramref name="source"/> at <paramref name="va"/>.</summary>
    /// <param name="context">The caller.</param>
    /// <param name="va">The first address: a system address, or a user address of the current process.</param>
    /// <param name="source">The bytes to store.</param>
    /// <returns>The simulated page-fault delay in nanoseconds to charge.</returns>
    /// <remarks>Same IRQL rules and failures as <see cref="Read"/>; pages before a failing page are already written, as on hardware.</remarks>
    public long Write(in MemoryAccessContext context, ulong va, ReadOnlySpan<byte> source)
    {
        long delay = 0;
        while (!source.IsEmpty)
        {
            int offset = (int)MmLayout.ByteOffset(va);
            int n = Math.Min(MmLayout.PageSize - offset, source.Length);
            lock (_lock)
            {
                ulong pfn = MiResolveKernel(context, va, MemoryAccessType.Write, ref delay);
                source[..n].CopyTo(Physical.MiFrame(pfn).AsSpan(offset, n));
            }
            source = source[n..];
            va += (ulong)n;
        }
        return delay;
    }

    /// <summary>An instruction fetch at <paramref name="codeAddress"/> (entering a routine in a pageable section).</summary>
    /// <param name="context">The caller; its <see cref="MemoryAccessContext.CodeAddress"/> is reported as the faulting IP.</param>
    /// <param name="codeAddress">The address executed.</param>
    /// <returns>The simulated page-fault delay in nanoseconds.</returns>
    /// <remarks>Pageable code run at DISPATCH_LEVEL or above while paged out bugchecks 0xD1/0xA with access type 8 (execute).</remarks>
    public long Execute(in MemoryAccessContext context, ulong codeAddress)
    {
        long delay = 0;
        lock (_lock) MiResolveKernel(context, codeAddress, MemoryAccessType.Execute, ref delay);
        return delay;
    }

    /// <summary>Reads a ULONG (little-endian).</summary>
    /// <param name="context">The caller.</param>
    /// <param name="va">The address.</param>
    /// <param name="faultDelayNanoseconds">The delay to charge.</param>
    /// <returns>The value.</returns>
    /// <remarks>Same rules as <see cref="Read"/>.</remarks>
    public uint ReadUInt32(in MemoryAccessContext context, ulong va, out long faultDelayNanoseconds)
    {
        Span<byte> b = stackalloc byte[4];
        faultDelayNanoseconds = Read(context, va, b);
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

    /// <summary>Writes a ULONG (little-endian).</summary>
    /// <param name="context">The caller.</param>
    /// <param name="va">The address.</param>
    /// <param name="value">The value.</param>
    /// <returns>The delay to charge.</returns>
    /// <remarks>Same rules as <see cref="Write"/>.</remarks>
    public long WriteUInt32(in MemoryAccessContext context, ulong va, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return Write(context, va, b);
    }

    /// <summary>A read by user-mode code of <paramref name="process"/>: failures are a status for the process, never a bugcheck.</summary>
    /// <param name="process">The process whose thread reads.</param>
    /// <param name="va">The address.</param>
    /// <param name="destination">Receives the bytes.</param>
    /// <returns>STATUS_ACCESS_VIOLATION for a system or unmapped address, else success, with the fault delay.</returns>
    /// <remarks>User mode runs at PASSIVE_LEVEL, so faults on its own pages always succeed.</remarks>
    public UserAccessResult UserRead(AddressSpace process, ulong va, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(process);
        long delay = 0;
        while (!destination.IsEmpty)
        {
            int offset = (int)MmLayout.ByteOffset(va);
            int n = Math.Min(MmLayout.PageSize - offset, destination.Length);
            lock (_lock)
            {
                if (!MiResolveUser(process, va, ref delay, out ulong pfn)) return new UserAccessResult(NtStatus.AccessViolation, delay);
                Physical.MiFrame(pfn).AsSpan(offset, n).CopyTo(destination);
            }
            destination = destination[n..];
            va += (ulong)n;
        }
        return new UserAccessResult(NtStatus.Success, delay);
    }

    /// <summary>A write by user-mode code of <paramref name="process"/>.</summary>
    /// <param name="process">The process whose thread writes.</param>
    /// <param name="va">The address.</param>
    /// <param name="source">The bytes.</param>
    /// <returns>STATUS_ACCESS_VIOLATION for a system or unmapped address, else success, with the fault delay.</returns>
    /// <remarks>User mode runs at PASSIVE_LEVEL.</remarks>
    public UserAccessResult UserWrite(AddressSpace process, ulong va, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(process);
        long delay = 0;
        while (!source.IsEmpty)
        {
            int offset = (int)MmLayout.ByteOffset(va);
            int n = Math.Min(MmLayout.PageSize - offset, source.Length);
            lock (_lock)
            {
                if (!MiResolveUser(process, va, ref delay, out ulong pfn)) return new UserAccessResult(NtStatus.AccessViolation, delay);
                source[..n].CopyTo(Physical.MiFrame(pfn).AsSpan(offset, n));
            }
            source = source[n..];
            va += (ulong)n;
        }
        return new UserAccessResult(NtStatus.Success, delay);
    }

    /// <summary>True when <paramref name="va"/> is resident (a touch would not fault) in the space it resolves to.</summary>
    /// <param name="process">The current process for user addresses (null: none).</param>
    /// <param name="va">The address.</param>
    /// <returns><see langword="true"/> when the page is valid.</returns>
    public bool MmIsAddressValid(AddressSpace? process, ulong va)
    {
        lock (_lock)
        {
            AddressSpace? space = MmLayout.IsSystemAddress(va) ? SystemSpace : process;
            if (space is null) return false;
            ref Mmpte pte = ref space.PageTable.Lookup(va, create: false);
            return !Unsafe.IsNullRef(ref pte) && pte.State == PteState.Valid;
        }
    }

    /// <summary>MmIsAddressValid: true when a touch of <paramref name="va"/> by this caller would not fault.</summary>
    /// <param name="context">The caller (its process resolves user addresses).</param>
    /// <param name="va">The address.</param>
    /// <returns><see langword="true"/> when the page is resident.</returns>
    /// <remarks>Any IRQL; never faults.</remarks>
    public bool MmIsAddressValid(in MemoryAccessContext context, ulong va) => MmIsAddressValid(context.CurrentProcess, va);

    // MmAccessFault for kernel mode. Lock held. Returns the frame now backing va.
    // A probe (MmProbeAndLockPages) asks the pager directly instead of trapping, so an invalid page of
    // either space comes back as STATUS_ACCESS_VIOLATION rather than PAGE_FAULT_IN_NONPAGED_AREA.
    private ulong MiResolveKernel(in MemoryAccessContext context, ulong va, MemoryAccessType access, ref long delay, bool probe = false)
    {
        AddressSpace? space = MmLayout.IsSystemAddress(va) ? SystemSpace
            : MmLayout.IsUserAddress(va) ? context.CurrentProcess : null;
        ref Mmpte pte = ref space is null ? ref Unsafe.NullRef<Mmpte>() : ref space.PageTable.Lookup(va, create: false);
        if (!Unsafe.IsNullRef(ref pte) && pte.State == PteState.Valid) return pte.Pfn;

        // A no-access special-pool page (guard or freed) is Driver Verifier's own stop at any IRQL.
        if ((Unsafe.IsNullRef(ref pte) || pte.State == PteState.NoAccess) && !probe && MiIsSpecialPoolAddress(va))
            throw MiSpecialPoolFault(context, va, access, ref pte);

        // Every fault at DISPATCH_LEVEL or above is fatal, valid address or not: the pager cannot run.
        if (context.Irql >= Irql.DispatchLevel) ThrowIrqlNotLessOrEqual(context, va, access);
        if (Unsafe.IsNullRef(ref pte) || pte.State == PteState.NoAccess)
        {
            if (probe || MmLayout.IsUserAddress(va)) throw new NtStatusException(NtStatus.AccessViolation, va, access);
            // x64 since Windows 10 1507: P2 is the fault error code (0 read, 2 write, 0x10 execute);
            // P4 0x0 a freed PTE, 0x2 no page table, 0x4 a non-canonical address.
            ulong faultType = !MmLayout.IsSystemAddress(va) ? 0x4UL : Unsafe.IsNullRef(ref pte) ? 0x2UL : 0x0UL;
            ulong accessCode = access switch { MemoryAccessType.Write => 0x2, MemoryAccessType.Execute => 0x10, _ => 0x0 };
            throw MiBugCheck(BugCheckCode.PageFaultInNonpagedArea, va, accessCode, context.CodeAddress, faultType);
        }
        return MiMakeResident(space!, va, ref pte, ref delay);
    }

    // MmAccessFault for user mode. Lock held.
    private bool MiResolveUser(AddressSpace process, ulong va, ref long delay, out ulong pfn)
    {
        pfn = 0;
        if (!MmLayout.IsUserAddress(va)) return false;
        ref Mmpte pte = ref process.PageTable.Lookup(va, create: false);
        if (Unsafe.IsNullRef(ref pte) || pte.State == PteState.NoAccess || (pte.Flags & PteFlags.User) == 0) return false;
        pfn = pte.State == PteState.Valid ? pte.Pfn : MiMakeResident(process, va, ref pte, ref delay);
        return true;
    }

    // Brings a paged-out or demand-zero page in. Lock held; IRQL already checked.
    private ulong MiMakeResident(AddressSpace space, ulong va, ref Mmpte pte, ref long delay)
    {
        byte[]? contents = pte.State == PteState.PagedOut ? pte.PageFileCopy : null;
        if (!MiAllocateFrameUnderPressure(contents, zero: true, out ulong pfn))
            throw MiBugCheck((BugCheckCode)0x4D, Physical.TotalPages, 0, Physical.TotalPages, 0); // NO_PAGES_AVAILABLE
        if (pte.State == PteState.PagedOut)
        {
            _hardFaults++;
            _pagedOutPages--;
            delay += Options.HardFaultNanoseconds;
        }
        else
        {
            _demandZeroFaults++;
            delay += Options.DemandZeroFaultNanoseconds;
        }
        pte.PageFileCopy = null;
        pte.Pfn = pfn;
        pte.State = PteState.Valid;
        MiAddToWorkingSet(space, va, ref pte);
        return pfn;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowIrqlNotLessOrEqual(in MemoryAccessContext context, ulong va, MemoryAccessType access) =>
        throw MiBugCheck(
            context.Module is null ? BugCheckCode.IrqlNotLessOrEqual : BugCheckCode.DriverIrqlNotLessOrEqual,
            va, (ulong)context.Irql, (ulong)access, context.CodeAddress);
}
