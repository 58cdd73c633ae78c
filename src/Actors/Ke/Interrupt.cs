using System.Runtime.CompilerServices;
using ActorKernel.Hardware;

namespace ActorKernel.Actors;

/// <summary>An interrupt service routine (WDM <c>KSERVICE_ROUTINE</c>): returns true when it claimed the interrupt.</summary>
/// <param name="interrupt">The interrupt object.</param>
/// <param name="serviceContext">The context given to IoConnectInterrupt.</param>
public delegate ValueTask<bool> KServiceRoutine(KInterrupt interrupt, object? serviceContext);

/// <summary>A routine run by KeSynchronizeExecution (WDM <c>KSYNCHRONIZE_ROUTINE</c>) at the interrupt's DIRQL, holding its spin lock.</summary>
/// <param name="synchronizeContext">The context.</param>
public delegate ValueTask<bool> KSynchronizeRoutine(object? synchronizeContext);

/// <summary>WDM <c>KINTERRUPT_MODE</c>.</summary>
public enum KInterruptMode
{
    /// <summary>LevelSensitive (0).</summary>
    LevelSensitive = 0,

    /// <summary>Latched (1): edge-triggered.</summary>
    Latched = 1,
}

/// <summary>
/// An interrupt object (WDM <c>KINTERRUPT</c>) made by <see cref="Wdm.IoConnectInterrupt"/>: the ISR
/// connected to a vector, its DIRQL, and the interrupt spin lock the kernel holds while the ISR
/// runs (and KeSynchronizeExecution takes).
/// </summary>
public sealed class KInterrupt : KeObject
{
    internal KInterrupt(KServiceRoutine serviceRoutine, object? serviceContext, KSpinLock spinLock, int vector, Irql irql, Irql synchronizeIrql,
        KInterruptMode mode, bool shareVector, ulong processorEnableMask, KernelModule module, string routineName)
    {
        ServiceRoutine = serviceRoutine;
        ServiceContext = serviceContext;
        SpinLock = spinLock;
        Vector = vector;
        Irql = irql;
        SynchronizeIrql = synchronizeIrql;
        Mode = mode;
        ShareVector = shareVector;
        ProcessorEnableMask = processorEnableMask;
        Module = module;
        RoutineName = routineName;
    }

    /// <summary>The ISR.</summary>
    public KServiceRoutine ServiceRoutine { get; }

    /// <summary>The ISR's context.</summary>
    public object? ServiceContext { get; }

    /// <summary>The interrupt spin lock.</summary>
    public KSpinLock SpinLock { get; }

    /// <summary>The vector.</summary>
    public int Vector { get; }

    /// <summary>The DIRQL of the interrupt.</summary>
    public Irql Irql { get; }

    /// <summary>The IRQL the ISR and synchronize routines run at (≥ <see cref="Irql"/>).</summary>
    public Irql SynchronizeIrql { get; }

    /// <summary>Level-sensitive or latched.</summary>
    public KInterruptMode Mode { get; }

    /// <summary>Whether other ISRs may share the vector.</summary>
    public bool ShareVector { get; }

    /// <summary>Processors the ISR may run on (informational; routing is the interrupt controller's).</summary>
    public ulong ProcessorEnableMask { get; }

    /// <summary>The owning module.</summary>
    public KernelModule Module { get; }

    /// <summary>The ISR's name.</summary>
    public string RoutineName { get; }

    /// <summary>How many times its ISR was called.</summary>
    public long Count { get; internal set; }

    /// <summary>How many times its ISR claimed the interrupt.</summary>
    public long Claimed { get; internal set; }

    // Storm detection (WRK's InTickCount / InDispatchCount), on the first interrupt object of a vector; under lock (this).
    internal long StormPeriod = -1;
    internal int StormCount;
    internal int StormPeriodsLeft;
}

