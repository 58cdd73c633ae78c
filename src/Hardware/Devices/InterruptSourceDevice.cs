using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// A device that raises its line at random intervals, uniformly drawn in
/// [<c>minIntervalNs</c>, <c>maxIntervalNs</c>] from a seeded generator, so a deterministic run
/// sees the same interrupt train for the same seed. Stands for a NIC or disk with bursty completions.
/// </summary>
public sealed class InterruptSourceDevice : ActorBase
{
    private static readonly object Fire = new FireMessage();
    private readonly IActorRef _controller;
    private readonly RaiseInterruptLine _raise;
    private readonly long _minNs;
    private readonly long _maxNs;
    private readonly DeterministicRandom _random;
    private bool _running;

    /// <summary>Creates the source.</summary>
    /// <param name="controller">The interrupt controller.</param>
    /// <param name="line">The line it raises.</param>
    /// <param name="minIntervalNs">Shortest gap between interrupts.</param>
    /// <param name="maxIntervalNs">Longest gap between interrupts.</param>
    /// <param name="random">Its own generator (derive it from the run's root seed).</param>
    public InterruptSourceDevice(IActorRef controller, int line, long minIntervalNs, long maxIntervalNs, DeterministicRandom random)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minIntervalNs);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIntervalNs, minIntervalNs);
        _controller = controller;
        _raise = new RaiseInterruptLine(line);
        _minNs = minIntervalNs;
        _maxNs = maxIntervalNs;
        _random = random;
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
                    ScheduleNext();
                }
                return true;
            case DeviceStop:
                _running = false;
                return true;
            case FireMessage:
                if (_running)
                {
                    _controller.Tell(_raise, Self);
                    ScheduleNext();
                }
                return true;
            default:
                throw new InvalidOperationException($"The interrupt source does not handle {message.GetType().Name}.");
        }
    }

    private void ScheduleNext() =>
        Context.System.Scheduler.ScheduleTellOnce(_random.NextInt64(_minNs, _maxNs + 1), Self, Fire, Self);

    private sealed class FireMessage;
}
