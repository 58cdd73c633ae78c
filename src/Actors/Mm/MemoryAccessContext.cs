namespace ActorKernel.Actors;

/// <summary>
/// Who touches memory: the seam between the memory manager and the processors. Every Mm service
/// whose outcome depends on the caller takes one; the processor builds it from its current state
/// (IRQL, the process whose address space is current, the driver that owns the running routine).
/// </summary>
/// <param name="Irql">The IRQL the calling routine runs at.</param>
/// <param name="CurrentProcess">
/// The process whose user address space is current (the thread's process, or the process a DPC
/// interrupted); <see langword="null"/> for a system thread, where no user address is mapped.
/// </param>
/// <param name="Module">
/// The driver that owns the calling routine (e.g. <c>"x.sys"</c>), used for pool attribution and to
/// choose DRIVER_IRQL_NOT_LESS_OR_EQUAL (a driver) over IRQL_NOT_LESS_OR_EQUAL (<see langword="null"/>: the kernel itself).
/// </param>
/// <param name="CodeAddress">The simulated address of the faulting instruction (P4 of 0xA/0xD1, P3 of 0x50).</param>
public readonly record struct MemoryAccessContext(Irql Irql, AddressSpace? CurrentProcess, string? Module, ulong CodeAddress)
{
    /// <summary>A system thread of the kernel itself at PASSIVE_LEVEL.</summary>
    public static MemoryAccessContext KernelPassive => new(Irql.PassiveLevel, null, null, 0);

    /// <summary>The same caller at another IRQL.</summary>
    /// <param name="irql">The new IRQL.</param>
    /// <returns>A copy with <see cref="Irql"/> replaced.</returns>
    public MemoryAccessContext At(Irql irql) => this with { Irql = irql };
}

/// <summary>The kind of access, with the bit values of bugcheck 0xA/0xD1 parameter 3.</summary>
public enum MemoryAccessType : uint
{
    /// <summary>A read (0).</summary>
    Read = 0,

    /// <summary>A write (1).</summary>
    Write = 1,

    /// <summary>An instruction fetch (8).</summary>
    Execute = 8,
}

/// <summary>KPROCESSOR_MODE: the mode an access or probe is made for.</summary>
public enum KProcessorMode : byte
{
    /// <summary>KernelMode (0).</summary>
    KernelMode = 0,

    /// <summary>UserMode (1).</summary>
    UserMode = 1,
}

/// <summary>LOCK_OPERATION for MmProbeAndLockPages.</summary>
public enum LockOperation
{
    /// <summary>IoReadAccess (0): the device reads the buffer (a write to the device).</summary>
    IoReadAccess = 0,

    /// <summary>IoWriteAccess (1): the device writes the buffer (a read from the device).</summary>
    IoWriteAccess = 1,

    /// <summary>IoModifyAccess (2): both.</summary>
    IoModifyAccess = 2,
}

/// <summary>The outcome of a user-mode memory access: a status, never a bugcheck, and the fault delay to charge.</summary>
/// <param name="Status">STATUS_SUCCESS or STATUS_ACCESS_VIOLATION.</param>
/// <param name="FaultDelayNanoseconds">The simulated page-fault time the caller must charge.</param>
public readonly record struct UserAccessResult(NtStatus Status, long FaultDelayNanoseconds);
