namespace ActorKernel.Actors;

/// <summary>
/// An exception raised with ExRaiseStatus (or by a failed probe): what a WDM driver catches in
/// <c>__try/__except</c>. MmProbeAndLockPages raises STATUS_ACCESS_VIOLATION for an invalid user
/// range; ExAllocatePool2 with POOL_FLAG_RAISE_ON_FAILURE raises STATUS_INSUFFICIENT_RESOURCES.
/// Unlike <see cref="BugCheckException"/>, driver code may catch it.
/// </summary>
public sealed class NtStatusException : Exception
{
    /// <summary>Raises <paramref name="status"/>.</summary>
    /// <param name="status">The exception code.</param>
    /// <param name="address">The faulting address, when there is one.</param>
    /// <param name="access">For an access violation, the kind of access that failed.</param>
    public NtStatusException(NtStatus status, ulong address = 0, MemoryAccessType access = MemoryAccessType.Read)
        : base(FormattableString.Invariant($"{status.ToDisplayString()} at 0x{address:X16}"))
    {
        Status = status;
        Address = address;
        Access = access;
    }

    /// <summary>The raised status (the exception code).</summary>
    public NtStatus Status { get; }

    /// <summary>The virtual address whose access failed, or 0 (ExceptionInformation[1] of an access violation).</summary>
    public ulong Address { get; }

    /// <summary>The access that failed (ExceptionInformation[0]: 0 read, 1 write, 8 execute).</summary>
    public MemoryAccessType Access { get; }
}
