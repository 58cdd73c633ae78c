namespace ActorKernel.Hardware;

/// <summary>
/// How one interrupt line (an IRQ input of the interrupt controller) is routed: the vector the
/// processor sees, the device IRQL (DIRQL) it is taken at, and the processors it may go to.
/// </summary>
/// <param name="Line">The IRQ line number devices raise.</param>
/// <param name="Vector">The interrupt vector the kernel connects ISRs to (IoConnectInterrupt's Vector).</param>
/// <param name="Irql">The IRQL the interrupt is taken at (3..12 for devices, 13 for the clock).</param>
/// <param name="Affinity">Bit mask of processors the interrupt may be delivered to; 0 means all.</param>
public sealed record InterruptLineConfig(int Line, int Vector, byte Irql, ulong Affinity = 0);

/// <summary>A device asks the interrupt controller to raise (assert) <paramref name="Line"/>: one interrupt request.</summary>
/// <param name="Line">The IRQ line.</param>
public sealed record RaiseInterruptLine(int Line);

/// <summary>
/// The interrupt controller delivers an interrupt to a processor. The processor keeps it pending
/// until its IRQL is below <paramref name="Irql"/>, then dispatches the ISRs connected to
/// <paramref name="Vector"/>.
/// </summary>
/// <param name="Line">The IRQ line that was raised.</param>
/// <param name="Vector">The vector of that line.</param>
/// <param name="Irql">The IRQL to take it at.</param>
public sealed record InterruptRequest(int Line, int Vector, byte Irql);

/// <summary>
/// What the interrupt controller can see of a processor: its number and current IRQL (read without
/// locking; a stale value only changes which processor of the affinity set gets the interrupt).
/// </summary>
public interface IInterruptTarget
{
    /// <summary>The processor number (0-based).</summary>
    int Number { get; }

    /// <summary>The processor's current IRQL.</summary>
    byte CurrentIrql { get; }
}
