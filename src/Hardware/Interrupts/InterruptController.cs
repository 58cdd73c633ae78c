using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// The interrupt controller (an I/O APIC in spirit): routes each line's requests to one processor of
/// the line's affinity set, preferring the processor at the lowest IRQL (ties go round-robin), and
/// counts what it routed. Delivery never waits for a processor: the processor keeps the request
/// pending until its IRQL drops below the interrupt's.
/// <para>
/// Edge-triggered (latched) lines: each edge (<see cref="RaiseInterruptLine"/>, or
/// <see cref="IInterruptPin.Assert"/> on a pin of the line) is one request. Level-sensitive lines
/// (shareable: asserted while any pin on the line is asserted, or while the line is stuck): the
/// line is delivered when it becomes asserted, is then in service (the I/O APIC's remote IRR) until
/// the processor's <see cref="EndOfInterrupt"/>, and is delivered again at that EOI if it is still
/// asserted. Faults (<see cref="InjectInterruptFault"/>): a spurious request, a line stuck asserted.
/// </para>
/// <para>
/// A device's pin and a processor's end of interrupt change the lines at once, on their own thread
/// (<see cref="InterruptLines"/>: a wire has no mailbox); the messages are for a scenario or a test
/// that raises an edge or injects a fault. Only the requests to processors are messages.
/// </para>
/// </summary>
public sealed class InterruptController : ActorBase
{
    private readonly InterruptLines _lines;

    /// <summary>Creates a controller for <paramref name="lines"/> delivering to the given processors (same order, index = number).</summary>
    /// <param name="lines">Line routing.</param>
    /// <param name="processorRefs">Processor actors, indexed by processor number.</param>
    /// <param name="processors">What the controller may read of each processor (its IRQL).</param>
    public InterruptController(IEnumerable<InterruptLineConfig> lines, IReadOnlyList<IActorRef> processorRefs, IReadOnlyList<IInterruptTarget> processors)
        : this(new InterruptLines(lines, processorRefs, processors))
    {
    }

    /// <summary>The actor of lines made before it (the machine's: its pins exist before the actor does).</summary>
    internal InterruptController(InterruptLines lines)
    {
        _lines = lines;
        lines.Controller = Self;
    }

    /// <summary>Interrupt requests routed so far, all lines (read by statistics).</summary>
    public long Routed => _lines.Routed;

    /// <summary>
    /// Makes the pin a device model drives its interrupt output with, wired to <paramref name="line"/>
    /// (the line's trigger mode decides what the pin does). A pin's changes reach the lines at once.
    /// </summary>
    /// <param name="line">The line's routing (as configured on the controller).</param>
    /// <returns>A new pin; each device on a shared line gets its own.</returns>
    public IInterruptPin CreatePin(InterruptLineConfig line) => _lines.CreatePin(line);

    /// <summary>A snapshot of <paramref name="line"/>'s state (thread-safe; for tests, statistics and the inspection shell).</summary>
    /// <param name="line">The IRQ line.</param>
    /// <returns>The state.</returns>
    public InterruptLineStatus GetLineStatus(int line) => _lines.GetLineStatus(line);

    /// <inheritdoc />
    protected override bool Receive(object message)
    {
        switch (message)
        {
            case RaiseInterruptLine raise:
                _lines.Raise(raise.Line);
                return true;
            case EndOfInterrupt eoi:
                _lines.EndOfInterrupt(eoi.Line, eoi.Mask);
                return true;
            case InjectInterruptFault fault:
                _lines.Inject(fault.Line, fault.Fault);
                return true;
            default:
                throw new InvalidOperationException($"The interrupt controller does not handle {message.GetType().Name}.");
        }
    }
}

/// <summary>A snapshot of one interrupt line.</summary>
/// <param name="Line">The IRQ line.</param>
/// <param name="Trigger">Its trigger mode.</param>
/// <param name="AssertedPins">Pins on it now asserted (level lines).</param>
/// <param name="Stuck">Held asserted by an injected fault.</param>
/// <param name="InService">Delivered and not yet ended by an EOI (level lines).</param>
/// <param name="Masked">Masked (the kernel masks a level line nobody is connected to).</param>
/// <param name="Delivered">Requests routed to processors so far.</param>
/// <param name="SpuriousInjected">Spurious requests injected so far.</param>
public sealed record InterruptLineStatus(int Line, InterruptTrigger Trigger, int AssertedPins, bool Stuck, bool InService, bool Masked, long Delivered,
    long SpuriousInjected);
