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
/// </summary>
public sealed class InterruptController : ActorBase
{
    private readonly Lock _lock = new();
    private readonly LineState?[] _lines;
    private readonly IActorRef[] _processorRefs;
    private readonly IInterruptTarget[] _processors;
    private long _routed;

    /// <summary>Creates a controller for <paramref name="lines"/> delivering to the given processors (same order, index = number).</summary>
    /// <param name="lines">Line routing.</param>
    /// <param name="processorRefs">Processor actors, indexed by processor number.</param>
    /// <param name="processors">What the controller may read of each processor (its IRQL).</param>
    public InterruptController(IEnumerable<InterruptLineConfig> lines, IReadOnlyList<IActorRef> processorRefs, IReadOnlyList<IInterruptTarget> processors)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(processorRefs);
        ArgumentNullException.ThrowIfNull(processors);
        _processorRefs = [.. processorRefs];
        _processors = [.. processors];
        var configs = lines.ToList();
        _lines = new LineState?[configs.Count == 0 ? 0 : configs.Max(l => l.Line) + 1];
        foreach (var config in configs)
        {
            var mask = config.Affinity == 0 ? AllProcessors(_processors.Length) : config.Affinity & AllProcessors(_processors.Length);
            if (mask == 0)
            {
                throw new ArgumentException($"Interrupt line {config.Line} has an affinity 0x{config.Affinity:x} with none of the {_processors.Length} processors.", nameof(lines));
            }
            _lines[config.Line] = new LineState(config, mask, new InterruptRequest(config.Line, config.Vector, config.Irql, config.Trigger));
        }
    }

    /// <summary>Interrupt requests routed so far, all lines (read by statistics).</summary>
    public long Routed => Interlocked.Read(ref _routed);

    /// <summary>
    /// Makes the pin a device model drives its interrupt output with, wired to <paramref name="line"/>
    /// of the controller <paramref name="controller"/> (the line's trigger mode decides what the pin sends).
    /// </summary>
    /// <param name="controller">The controller actor.</param>
    /// <param name="line">The line's routing (as configured on the controller).</param>
    /// <returns>A new pin; each device on a shared line gets its own.</returns>
    public static IInterruptPin CreatePin(IActorRef controller, InterruptLineConfig line)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(line);
        return new InterruptPin(controller, line);
    }

    /// <summary>A snapshot of <paramref name="line"/>'s state (thread-safe; for tests, statistics and the inspection shell).</summary>
    /// <param name="line">The IRQ line.</param>
    /// <returns>The state.</returns>
    public InterruptLineStatus GetLineStatus(int line)
    {
        var state = Find(line);
        lock (_lock)
        {
            return new InterruptLineStatus(line, state.Config.Trigger, state.AssertedPins, state.Stuck, state.InService, state.Masked,
                state.Count, state.Spurious);
        }
    }

    /// <inheritdoc />
    protected override bool Receive(object message)
    {
        lock (_lock)
        {
            switch (message)
            {
                case RaiseInterruptLine raise:
                    Edge(Find(raise.Line));
                    return true;
                case InterruptPinChanged pin:
                    PinChanged(Find(pin.Line), pin.Asserted);
                    return true;
                case EndOfInterrupt eoi:
                    EndOfInterrupt(Find(eoi.Line), eoi.Mask);
                    return true;
                case InjectInterruptFault fault:
                    Inject(Find(fault.Line), fault.Fault);
                    return true;
                default:
                    throw new InvalidOperationException($"The interrupt controller does not handle {message.GetType().Name}.");
            }
        }
    }

    private LineState Find(int line) =>
        ((uint)line < (uint)_lines.Length ? _lines[line] : null) ?? throw new InvalidOperationException($"Interrupt line {line} is not configured on this controller.");

    /// <summary>One request: an edge, or on a level line a pulse that is merged while the line is in service.</summary>
    private void Edge(LineState state)
    {
        if (state.Config.Trigger == InterruptTrigger.Level)
        {
            if (state.InService || state.Masked)
            {
                return; // the remote IRR is set: the request merges with the one being serviced
            }
            state.InService = true;
        }
        else if (state.Masked)
        {
            return;
        }
        Route(state);
    }

    private void PinChanged(LineState state, bool asserted)
    {
        if (state.Config.Trigger == InterruptTrigger.Edge)
        {
            if (asserted)
            {
                Edge(state);
            }
            return;
        }
        state.AssertedPins += asserted ? 1 : -1;
        if (state.AssertedPins < 0)
        {
            throw new InvalidOperationException($"Interrupt line {state.Config.Line}: more deassertions than assertions.");
        }
        UpdateLevel(state);
    }

    private void EndOfInterrupt(LineState state, bool mask)
    {
        state.InService = false;
        state.Masked |= mask;
        if (state.Config.Trigger == InterruptTrigger.Level)
        {
            UpdateLevel(state); // still asserted after the EOI: delivered again
        }
    }

    private void Inject(LineState state, InterruptFault fault)
    {
        switch (fault)
        {
            case InterruptFault.Spurious:
                state.Spurious++;
                Edge(state);
                break;
            case InterruptFault.StuckAsserted:
                var wasStuck = state.Stuck;
                state.Stuck = true;
                if (state.Config.Trigger == InterruptTrigger.Level)
                {
                    UpdateLevel(state);
                }
                else if (!wasStuck)
                {
                    Edge(state); // the one rising edge; a line held high makes no more
                }
                break;
            case InterruptFault.Release:
                state.Stuck = false;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, "Unknown interrupt fault.");
        }
    }

    /// <summary>A level line requests service while asserted and not already in service (and not masked).</summary>
    private void UpdateLevel(LineState state)
    {
        if ((state.AssertedPins > 0 || state.Stuck) && !state.InService && !state.Masked)
        {
            state.InService = true;
            Route(state);
        }
    }

    private void Route(LineState state)
    {
        // Lowest-priority delivery: the processor at the lowest IRQL, starting the scan after the last target (round-robin ties).
        var best = -1;
        var bestIrql = int.MaxValue;
        var n = _processors.Length;
        for (var i = 1; i <= n; i++)
        {
            var candidate = (state.LastTarget + i) % n;
            if ((state.Mask & (1UL << candidate)) == 0)
            {
                continue;
            }
            var irql = _processors[candidate].CurrentIrql;
            if (irql < bestIrql)
            {
                best = candidate;
                bestIrql = irql;
            }
        }
        state.LastTarget = best;
        state.Count++;
        Interlocked.Increment(ref _routed);
        _processorRefs[best].Tell(state.Request, Self);
    }

    private static ulong AllProcessors(int count) => count >= 64 ? ulong.MaxValue : (1UL << count) - 1;

    private sealed class LineState(InterruptLineConfig config, ulong mask, InterruptRequest request)
    {
        public InterruptLineConfig Config { get; } = config;

        public ulong Mask { get; } = mask;

        // Pre-built so that routing allocates nothing.
        public InterruptRequest Request { get; } = request;

        public int LastTarget { get; set; } = -1;

        public long Count { get; set; }

        public long Spurious { get; set; }

        /// <summary>Pins on the line now asserted (level lines).</summary>
        public int AssertedPins { get; set; }

        public bool Stuck { get; set; }

        /// <summary>Delivered and not yet ended by an EOI (level lines; the I/O APIC's remote IRR).</summary>
        public bool InService { get; set; }

        public bool Masked { get; set; }
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