public static partial class Wdm
{
    /// <summary>
    /// IoConnectInterrupt: connects <paramref name="serviceRoutine"/> to <paramref name="vector"/>.
    /// On a shared level-sensitive vector the connected ISRs are called in connection order until one
    /// returns true; on a shared latched vector every ISR is called, and the chain is walked again
    /// while a walk had a claim (WRK's KiChainedDispatch2ndLvl).
    /// </summary>
    /// <returns>
    /// STATUS_SUCCESS; STATUS_INVALID_PARAMETER when <paramref name="processorEnableMask"/> names none of the
    /// machine's processors, the IRQLs are invalid, or the vector is taken by a non-shared interrupt or one of the other mode.
    /// </returns>
    /// <remarks>IRQL == PASSIVE_LEVEL inside a routine; the module is the calling routine's.</remarks>
    public static NtStatus IoConnectInterrupt(out KInterrupt? interruptObject, KServiceRoutine serviceRoutine, object? serviceContext, KSpinLock? spinLock,
        int vector, Irql irql, Irql synchronizeIrql, KInterruptMode interruptMode, bool shareVector, ulong processorEnableMask, bool floatingSave,
        [CallerArgumentExpression(nameof(serviceRoutine))] string routineName = "")
    {
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DefaultCallNs);
        var active = processor.Machine.ProcessorCount >= 64 ? ulong.MaxValue : (1UL << processor.Machine.ProcessorCount) - 1;
        if ((processorEnableMask & active) == 0)
        {
            // As ReactOS's IoConnectInterrupt: no active processor in the mask.
            interruptObject = null;
            return NtStatus.InvalidParameter;
        }
        return processor.Machine.IoConnectInterrupt(out interruptObject, processor.Top!.Module, serviceRoutine, serviceContext, spinLock, vector, irql,
            synchronizeIrql, interruptMode, shareVector, processorEnableMask, routineName);
    }

    /// <summary>IoDisconnectInterrupt: the ISR is no longer called.</summary>
    /// <remarks>IRQL == PASSIVE_LEVEL.</remarks>
    public static void IoDisconnectInterrupt(KInterrupt interruptObject)
    {
        ArgumentNullException.ThrowIfNull(interruptObject);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DefaultCallNs);
        processor.Machine.KiDisconnectInterrupt(interruptObject);
    }

    /// <summary>
    /// KeSynchronizeExecution: raises to the interrupt's SynchronizeIrql, takes its spin lock, runs
    /// <paramref name="synchronizeRoutine"/>, releases and lowers. The ISR cannot run meanwhile on any processor.
    /// </summary>
    /// <remarks>IRQL &lt;= SynchronizeIrql of the interrupt.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<bool> KeSynchronizeExecution(KInterrupt interrupt, KSynchronizeRoutine synchronizeRoutine, object? synchronizeContext)
    {
        ArgumentNullException.ThrowIfNull(interrupt);
        ArgumentNullException.ThrowIfNull(synchronizeRoutine);
        var old = await KeAcquireInterruptSpinLock(interrupt);
        var result = await synchronizeRoutine(synchronizeContext);
        await KeReleaseInterruptSpinLock(interrupt, old);
        return result;
    }

    /// <summary>KeAcquireInterruptSpinLock: raises to the interrupt's SynchronizeIrql and takes its spin lock; await it for the old IRQL.</summary>
    /// <remarks>IRQL &lt;= SynchronizeIrql.</remarks>
    public static KSpinLockAcquisition KeAcquireInterruptSpinLock(KInterrupt interrupt)
    {
        ArgumentNullException.ThrowIfNull(interrupt);
        var processor = Processor.Current;
        var old = processor.KiRaiseIrql(interrupt.SynchronizeIrql);
        return processor.KiAcquireSpinLock(interrupt.SpinLock, old);
    }

    /// <summary>KeReleaseInterruptSpinLock: releases the interrupt's spin lock and lowers to <paramref name="oldIrql"/>.</summary>
    /// <remarks>IRQL == SynchronizeIrql.</remarks>
    public static KernelYield KeReleaseInterruptSpinLock(KInterrupt interrupt, Irql oldIrql)
    {
        ArgumentNullException.ThrowIfNull(interrupt);
        var processor = Processor.Current;
        processor.KiReleaseSpinLock(interrupt.SpinLock);
        return processor.KiLowerIrql(oldIrql);
    }
}

public sealed partial class Machine
{
    /// <summary>
    /// Interrupt storm detection: unserviced dispatches of a vector allowed per period (WRK's KiISROverflow, 30000).
    /// Set it before the machine runs; a test lowers it to reach HARDWARE_INTERRUPT_STORM quickly.
    /// </summary>
    public int InterruptStormOverflow { get; set; } = 30000;

    /// <summary>Interrupt storm detection: overflowed periods in a row that make a storm (WRK: 64).</summary>
    public int InterruptStormPeriods { get; set; } = 64;

    /// <summary>Interrupt storm detection: the period in clock ticks (WRK: KeTickCount masked with ~0x3F, 64 ticks).</summary>
    public long InterruptStormPeriodTicks { get; set; } = 64;

    /// <summary>
    /// The pin a device model drives its interrupt output on line <paramref name="line"/> with
    /// (each device on a shared line gets its own pin; a level line is asserted while any of them asserts).
    /// </summary>
    /// <param name="line">A configured interrupt line.</param>
    /// <returns>The pin.</returns>
    public IInterruptPin CreateInterruptPin(int line) => InterruptLines.CreatePin(GetInterruptLine(line));

    /// <summary>Injects <paramref name="fault"/> on interrupt line <paramref name="line"/> (a spurious interrupt, a line stuck asserted, or its release).</summary>
    /// <param name="line">A configured interrupt line.</param>
    /// <param name="fault">The fault.</param>
    public void InjectInterruptFault(int line, InterruptFault fault)
    {
        GetInterruptLine(line);
        InterruptController.Tell(new InjectInterruptFault(line, fault));
    }

    /// <summary>
    /// Connects an ISR for <paramref name="module"/> (IoConnectInterrupt's work; callable outside a
    /// routine, e.g. while a test or host sets the machine up).
    /// </summary>
    public NtStatus IoConnectInterrupt(out KInterrupt? interruptObject, KernelModule module, KServiceRoutine serviceRoutine, object? serviceContext,
        KSpinLock? spinLock, int vector, Irql irql, Irql synchronizeIrql, KInterruptMode interruptMode, bool shareVector, ulong processorEnableMask,
        [CallerArgumentExpression(nameof(serviceRoutine))] string routineName = "")
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(serviceRoutine);
        interruptObject = null;
        if ((uint)vector > 255 || synchronizeIrql < irql || irql > Irql.HighLevel)
        {
            return NtStatus.InvalidParameter;
        }
        var ownLock = spinLock;
        if (ownLock is null)
        {
            ownLock = new KSpinLock();
            Wdm.KeInitializeSpinLock(ownLock, $"{Wdm.KiRoutineName(routineName, serviceRoutine.Method.Name)}.InterruptLock");
        }
        var interrupt = new KInterrupt(serviceRoutine, serviceContext, ownLock, vector, irql, synchronizeIrql, interruptMode, shareVector, processorEnableMask,
            module, Wdm.KiRoutineName(routineName, serviceRoutine.Method.Name));
        var status = KiConnectInterrupt(interrupt);
        if (status == NtStatus.Success)
        {
            interruptObject = interrupt;
        }
        return status;
    }
}
