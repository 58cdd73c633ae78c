using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// A device's interrupt output wired to one input line of the interrupt controller: each
/// <see cref="Assert"/> is a <see cref="RaiseInterruptLine"/> request. Level semantics (a line that
/// stays asserted until the device deasserts it) belong to the controller; this pin forwards the
/// edge and records the level so a model and a test can see it.
/// </summary>
/// <param name="controller">The interrupt controller actor.</param>
/// <param name="line">The IRQ line.</param>
public sealed class ControllerInterruptPin(IActorRef controller, int line) : IInterruptPin
{
    private int _asserted;

    /// <summary>The IRQ line this pin drives.</summary>
    public int Line { get; } = line;

    /// <summary>Whether the device holds the line asserted now.</summary>
    public bool IsAsserted => Volatile.Read(ref _asserted) != 0;

    /// <summary>How many times the device asserted it.</summary>
    public long Assertions => Interlocked.Read(ref _assertions);

    private long _assertions;

    /// <inheritdoc />
    public void Assert()
    {
        Volatile.Write(ref _asserted, 1);
        Interlocked.Increment(ref _assertions);
        controller.Tell(new RaiseInterruptLine(Line));
    }

    /// <inheritdoc />
    public void Deassert() => Volatile.Write(ref _asserted, 0);
}
