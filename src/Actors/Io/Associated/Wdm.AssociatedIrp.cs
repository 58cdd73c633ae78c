namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// IoMakeAssociatedIrp: an IRP associated with <paramref name="irp"/> (its master), so a
    /// highest-level driver can split the request and send the pieces to lower drivers. The new IRP
    /// carries IRP_ASSOCIATED_IRP, Tail.Overlay.Thread of the master and AssociatedIrp.MasterIrp; the
    /// caller sets the master's <see cref="Irp.AssociatedIrpCount"/> to the number of associated IRPs
    /// before it sends the first. When an associated IRP completes (no completion routine returned
    /// STATUS_MORE_PROCESSING_REQUIRED) the I/O manager frees its MDLs and the IRP, decrements the
    /// master's count, and completes the master when the count reaches zero.
    /// </summary>
    /// <param name="irp">The master IRP, as the highest-level driver's dispatch routine got it.</param>
    /// <param name="stackSize">Locations: at least the next-lower device's StackSize.</param>
    /// <returns>The associated IRP (no location current; the caller fills the next one).</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. ReactOS io/iomgr/irp.c IoMakeAssociatedIrp: the count is not touched here.</remarks>
    public static Irp IoMakeAssociatedIrp(Irp irp, sbyte stackSize)
    {
        ArgumentNullException.ThrowIfNull(irp);
        var associated = IoAllocateIrp(irp.Manager, stackSize, false);
        associated.Flags |= IrpFlags.AssociatedIrp;
        associated.Thread = irp.Thread;
        associated.MasterIrp = irp;
        return associated;
    }

    /// <summary>
    /// IoBuildPartialMdl: makes <paramref name="targetMdl"/> describe <paramref name="length"/> bytes at
    /// <paramref name="virtualAddress"/> inside the locked buffer of <paramref name="sourceMdl"/>: the
    /// same physical pages, MDL_PARTIAL, nothing locked again. The target comes from IoAllocateMdl
    /// over the same range; it must be freed (IoFreeMdl) before the source's pages are unlocked.
    /// </summary>
    /// <param name="sourceMdl">The locked MDL (Irp-&gt;MdlAddress of the master).</param>
    /// <param name="targetMdl">The MDL to fill (IoAllocateMdl(virtualAddress, length)).</param>
    /// <param name="virtualAddress">Where the part starts, within the source's buffer.</param>
    /// <param name="length">The part's length (0: to the end of the source).</param>
    /// <remarks>
    /// IRQL &lt;= DISPATCH_LEVEL. A range outside the source bugchecks as in ReactOS io/iomgr/mdl.c
    /// (KeBugCheck(TARGET_MDL_TOO_SMALL)). The target also carries MDL_PAGES_LOCKED while its source
    /// is locked: Mm and the HAL here check that flag before mapping or DMA (NT checks MDL_PARTIAL too).
    /// </remarks>
    public static void IoBuildPartialMdl(Mdl sourceMdl, Mdl targetMdl, ulong virtualAddress, uint length)
    {
        ArgumentNullException.ThrowIfNull(sourceMdl);
        ArgumentNullException.ThrowIfNull(targetMdl);
        var sourceStart = MmGetMdlVirtualAddress(sourceMdl);
        if (length == 0)
        {
            length = (uint)(sourceStart + sourceMdl.ByteCount - virtualAddress);
        }
        InlineIoProcessor.Current.Charge(20);
        if (virtualAddress < sourceStart || virtualAddress + length > sourceStart + sourceMdl.ByteCount
            || MmGetMdlVirtualAddress(targetMdl) != virtualAddress || targetMdl.ByteCount < length)
        {
            throw IoManager.IopBugCheck(BugCheckCode.TargetMdlTooSmall, 0, 0, 0, 0);
        }
        targetMdl.IopBuildPartial(sourceMdl, virtualAddress, length);
    }
}
