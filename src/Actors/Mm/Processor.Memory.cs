namespace ActorKernel.Actors;

// The processor's side of the seam with the memory manager (docs/memory.md, "How it is connected"):
// who touches memory right now, and how a stop found by Mm freezes the machine at once.
internal sealed partial class Processor
{
    /// <summary>
    /// The memory context of the running routine: the processor's IRQL, the process whose user space
    /// is current (the thread's, the attached one, or for an ISR/DPC the one it interrupted), the
    /// routine's driver (null for the kernel) and its simulated code address.
    /// </summary>
    public MemoryAccessContext KiMemoryContext()
    {
        var frame = Top;
        if (frame is null)
        {
            return new MemoryAccessContext(Irql, null, null, 0);
        }
        if (!ReferenceEquals(frame.CodeAddressModule, frame.Module) || !ReferenceEquals(frame.CodeAddressRoutine, frame.RoutineName))
        {
            frame.CodeAddress = Machine.RoutineAddress(frame.Module, frame.RoutineName);
            frame.CodeAddressModule = frame.Module;
            frame.CodeAddressRoutine = frame.RoutineName;
        }
        var module = frame.Module == KernelModule.Kernel ? null : frame.Module.Name;
        return new MemoryAccessContext(Irql, frame.Process, module, frame.CodeAddress);
    }

    /// <summary>
    /// A stop Mm found (it throws <see cref="BugCheckException"/> without knowing the processors):
    /// freeze the machine now, naming the running routine, and return the exception to throw.
    /// </summary>
    public BugCheckException KiMmBugCheck(BugCheckException found) =>
        KiBugCheck(Top, found.Code, found.Parameter1, found.Parameter2, found.Parameter3, found.Parameter4, "memory manager: " + found.Message);
}
