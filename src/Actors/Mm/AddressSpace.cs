namespace ActorKernel.Actors;

/// <summary>
/// A virtual address space: a simulated process's user range (0 .. 0x7FFF'FFFFFFFF, 4 KiB pages), or
/// the one shared system space. Kernel-mode code reaches a process's user addresses only while that
/// process is current (<see cref="MemoryAccessContext.CurrentProcess"/>); system addresses resolve in
/// the system space whatever the process.
/// </summary>
public sealed class AddressSpace
{
    internal AddressSpace(string name, uint processId, bool isSystem)
    {
        Name = name;
        ProcessId = processId;
        IsSystem = isSystem;
    }

    /// <summary>The image name of the process ("System" for the system space).</summary>
    public string Name { get; }

    /// <summary>The process id (4 for System).</summary>
    public uint ProcessId { get; }

    /// <summary>True for the shared system space.</summary>
    public bool IsSystem { get; }

    /// <summary>The simulated EPROCESS address, for dumps and bugcheck parameters.</summary>
    public ulong ProcessObjectAddress { get; internal set; }

    /// <summary>The user process (Ps) that owns this space, for the kernel debugger's !process and !handle; null for the system space.</summary>
    internal UserProcess? Process { get; set; }

    internal PageTable PageTable { get; } = new();

    /// <summary>The memory manager that owns this space (the I/O manager reaches a requester's pages through it).</summary>
    internal MemoryManager? Memory { get; init; }

    /// <summary>Next free user address for NtAllocateVirtualMemory (64 KiB allocation granularity).</summary>
    internal ulong NextUserAddress { get; set; } = MmLayout.LowestUserAddress;

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"{Name} (pid {ProcessId})");
}
