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
internal sealed class InterruptPin : IInterruptPin
{
    private readonly InterruptLines _lines;
    private readonly int _line;
    private readonly bool _level;
    private bool _isAsserted;

    public InterruptPin(InterruptLines lines, InterruptLineConfig line)
    {
        _lines = lines;
        _line = line.Line;
        _level = line.Trigger == InterruptTrigger.Level;
    }

    public void Assert()
    {
        if (!_level)
        {
            _lines.Raise(_line);
            return;
        }
        _lines.SetPin(_line, ref _isAsserted, true);
    }

    public void Deassert()
    {
        if (_level)
        {
            _lines.SetPin(_line, ref _isAsserted, false);
        }
    }
}
