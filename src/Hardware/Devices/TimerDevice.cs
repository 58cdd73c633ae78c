using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// A programmable interval timer: raises its interrupt line every <c>period</c> nanoseconds of the
/// dispatcher's clock once started. The machine's clock interrupt is one of these on a line at
/// CLOCK_LEVEL; sample drivers use others at a DIRQL.
/// </summary>
public sealed class TimerDevice : ActorBase
{
    private static readonly object Tick = new TickMessage();
    private readonly IActorRef _controller;
    private readonly RaiseInterruptLine _raise;
    private readonly long _periodNs;
    private bool _running;

    /// <summary>Creates a timer that raises <paramref name="line"/> on <paramref name="controller"/> every <paramref name="periodNs"/>.</summary>
    public TimerDevice(IActorRef controller, int line, long periodNs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodNs);
        _controller = controller;
        _raise = new RaiseInterruptLine(line);
        _periodNs = periodNs;
    }

    /// <inheritdoc />
    protected override bool Receive(object message)
    {
        switch (message)
        {
            case DeviceStart:
                if (!_running)
                {
                    _running = true;
                    Context.System.Scheduler.ScheduleTellOnce(_periodNs, Self, Tick, Self);
                }
                return true;
            case DeviceStop:
                _running = false;
                return true;
            case TickMessage:
                if (_running)
                {
                    _controller.Tell(_raise, Self);
                    Context.System.Scheduler.ScheduleTellOnce(_periodNs, Self, Tick, Self);
                }
                return true;
            default:
                throw new InvalidOperationException($"The timer device does not handle {message.GetType().Name}.");
        }
    }

    private sealed class TickMessage;
}

/// <summary>Starts a device model (it begins raising interrupts).</summary>
public sealed record DeviceStart
{
    /// <summary>The one instance.</summary>
    public static readonly DeviceStart Instance = new();
}

/// <summary>Stops a device model (it raises no further interrupts).</summary>
public sealed record DeviceStop
{
    /// <summary>The one instance.</summary>
    public static readonly DeviceStop Instance = new();
}
