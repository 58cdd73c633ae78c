namespace ActorKernel.Actors;

/// <summary>
/// The I/O manager's view of a Ke <see cref="Processor"/>: the IRQL it runs at, its number, and
/// the charge of simulated cost to the running routine's frame.
/// </summary>
internal sealed class KeIoProcessor(Processor processor) : IIoProcessor
{
    public Processor Processor { get; } = processor;

    public int Number => Processor.Number;

    public Irql CurrentIrql => Processor.Irql;

    public Irql SwapIrql(Irql irql)
    {
        var old = Processor.Irql;
        if (irql != old)
        {
            Processor.SetIrql(irql);
        }
        return old;
    }

    public void Charge(long nanoseconds) => Processor.KiCharge(nanoseconds);

    /// <summary>The view of the processor running on this thread, or null outside the processor model.</summary>
    internal static KeIoProcessor? CurrentOrNull()
    {
        var processor = Processor.CurrentOrNull;
        if (processor is null)
        {
            return null;
        }
        // One view per processor, kept on it: several processors share a thread on the deterministic dispatcher.
        return (KeIoProcessor)(processor.IoView ??= new KeIoProcessor(processor));
    }

    /// <summary>
    /// Charges the running frame to <paramref name="driver"/>'s module and names it after the routine
    /// until disposed, so bugchecks and pool allocations inside a driver routine name that driver.
    /// </summary>
    internal static Attribution Attribute(DriverObject? driver, Delegate routine)
    {
        if (driver is null || Processor.CurrentOrNull is not { Top: not null })
        {
            return default;
        }
        return new Attribution(KernelContext.EnterModule(driver.Module, routine.Method.Name), true);
    }

    /// <summary>Restores the frame's attribution (nothing when none was changed).</summary>
    internal readonly struct Attribution(KernelContext.ModuleScope scope, bool active) : IDisposable
    {
        public void Dispose()
        {
            if (active)
            {
                scope.Dispose();
            }
        }
    }

    // A field of the machine, not a table keyed by it: the HAL's and the remove lock's checks ask on every request.
    internal static void Attach(Machine machine, IoManager manager) => Volatile.Write(ref machine.AttachedIoManager, manager);

    internal static IoManager? ManagerOf(Machine machine) => (IoManager?)Volatile.Read(ref machine.AttachedIoManager);
}
