namespace ActorKernel.Runtime;

/// <summary>
/// A dispatcher's clock and its delayed deliveries. Virtual nanoseconds on the deterministic
/// dispatcher, scaled wall-clock nanoseconds on the concurrent one; code above never knows which.
/// </summary>
public interface IScheduler
{
    /// <summary>Nanoseconds since the system started, on this dispatcher's clock.</summary>
    long NowNanoseconds { get; }

    /// <summary>The same clock as a <see cref="System.TimeProvider"/>, for code written against the BCL abstraction.</summary>
    TimeProvider TimeProvider { get; }

    /// <summary>Tells <paramref name="message"/> to <paramref name="receiver"/> after <paramref name="delay"/>.</summary>
    ICancelable ScheduleTellOnce(TimeSpan delay, IActorRef receiver, object message, IActorRef? sender);

    /// <summary>Tells <paramref name="message"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, IActorRef receiver, object message, IActorRef? sender);

    /// <summary>Runs <paramref name="action"/> after <paramref name="delay"/> on the scheduler's thread; it must not block.</summary>
    ICancelable ScheduleOnce(TimeSpan delay, Action action);

    /// <summary>The allocation-free form for hot paths: nanosecond delay, no cancellation.</summary>
    void ScheduleTellOnce(long delayNanoseconds, IActorRef receiver, object message, IActorRef? sender);
}

/// <summary>A scheduled thing that can be called off.</summary>
public interface ICancelable
{
    /// <summary>Whether <see cref="Cancel"/> was called.</summary>
    bool IsCancellationRequested { get; }

    /// <summary>Calls it off; a delivery already made is not undone.</summary>
    void Cancel();
}

/// <summary>A plain cancellation flag.</summary>
public sealed class Cancelable : ICancelable
{
    private volatile bool _cancelled;

    /// <inheritdoc />
    public bool IsCancellationRequested => _cancelled;

    /// <inheritdoc />
    public void Cancel() => _cancelled = true;
}
