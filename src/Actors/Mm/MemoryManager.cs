using ActorKernel.Hardware;

namespace ActorKernel.Actors;

/// <summary>
/// The memory manager (Mm) and executive pool (Ex) of one simulated machine: address spaces over
/// <see cref="PhysicalMemory"/>, paged and nonpaged pool, paging with IRQL-checked faults, MDLs and
/// per-driver pool accounting.
/// </summary>
/// <remarks>
/// <para>The seam with the processors: every service that depends on its caller takes a
/// <see cref="MemoryAccessContext"/>; a broken rule throws <see cref="BugCheckException"/> with the real
/// code and parameters (the processor catches it); a recoverable fault raised in NT as an exception
/// throws <see cref="NtStatusException"/>; a page fault that succeeds returns its simulated delay in
/// nanoseconds, which the caller charges. Nothing here blocks, sleeps or reads a clock.</para>
/// <para>Thread-safe: one lock (<see cref="PhysicalMemory.SyncRoot"/>, playing MmPfnLock and the pool
/// locks) guards page tables, frames and pools; each critical section is one page or one pool block.</para>
/// </remarks>
public sealed partial class MemoryManager
{
    private readonly Lock _lock;
    private readonly List<AddressSpace> _processes = [];
    private uint _nextProcessId = 8;

    /// <summary>Creates the memory of one machine.</summary>
    /// <param name="options">Sizes and the fault cost model; <see cref="MemoryManagerOptions.Default"/> when null.</param>
    public MemoryManager(MemoryManagerOptions? options = null)
    {
        Options = options ?? MemoryManagerOptions.Default;
        Physical = new PhysicalMemory(Options.PhysicalMemoryBytes);
        _lock = Physical.SyncRoot;
        SystemSpace = new AddressSpace("System", 4, isSystem: true) { ProcessObjectAddress = 0xFFFF_FA80_0000_0040, Memory = this };
        _nonPagedPool = new MiPool(PoolType.NonPagedPool, MmLayout.NonPagedPoolBase, Options.NonPagedPoolBytes >> MmLayout.PageShift);
        _pagedPool = new MiPool(PoolType.PagedPool, MmLayout.PagedPoolBase, Options.PagedPoolBytes >> MmLayout.PageShift);
        _systemPtes = new MiVaAllocator(MmLayout.SystemPteBase, MmLayout.SystemRegionSize >> MmLayout.PageShift);
        _images = new MiVaAllocator(MmLayout.DriverImageBase, MmLayout.SystemRegionSize >> MmLayout.PageShift);
        _pageFileLimit = Options.PageFileBytes >> MmLayout.PageShift;
    }

    /// <summary>The configuration.</summary>
    public MemoryManagerOptions Options { get; }

    /// <summary>
    /// Set by the machine: turns a stop Mm finds into the machine's bugcheck, frozen at once while the
    /// offending routine is still the running frame (so the dump names it). Null outside a machine.
    /// </summary>
    internal Func<BugCheckException, BugCheckException>? OnBugCheck { get; set; }

    /// <summary>KeBugCheckEx from a memory manager check: the exception to throw, the machine already stopped when on one.</summary>
    internal BugCheckException MiBugCheck(BugCheckCode code, ulong p1, ulong p2, ulong p3, ulong p4)
    {
        var found = new BugCheckException(code, p1, p2, p3, p4);
        return OnBugCheck?.Invoke(found) ?? found;
    }

    /// <summary>Simulated RAM; device models DMA through it.</summary>
    public PhysicalMemory Physical { get; }

    /// <summary>The shared system (kernel) address space.</summary>
    public AddressSpace SystemSpace { get; }

    /// <summary>The user address spaces alive, in creation order (the kernel debugger's !process).</summary>
    internal List<AddressSpace> KdProcesses()
    {
        lock (_lock)
        {
            return [.. _processes];
        }
    }

    /// <summary>Creates a user process with an empty address space.</summary>
    /// <param name="imageName">The process image name, e.g. "app.exe".</param>
    /// <returns>The new address space.</returns>
    public AddressSpace CreateProcess(string imageName)
    {
        ArgumentException.ThrowIfNullOrEmpty(imageName);
        lock (_lock)
        {
            uint pid = _nextProcessId;
            _nextProcessId += 4;
            var process = new AddressSpace(imageName, pid, isSystem: false)
            {
                Memory = this,
                ProcessObjectAddress = 0xFFFF_FA80_0100_0000 + ((ulong)pid << 8),
            };
            _processes.Add(process);
            return process;
        }
    }

