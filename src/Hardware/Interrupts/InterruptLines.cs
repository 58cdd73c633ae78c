using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// The interrupt controller's lines (an I/O APIC's redirection table and its remote IRR bits): what a
/// pin, an end of interrupt or a fault changes, applied at once under one lock from any thread (a
/// device's wire and a processor's EOI write reach the controller with no delay), and the requests it
/// routes as messages to the processors. <see cref="InterruptController"/> is its actor, for what
/// comes as messages (an edge raised by a scenario, an injected fault).
/// </summary>
internal sealed class InterruptLines
{
    private readonly Lock _lock = new();
    private readonly LineState?[] _lines;
    private readonly IActorRef[] _processorRefs;
    private readonly IInterruptTarget[] _processors;
    private long _routed;

    public InterruptLines(IEnumerable<InterruptLineConfig> lines, IReadOnlyList<IActorRef> processorRefs, IReadOnlyList<IInterruptTarget> processors)
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

    /// <summary>The controller's actor: the sender of the requests it routes (none until it starts).</summary>
    public IActorRef? Controller { get; set; }

    /// <summary>Interrupt requests routed so far, all lines.</summary>
    public long Routed => Interlocked.Read(ref _routed);

    /// <summary>A new pin on <paramref name="line"/>; each device on a shared line gets its own.</summary>
    public IInterruptPin CreatePin(InterruptLineConfig line)
    {
        ArgumentNullException.ThrowIfNull(line);
        Find(line.Line); // a pin on a line the controller does not have would fail at its first change
        return new InterruptPin(this, line);
    }

    /// <summary>One edge on <paramref name="line"/> (<see cref="RaiseInterruptLine"/>).</summary>
    public void Raise(int line)
    {
        lock (_lock)
        {
            Edge(Find(line));
        }
    }

    /// <summary>
    /// A pin of <paramref name="line"/> drives <paramref name="asserted"/>. On an edge line every assertion
    /// is one request and a deassertion nothing; on a level line the asserted pins are counted, and a pin
    /// counts only when its state (<paramref name="pinAsserted"/>, which only this changes) differs. Under
    /// the lines' lock, so one pin's changes keep the order they happened in, from any thread.
    /// </summary>
    public void SetPin(int line, ref bool pinAsserted, bool asserted)
    {
        lock (_lock)
        {
            var state = Find(line);
            if (state.Config.Trigger == InterruptTrigger.Edge)
            {
                if (asserted)
                {
                    Edge(state);
                }
                return;
            }
            if (pinAsserted == asserted)
            {
                return;
            }
            pinAsserted = asserted;
            state.AssertedPins += asserted ? 1 : -1;
            if (state.AssertedPins < 0)
            {
                throw new InvalidOperationException($"Interrupt line {state.Config.Line}: more deassertions than assertions.");
            }
            UpdateLevel(state);
        }
    }

    /// <summary>The end of interrupt of <paramref name="line"/>: delivered again if still asserted; <paramref name="mask"/> masks it.</summary>
    public void EndOfInterrupt(int line, bool mask)
    {
        lock (_lock)
        {
            EndOfInterrupt(Find(line), mask);
        }
    }

    /// <summary>Applies an injected fault.</summary>
    public void Inject(int line, InterruptFault fault)
    {
        lock (_lock)
        {
            Inject(Find(line), fault);
        }
    }

    /// <summary>A snapshot of <paramref name="line"/>'s state.</summary>
    public InterruptLineStatus GetLineStatus(int line)
    {
        var state = Find(line);
        lock (_lock)
        {
            return new InterruptLineStatus(line, state.Config.Trigger, state.AssertedPins, state.Stuck, state.InService, state.Masked,
                state.Count, state.Spurious);
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
        _processorRefs[best].Tell(state.Request, Controller);
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
