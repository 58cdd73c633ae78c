namespace ActorKernel.Actors;

/// <summary>
/// What the I/O manager needs from the processor that runs the calling routine: its number, its
/// IRQL, and a meter for simulated cost. This is the seam between Io and the processor model (Ke):
/// the Ke processor provides one for the routine it runs; <see cref="InlineIoProcessor"/> stands in
/// where routines run inline (unit tests, tools).
/// </summary>
public interface IIoProcessor
{
    /// <summary>The processor number (KeGetCurrentProcessorNumber).</summary>
    int Number { get; }

    /// <summary>The IRQL of the routine running now (KeGetCurrentIrql).</summary>
    Irql CurrentIrql { get; }

    /// <summary>Sets the IRQL, returning the previous one (KeRaiseIrql / KeLowerIrql without their checks).</summary>
    /// <param name="irql">The new IRQL.</param>
    /// <returns>The IRQL before the change.</returns>
    Irql SwapIrql(Irql irql);

    /// <summary>Charges <paramref name="nanoseconds"/> of simulated time to the running routine.</summary>
    /// <param name="nanoseconds">The cost (positive).</param>
    void Charge(long nanoseconds);
}

/// <summary>
/// A processor for routines that run inline on the calling thread: it keeps an IRQL and a cost
/// counter and never yields. Where the routine runs is whoever called; nothing preempts it.
/// </summary>
/// <param name="number">The processor number it reports.</param>
public sealed class InlineIoProcessor(int number = 0) : IIoProcessor
{
    [ThreadStatic]
    private static IIoProcessor? t_current;

    [ThreadStatic]
    private static InlineIoProcessor? t_fallback;

    // Set by the first Enter in the process (tests): until then no thread has one made current, and Current skips
    // reading t_current (a thread-static read costs a call on Linux; IoCallDriver and completion ask on every IRP).
    private static volatile bool s_entered;

    private Irql _irql;

    /// <summary>
    /// The processor of the running routine: one a test made current on this thread, else the Ke
    /// processor running the routine, else a per-thread inline processor at PASSIVE_LEVEL.
    /// </summary>
    public static IIoProcessor Current => (s_entered ? t_current : null) ?? (IIoProcessor?)KeIoProcessor.CurrentOrNull() ?? (t_fallback ??= new InlineIoProcessor());

    /// <inheritdoc />
    public int Number { get; } = number;

    /// <inheritdoc />
    public Irql CurrentIrql => _irql;

    /// <summary>The simulated nanoseconds charged so far.</summary>
    public long ChargedNanoseconds { get; private set; }

    /// <summary>Makes <paramref name="processor"/> current on this thread until the returned scope is disposed.</summary>
    /// <param name="processor">The processor now running routines on this thread.</param>
    /// <returns>A scope restoring the previous one.</returns>
    public static CurrentProcessorScope Enter(IIoProcessor processor)
    {
        s_entered = true;
        var previous = t_current;
        t_current = processor;
        return new CurrentProcessorScope(previous);
    }

    /// <inheritdoc />
    public Irql SwapIrql(Irql irql)
    {
        var old = _irql;
        _irql = irql;
        return old;
    }

    /// <inheritdoc />
    public void Charge(long nanoseconds) => ChargedNanoseconds += nanoseconds;

    /// <summary>Restores the previously current processor when disposed.</summary>
    public readonly struct CurrentProcessorScope : IDisposable
    {
        private readonly IIoProcessor? _previous;

        internal CurrentProcessorScope(IIoProcessor? previous) => _previous = previous;

        /// <inheritdoc />
        public void Dispose() => t_current = _previous;
    }
}
