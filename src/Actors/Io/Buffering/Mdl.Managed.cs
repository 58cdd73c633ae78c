namespace ActorKernel.Actors;

// The I/O manager's MDL of a requester buffer that lives outside simulated memory (the managed form
// of UserBuffer: kernel-mode requesters and inline tests). It has no pool header and no page frames;
// "locking" it is a flag, and its system mapping is the managed bytes themselves.
public sealed partial class Mdl
{
    private Mdl(ulong virtualAddress, Memory<byte> managedBytes)
    {
        StartVa = MmLayout.PageAlign(virtualAddress);
        ByteOffset = MmLayout.ByteOffset(virtualAddress);
        ByteCount = (uint)managedBytes.Length;
        _pfns = []; // no page frames: a managed MDL cannot be handed to a DMA engine
        ManagedBytes = managedBytes;
        IsManaged = true;
        Flags = MdlFlags.PagesLocked;
    }

    /// <summary>
    /// True for the MDL of a managed requester buffer: no page frames (an empty PFN array) and no
    /// system PTEs; map it with the two-argument <see cref="Wdm.MmGetSystemAddressForMdlSafe(Mdl, uint)"/>.
    /// </summary>
    public bool IsManaged { get; }

    /// <summary>The bytes of a managed MDL (empty for an Mm MDL).</summary>
    internal Memory<byte> ManagedBytes { get; }

    /// <summary>The MDL of the first <paramref name="length"/> bytes of a managed requester buffer, "locked" for <paramref name="operation"/>.</summary>
    internal static Mdl IopForManagedBuffer(UserBuffer buffer, int length, LockOperation operation)
    {
        var mdl = new Mdl(buffer.Address, buffer.Bytes[..length]);
        if (operation != LockOperation.IoReadAccess)
        {
            mdl.Flags |= MdlFlags.WriteOperation;
        }
        return mdl;
    }
}
