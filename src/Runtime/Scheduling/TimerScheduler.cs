namespace ActorKernel.Runtime;

/// <summary>
/// An actor's own timers, by key (Akka.NET's <c>ITimerScheduler</c>). Starting a key again replaces
/// its timer; a timer's message that arrives after a cancel or replacement is dropped; all timers
/// are cancelled when the actor stops or restarts.
/// </summary>
public interface ITimerScheduler
{
    /// <summary>Delivers <paramref name="message"/> once after <paramref name="delay"/>.</summary>
    void StartSingleTimer(object key, object message, TimeSpan delay);

    /// <summary>Delivers <paramref name="message"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    /// <summary>Whether the timer <paramref name="key"/> is running.</summary>
    bool IsTimerActive(object key);

    /// <summary>Cancels the timer <paramref name="key"/>; its pending message will not be delivered.</summary>
    void Cancel(object key);

    /// <summary>Cancels every timer.</summary>
    void CancelAll();
}

/// <remarks>Touched only from its actor's own turn, so it needs no locks.</remarks>
internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, ActiveTimer> _timers = [];
    private int _generation;

    public void StartSingleTimer(object key, object message, TimeSpan delay) => Start(key, message, delay, null);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "A periodic timer needs a positive interval.");
        }
        Start(key, message, initialDelay, interval);
    }

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var timer))
        {
            timer.Handle.Cancel();
        }
    }

    public void CancelAll()
    {
        foreach (var timer in _timers.Values)
        {
            timer.Handle.Cancel();
        }
        _timers.Clear();
    }

    /// <summary>Unwraps a timer message still current; null when it was cancelled or replaced meanwhile.</summary>
    internal object? Accept(TimerMessage message)
    {
        if (!_timers.TryGetValue(message.Key, out var timer) || timer.Generation != message.Generation)
        {
            return null;
        }
        if (!timer.Periodic)
        {
            _timers.Remove(message.Key);
        }
        return message.Message;
    }

    private void Start(object key, object message, TimeSpan delay, TimeSpan? interval)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        Cancel(key);
        var tagged = new TimerMessage(key, message, ++_generation, this);
        var scheduler = cell.System.Scheduler;
        var handle = interval is { } every
            ? scheduler.ScheduleTellRepeatedly(delay, every, cell, tagged, cell)
            : scheduler.ScheduleTellOnce(delay, cell, tagged, cell);
        _timers[key] = new ActiveTimer(tagged.Generation, handle, interval is not null);
    }

    private readonly record struct ActiveTimer(int Generation, ICancelable Handle, bool Periodic);
}
