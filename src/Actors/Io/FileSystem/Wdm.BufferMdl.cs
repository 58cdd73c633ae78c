namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// IoAllocateMdl for a requester's buffer as a driver holds it (<see cref="UserBuffer"/>), what
    /// FastFAT's FatLockUserBuffer does with Irp-&gt;UserBuffer: for a buffer in a process's memory, an
    /// MDL of its first <paramref name="length"/> bytes, not yet locked (lock it with MmProbeAndLockPages
    /// in the requester's context); for a kernel caller's managed buffer, its MDL, already "locked" for
    /// <paramref name="operation"/> (<see cref="Mdl.IsManaged"/>: no page frames, so no DMA; map it with
    /// <see cref="MmGetSystemAddressForMdlSafe(Mdl, uint)"/>).
    /// </summary>
    /// <param name="buffer">The buffer.</param>
    /// <param name="length">The bytes to describe (at most the buffer's length).</param>
    /// <param name="operation">IoReadAccess (the device reads it) or IoWriteAccess (the device writes it).</param>
    /// <returns>The MDL, or null when <paramref name="length"/> exceeds the buffer or pool is exhausted.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. Free it with IoFreeMdl after MmUnlockPages (a managed MDL needs neither: the I/O manager drops it with the IRP).</remarks>
    public static Mdl? IoAllocateMdl(UserBuffer buffer, uint length, LockOperation operation)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (length > (uint)buffer.Length)
        {
            return null;
        }
        return buffer.IsProcessBacked ? IoAllocateMdl(buffer.Address, length) : Mdl.IopForManagedBuffer(buffer, (int)length, operation);
    }
}
