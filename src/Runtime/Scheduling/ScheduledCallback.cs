namespace ActorKernel.Runtime;

/// <summary>
/// A callback timer and its own cancellation handle in one object. Cancelling drops the reference to
/// the state at once, so a cancelled timer (an answered Ask, typically) keeps nothing alive while its
/// entry waits in the queue for its due time; and it runs at most once, whichever thread gets there first.
/// </summary>
internal sealed class ScheduledCallback(Action<object> callback, object state, TimerQueueScheduler owner) : ICancelable
{
    private readonly Action<object> _callback = callback;
    private object? _state = state;
    private int _cancelled;

    /// <inheritdoc />
    public bool IsCancellationRequested => Volatile.Read(ref _cancelled) != 0;

    /// <inheritdoc />
    public void Cancel()
    {
        if (Interlocked.Exchange(ref _cancelled, 1) == 0)
        {
            Volatile.Write(ref _state, null);
            owner.NoteCancelled(); // so the queue can drop such entries long before they are due
        }
    }

    /// <summary>Runs the callback unless it was cancelled or already ran.</summary>
    /// <returns>Whether it ran.</returns>
    public bool TryRun()
    {
        var state = Interlocked.Exchange(ref _state, null);
        if (state is null || IsCancellationRequested)
        {
            return false;
        }
        _callback(state);
        return true;
    }
}