    /// <summary>
    /// NtAllocateVirtualMemory (MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE): commits demand-zero,
    /// pageable user pages at a 64 KiB-aligned address of <paramref name="process"/>.
    /// </summary>
    /// <param name="process">The process.</param>
    /// <param name="size">Bytes to commit (rounded up to pages).</param>
    /// <param name="baseAddress">The first address of the region.</param>
    /// <returns>STATUS_SUCCESS, STATUS_INVALID_PARAMETER for size 0, or STATUS_NO_MEMORY when the user range is exhausted.</returns>
    /// <remarks>Called on behalf of user mode (PASSIVE_LEVEL); the pages take their frames on first touch.</remarks>
    public NtStatus NtAllocateVirtualMemory(AddressSpace process, ulong size, out ulong baseAddress)
    {
        ArgumentNullException.ThrowIfNull(process);
        baseAddress = 0;
        if (process.IsSystem || size == 0) return NtStatus.InvalidParameter;
        ulong pages = (size + MmLayout.PageSize - 1) >> MmLayout.PageShift;
        lock (_lock)
        {
            ulong va = process.NextUserAddress;
            ulong end = va + (pages << MmLayout.PageShift);
            if (end > MmLayout.UserProbeAddress || end < va) return NtStatus.NoMemory;
            process.NextUserAddress = (end + 0xFFFF) & ~0xFFFFUL;
            for (ulong p = 0; p < pages; p++)
            {
                ref Mmpte pte = ref process.PageTable.Lookup(va + (p << MmLayout.PageShift), create: true);
                pte.State = PteState.DemandZero;
                pte.Flags = PteFlags.Pageable | PteFlags.User;
            }
            baseAddress = va;
            return NtStatus.Success;
        }
    }

    /// <summary>
    /// MmCleanProcessAddressSpace: the process is exiting; its user pages and page-file copies are
    /// released. Pages a driver still holds locked for it are a stop: DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS
    /// (0xCB: P1 the code address that locked them, P2 0, P3 the MDL, P4 its page count), as NT reports
    /// with locked-page tracking on.
    /// </summary>
    /// <param name="process">The exiting process.</param>
    /// <remarks>PASSIVE_LEVEL (process teardown). After it, the process has no user pages.</remarks>
    public void MmCleanProcessAddressSpace(AddressSpace process)
    {
        ArgumentNullException.ThrowIfNull(process);
        if (process.IsSystem) throw new ArgumentException("The system space is never torn down.", nameof(process));
        lock (_lock)
        {
            foreach (Mdl mdl in _lockedMdls)
            {
                if (ReferenceEquals(mdl.Process, process))
                    throw MiBugCheck(BugCheckCode.DriverLeftLockedPagesInProcess, mdl.LockedBy, 0, mdl.Address, (ulong)mdl.PageCount);
            }
            foreach ((ulong _, Mmpte[] table) in process.PageTable.TablesByAddress())
            {
                for (int i = 0; i < table.Length; i++)
                {
                    ref Mmpte pte = ref table[i];
                    if (pte.State == PteState.Valid && (pte.Flags & PteFlags.Alias) == 0) Physical.MiFreeFrame(pte.Pfn);
                    else if (pte.State == PteState.PagedOut) _pagedOutPages--;
                    pte = default;
                }
            }
            process.PageTable.Clear();
            _processes.Remove(process);
        }
    }

    /// <summary>Counters of the paging activity so far.</summary>
    /// <returns>A snapshot.</returns>
    public MemoryStatistics GetStatistics()
    {
        lock (_lock)
        {
            return new MemoryStatistics(
                Physical.TotalPages, (ulong)Physical.FreePages, _pagedOutPages, _hardFaults, _demandZeroFaults, _pagesTrimmed,
                _nonPagedPool.CommittedPages, _pagedPool.CommittedPages);
        }
    }
}

/// <summary>A snapshot of memory counters (the data behind <c>!vm</c>).</summary>
/// <param name="PhysicalPages">Page frames of RAM.</param>
/// <param name="FreePages">Frames not in use.</param>
/// <param name="PagedOutPages">Pages now in the page file.</param>
/// <param name="HardFaults">Faults that read a page back from the page file.</param>
/// <param name="DemandZeroFaults">Faults that gave a fresh zero page.</param>
/// <param name="PagesTrimmed">Pages written to the page file so far (trims, pressure, forced IRQL checking).</param>
/// <param name="NonPagedPoolPages">Pages committed to nonpaged pool.</param>
/// <param name="PagedPoolPages">Pages committed to paged pool.</param>
public readonly record struct MemoryStatistics(
    ulong PhysicalPages, ulong FreePages, ulong PagedOutPages, ulong HardFaults, ulong DemandZeroFaults, ulong PagesTrimmed,
    ulong NonPagedPoolPages, ulong PagedPoolPages);
