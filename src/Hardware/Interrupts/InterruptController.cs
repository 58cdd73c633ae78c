using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// The interrupt controller (an I/O APIC in spirit): routes each raised line to one processor of the
/// line's affinity set, preferring the processor at the lowest IRQL (ties go round-robin), and
/// counts what it routed. Delivery never waits for a processor: the processor keeps the request
/// pending until its IRQL drops below the interrupt's.
/// </summary>
public sealed class InterruptController : ActorBase
{
    private readonly LineState?[] _lines;
    private readonly IActorRef[] _processorRefs;
    private readonly IInterruptTarget[] _processors;

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
            _lines[config.Line] = new LineState(config, mask, new InterruptRequest(config.Line, config.Vector, config.Irql));
        }
    }

    /// <summary>Interrupt requests routed so far, all lines (read by statistics).</summary>
    public long Routed { get; private set; }

    /// <inheritdoc />
    protected override bool Receive(object message)
    {
        switch (message)
        {
            case RaiseInterruptLine raise:
                Route(raise.Line);
                return true;
            default:
                throw new InvalidOperationException($"The interrupt controller does not handle {message.GetType().Name}.");
        }
    }

    private void Route(int line)
    {
        var state = (uint)line < (uint)_lines.Length ? _lines[line] : null;
        if (state is null)
        {
            throw new InvalidOperationException($"Interrupt line {line} is not configured on this controller.");
        }
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
        Routed++;
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
    }
}
