using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// A device's output pin wired to one line of the interrupt controller (what
/// <see cref="InterruptController.CreatePin"/> hands a device model). On a level-sensitive line the
/// pin remembers its state and tells the controller only of changes, so a line shared by several
/// devices stays asserted while any of them asserts; on an edge-triggered line every
/// <see cref="Assert"/> is one request and <see cref="Deassert"/> does nothing. Callable from any
/// thread (a register handler on a processor, the device's own actor): the lock keeps the pin's
/// changes in the order they happened.
/// </summary>
internal sealed class InterruptPin : IInterruptPin
{
    private readonly Lock _lock = new();
    private readonly IActorRef _controller;
    private readonly bool _level;
    private readonly RaiseInterruptLine _edge;
    private readonly InterruptPinChanged _asserted;
    private readonly InterruptPinChanged _deasserted;
    private bool _isAsserted;

    public InterruptPin(IActorRef controller, InterruptLineConfig line)
    {
        _controller = controller;
        _level = line.Trigger == InterruptTrigger.Level;
        _edge = new RaiseInterruptLine(line.Line);
        _asserted = new InterruptPinChanged(line.Line, true);
        _deasserted = new InterruptPinChanged(line.Line, false);
    }

    public void Assert()
    {
        if (!_level)
        {
            _controller.Tell(_edge);
            return;
        }
        lock (_lock)
        {
            if (!_isAsserted)
            {
                _isAsserted = true;
                _controller.Tell(_asserted);
            }
        }
    }

    public void Deassert()
    {
        if (!_level)
        {
            return;
        }
        lock (_lock)
        {
            if (_isAsserted)
            {
                _isAsserted = false;
                _controller.Tell(_deasserted);
            }
        }
    }
}
