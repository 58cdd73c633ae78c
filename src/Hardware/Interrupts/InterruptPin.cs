namespace ActorKernel.Hardware;

/// <summary>
/// A device's output pin wired to one line of the interrupt controller (what
/// <see cref="InterruptController.CreatePin"/> hands a device model). On a level-sensitive line the
/// pin remembers its state and tells the controller only of changes, so a line shared by several
/// devices stays asserted while any of them asserts; on an edge-triggered line every
/// <see cref="Assert"/> is one request and <see cref="Deassert"/> does nothing. Callable from any
/// thread (a register handler on a processor, the device's own actor): the state changes under the
/// controller's lines' lock, which keeps the pin's changes in the order they happened.
/// </summary>
internal sealed class InterruptPin(InterruptLines lines, InterruptLineConfig line) : IInterruptPin
{
    private readonly int _line = line.Line;
    private bool _isAsserted; // a level line's pin state, changed by the lines under their lock

    public void Assert() => lines.SetPin(_line, ref _isAsserted, true);

    public void Deassert() => lines.SetPin(_line, ref _isAsserted, false);
}
