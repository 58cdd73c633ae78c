namespace ActorKernel.Hardware;

/// <summary>How an interrupt line signals (the I/O APIC redirection entry's trigger mode).</summary>
public enum InterruptTrigger
{
    /// <summary>Edge-triggered (WDM <c>Latched</c>): each assertion is one interrupt request, latched by the controller.</summary>
    Edge = 0,

    /// <summary>
    /// Level-sensitive (WDM <c>LevelSensitive</c>): the line requests service while any device on it
    /// asserts; after the end of interrupt the controller delivers it again if it is still asserted.
    /// </summary>
    Level = 1,
}

/// <summary>A fault a test or a scenario injects on an interrupt line.</summary>
public enum InterruptFault
{
    /// <summary>One interrupt request with no device asserting (a glitch on the line).</summary>
    Spurious = 0,

    /// <summary>The line is held asserted whatever the devices do (a level line then never stops requesting service).</summary>
    StuckAsserted = 1,

    /// <summary>Clears <see cref="StuckAsserted"/>: the line follows its devices again.</summary>
    Release = 2,
}

/// <summary>
/// How one interrupt line (an IRQ input of the interrupt controller) is routed: the vector the
/// processor sees, the device IRQL (DIRQL) it is taken at, the processors it may go to and its trigger mode.
/// </summary>
/// <param name="Line">The IRQ line number devices raise.</param>
/// <param name="Vector">The interrupt vector the kernel connects ISRs to (IoConnectInterrupt's Vector).</param>
/// <param name="Irql">The IRQL the interrupt is taken at (3..12 for devices, 13 for the clock).</param>
/// <param name="Affinity">Bit mask of processors the interrupt may be delivered to; 0 means all.</param>
/// <param name="Trigger">Edge-triggered (latched, the default) or level-sensitive.</param>
public sealed record InterruptLineConfig(int Line, int Vector, byte Irql, ulong Affinity = 0, InterruptTrigger Trigger = InterruptTrigger.Edge);

/// <summary>A device asks the interrupt controller for one interrupt request on <paramref name="Line"/> (one edge).</summary>
/// <param name="Line">The IRQ line.</param>
public sealed record RaiseInterruptLine(int Line);

/// <summary>
/// The end of interrupt (EOI) of a level-sensitive line, as a message (a controller driven without the
/// kernel, as in a test; the kernel's processors end it at once): the controller delivers the line again
/// if it is still asserted. <paramref name="Mask"/> masks the line (the kernel does so for a vector
/// nobody is connected to).
/// </summary>
/// <param name="Line">The IRQ line.</param>
/// <param name="Mask">Mask the line from now on.</param>
public sealed record EndOfInterrupt(int Line, bool Mask = false);

/// <summary>Injects <paramref name="Fault"/> on <paramref name="Line"/> (from a test or a scenario).</summary>
/// <param name="Line">The IRQ line.</param>
/// <param name="Fault">The fault.</param>
public sealed record InjectInterruptFault(int Line, InterruptFault Fault);

/// <summary>
/// The interrupt controller delivers an interrupt to a processor. The processor keeps it pending
/// until its IRQL is below <paramref name="Irql"/>, then dispatches the ISRs connected to
/// <paramref name="Vector"/>; for a level-sensitive line it ends the interrupt when done (the EOI reaches the lines at once).
/// </summary>
/// <param name="Line">The IRQ line that was raised.</param>
/// <param name="Vector">The vector of that line.</param>
/// <param name="Irql">The IRQL to take it at.</param>
/// <param name="Trigger">The line's trigger mode.</param>
public sealed record InterruptRequest(int Line, int Vector, byte Irql, InterruptTrigger Trigger = InterruptTrigger.Edge);

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
