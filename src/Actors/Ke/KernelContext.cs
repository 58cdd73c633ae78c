namespace ActorKernel.Actors;

/// <summary>
/// What other rooms (Io, Mm, Ob) need from the running routine's context: its processor, frame,
/// module, a way to charge a cost and to raise a bugcheck that names the routine. Internal: drivers
/// use the <see cref="Wdm"/> services.
/// </summary>
internal static class KernelContext
{
    /// <summary>The processor running the calling routine; throws InvalidOperationException outside any routine.</summary>
    public static Processor Processor => Processor.Current;

    /// <summary>The machine of the calling routine.</summary>
    public static Machine Machine => Processor.Current.Machine;

    /// <summary>The running frame (routine name, module, kind, IRQL it started at).</summary>
    public static Frame Frame => Processor.Current.Top ?? throw new InvalidOperationException("No routine is running on this processor.");

    /// <summary>The module the running routine belongs to (pool allocations and traces are charged to it).</summary>
    public static KernelModule Module => Frame.Module;

    /// <summary>The current IRQL without charging a cost (for checks inside other services).</summary>
    public static Irql Irql => Processor.Current.Irql;

    /// <summary>Charges a non-yielding service's cost to the running routine.</summary>
    public static void Charge(long costNs) => Processor.Current.KiCharge(costNs);

    /// <summary>Freezes the machine with a bugcheck naming the running routine; throw the result to unwind it.</summary>
    public static BugCheckException BugCheck(BugCheckCode code, ulong p1, ulong p2, ulong p3, ulong p4, string? note = null)
    {
        var processor = Processor.Current;
        return processor.KiBugCheck(processor.Top, code, p1, p2, p3, p4, note);
    }

    /// <summary>
    /// Attributes the running frame to <paramref name="module"/>/<paramref name="routineName"/> until
    /// the scope is disposed (IoCallDriver calling a dispatch routine, a completion routine...).
    /// Survives awaits: it changes the frame, not the thread.
    /// </summary>
    public static ModuleScope EnterModule(KernelModule module, string routineName)
    {
        var frame = Frame;
        var scope = new ModuleScope(frame, frame.Module, frame.RoutineName);
        frame.Module = module;
        frame.RoutineName = routineName;
        return scope;
    }

    /// <summary>Restores the frame's module and routine name.</summary>
    public readonly struct ModuleScope(Frame frame, KernelModule module, string routineName) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose()
        {
            frame.Module = module;
            frame.RoutineName = routineName;
        }
    }
}
