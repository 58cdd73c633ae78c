namespace ActorKernel.Actors;

// Driver Verifier's hook on the IRP (the Verifier room's, kept apart from the I/O hot path): with I/O
// verification NT allocates IRPs from special pool ("I/O Verification": all IRPs obtained through
// IoAllocateIrp come from special pool), so a driver that touches an IRP after it was freed faults on a
// no-access page: DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL (0xD5). Here an IRP that reached a verified
// driver is never recycled (NeverRecycle) and a driver's read of its IoStatus or current stack
// location once it is freed takes that fault, with P1 = the IRP's address plus the field's x64 offset.
// Without verification the IRP goes back to the lookaside list and a late touch reads whatever request
// carries it next, as recycled pool would. Reads by the kernel (no driver frame) are not checked.
public sealed partial class Irp
{
    /// <summary>FIELD_OFFSET(IRP, IoStatus) on x64.</summary>
    internal const uint VfIoStatusOffset = 0x30;

    /// <summary>FIELD_OFFSET(IRP, Tail.Overlay.CurrentStackLocation) on x64.</summary>
    internal const uint VfCurrentStackLocationOffset = 0xB8;

    /// <summary>A driver routine touches this freed special-pool IRP: 0xD5 (the machine stops), else nothing.</summary>
    private void VfTouchFreed(uint offset)
    {
        if (Processor.CurrentOrNull is not { Top: { } frame } processor || frame.Module == KernelModule.Kernel || processor.Machine.IsBugChecked)
        {
            return;
        }
        var context = processor.KiMemoryContext();
        throw processor.Machine.Memory.VfTouchFreedSpecialPool(context, Address + offset, MemoryAccessType.Read);
    }
}
