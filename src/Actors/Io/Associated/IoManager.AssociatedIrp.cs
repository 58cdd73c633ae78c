using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// IofCompleteRequest's branch for an associated IRP (ReactOS io/iomgr/irp.c): once completion has
// passed every location and no completion routine took the IRP back, the I/O manager decrements the
// master's AssociatedIrp.IrpCount, frees the associated IRP's MDLs (IoFreeMdl: they describe pages
// the master's requester locked, so nothing is unlocked) and the IRP itself, and completes the
// master when the count reaches zero. The associated IRP never reaches IopCompleteRequest's APC part:
// it has no requester of its own.
public sealed partial class IoManager
{
    /// <summary>The end of an associated IRP's completion: count, free, and complete the master after the last.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    private async ValueTask IopCompleteAssociatedIrp(Irp irp, PriorityBoost priorityBoost)
    {
        var master = irp.MasterIrp!;
        var remaining = master.IopDecrementAssociatedIrpCount();
        IoTrace.IrpCompleted(irp, irp.StackAt(irp.StackCount).MajorFunction);
        var processor = Processor.CurrentOrNull;
        var context = new MemoryAccessContext(processor?.Irql ?? Irql.PassiveLevel, null, null, 0);
        for (var mdl = irp.MdlAddress; mdl is not null;)
        {
            var next = mdl.Next;
            if (!mdl.IsManaged && (mdl.Process?.Memory ?? processor?.Machine.Memory) is { } memory)
            {
                memory.IoFreeMdl(context, mdl);
            }
            mdl = next;
        }
        irp.MdlAddress = null;
        irp.IopMarkFreed();
        if (remaining == 0)
        {
            await IopCompleteRequest(master, priorityBoost).ConfigureAwait(false);
        }
    }
}
