namespace ActorKernel.Actors;

/// <summary>
/// The driver-facing kernel API, named as in the WDK. Driver code writes
/// <c>using static ActorKernel.Actors.Wdm;</c> and calls <c>KeRaiseIrql(...)</c>,
/// <c>KeInsertQueueDpc(dpc, a1, a2)</c>, <c>await KeAcquireSpinLock(lockObj)</c>. The class is split
/// across the rooms (Ke/Dpc.cs, Ke/SpinLock.cs, ...). Every service must be called inside a routine
/// running on a simulated processor (initialisers excepted), charges a simulated cost, and checks
/// its IRQL rule with the real bugcheck.
/// </summary>
public static partial class Wdm
{
    /// <summary>KeGetCurrentIrql: the current processor's IRQL.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static Irql KeGetCurrentIrql()
    {
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.IrqlChangeNs);
        return processor.KiRoutineIrql; // a change queued behind an IoCallDriver not awaited counts for the caller
    }

    /// <summary>KeGetCurrentProcessorNumber: the number of the processor running the caller.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static int KeGetCurrentProcessorNumber()
    {
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DefaultCallNs);
        return processor.Number;
    }

    /// <summary>KeQueryActiveProcessorCount: how many processors the machine has.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static int KeQueryActiveProcessorCount() => Processor.Current.Machine.ProcessorCount;

    /// <summary>KeRaiseIrql: raises the processor's IRQL, returning the old one. Raising to a lower level bugchecks IRQL_NOT_GREATER_OR_EQUAL (0x9; P1 = current IRQL, P2 = requested).</summary>
    /// <remarks>New IRQL &gt;= current IRQL. Not a yield point: nothing can preempt a raise.</remarks>
    public static Irql KeRaiseIrql(Irql newIrql) => Processor.Current.KiRaiseIrql(newIrql);

    /// <summary>KeRaiseIrqlToDpcLevel: KeRaiseIrql(DISPATCH_LEVEL).</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static Irql KeRaiseIrqlToDpcLevel() => Processor.Current.KiRaiseIrql(Irql.DispatchLevel);

    /// <summary>
    /// KeLowerIrql: lowers the IRQL to <paramref name="newIrql"/>. Lowering to a higher level
    /// bugchecks IRQL_NOT_LESS_OR_EQUAL (0xA; P1 = requested IRQL, P2 = current IRQL). Await it: when
    /// the drop unmasks pending interrupts or DPCs, they run here before the caller continues.
    /// </summary>
    /// <remarks>New IRQL &lt;= current IRQL.</remarks>
    public static KernelYield KeLowerIrql(Irql newIrql) => Processor.Current.KiLowerIrql(newIrql);

    /// <summary>
    /// Explicit computation: the routine consumes <paramref name="costNs"/> of simulated processor
    /// time. A yield point: higher-IRQL work may preempt the routine here.
    /// </summary>
    /// <remarks>Any IRQL.</remarks>
    public static KernelYield KeCompute(long costNs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(costNs);
        return new KernelYield(Processor.Current, Math.Max(1, costNs));
    }

    /// <summary>KeStallExecutionProcessor: busy-waits <paramref name="microSeconds"/> µs at the current IRQL (a yield point, like any computation).</summary>
    /// <remarks>Any IRQL; drivers should stall at most 50 µs.</remarks>
    public static KernelYield KeStallExecutionProcessor(uint microSeconds) =>
        new(Processor.Current, Math.Max(1, (long)microSeconds * 1000));

    /// <summary>KeBugCheckEx: stops the machine with <paramref name="code"/>. Never returns.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static Exception KeBugCheckEx(BugCheckCode code, ulong parameter1, ulong parameter2, ulong parameter3, ulong parameter4)
    {
        var processor = Processor.Current;
        throw processor.KiBugCheck(processor.Top, code, parameter1, parameter2, parameter3, parameter4, "KeBugCheckEx called by the routine");
    }

    /// <summary>The module of the running routine (for pool tagging, tracing and crash analysis in other rooms).</summary>
    internal static KernelModule KiCurrentModule => Processor.Current.Top?.Module ?? KernelModule.Kernel;
}
