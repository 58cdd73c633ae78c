namespace ActorKernel.Actors;

// Direct I/O: the MDL of the requester's buffer, built and locked in the requester's context before
// the IRP is sent (IoAllocateMdl + MmProbeAndLockPages), unlocked and freed when the request finishes.
public sealed partial class IoManager
{
    /// <summary>
    /// Builds Irp-&gt;MdlAddress for <paramref name="length"/> bytes of <paramref name="buffer"/>: for a
    /// process-backed buffer a real Mm MDL, its pages probed and locked in the requester's process for
    /// <paramref name="operation"/>; for a managed buffer an MDL over its bytes.
    /// </summary>
    /// <returns>STATUS_SUCCESS; STATUS_ACCESS_VIOLATION for a range that is not valid user memory (no page stays locked); STATUS_INSUFFICIENT_RESOURCES when no MDL could be allocated.</returns>
    private static NtStatus IopLockUserBuffer(Irp irp, UserBuffer buffer, uint length, LockOperation operation)
    {
        if (buffer.Process is not { } process)
        {
            irp.MdlAddress = Mdl.IopForManagedBuffer(buffer, (int)length, operation);
            return NtStatus.Success;
        }
        var memory = process.Memory!;
        var processor = Processor.CurrentOrNull;
        // The I/O manager (the kernel, not a driver) in the requester's process, at the caller's IRQL.
        var context = new MemoryAccessContext(processor?.Irql ?? Irql.PassiveLevel, process, null, 0);
        var mdl = memory.IoAllocateMdl(context, buffer.Address, length);
        if (mdl is null)
        {
            return NtStatus.InsufficientResources;
        }
        try
        {
            var faultDelay = memory.MmProbeAndLockPages(context, mdl, KProcessorMode.UserMode, operation);
            InlineIoProcessor.Current.Charge((mdl.PageCount * 20L) + faultDelay);
        }
        catch (NtStatusException e)
        {
            memory.IoFreeMdl(context, mdl);
            return e.Status;
        }
        irp.MdlAddress = mdl;
        return NtStatus.Success;
    }

    /// <summary>
    /// IopCompleteRequest's MDL step: unlocks the pages of every MDL of the IRP's chain (MmUnlockPages,
    /// for those locked) and frees the MDLs (IoFreeMdl); a managed MDL just stops being locked.
    /// </summary>
    private static void IopUnlockAndFreeMdls(Irp irp)
    {
        var processor = Processor.CurrentOrNull;
        var context = new MemoryAccessContext(processor?.Irql ?? Irql.PassiveLevel, null, null, 0);
        for (var mdl = irp.MdlAddress; mdl is not null;)
        {
            var next = mdl.Next;
            if (mdl.IsManaged)
            {
                mdl.Flags &= ~(MdlFlags.PagesLocked | MdlFlags.WriteOperation);
            }
            else if ((mdl.Process?.Memory ?? processor?.Machine.Memory) is { } memory)
            {
                // A driver may chain its own MDLs after the I/O manager's, system-space ones too
                // (MmBuildMdlForNonPagedPool: no process, not locked); each is freed with the IRP.
                if ((mdl.Flags & MdlFlags.PagesLocked) != 0)
                {
                    memory.MmUnlockPages(context, mdl);
                }
                memory.IoFreeMdl(context, mdl);
            }
            mdl = next;
        }
    }
}
