namespace ActorKernel.Runtime;

/// <summary>
/// A callback timer and its own cancellation handle in one object. Cancelling drops the reference to
/// the state at once, so a cancelled timer (an answered Ask, typically) keeps nothing alive while its
/// entry waits in the queue for its due time; and it runs at most once, whichever thread gets there first.
/// </summary>
internal sealed class ScheduledCallback(Action<object> callback, object state) : ICancelable
{
    private readonly Action<object> _callback = callback;
    private object? _state = state;
    private volatile bool _cancelled;

    /// <inheritdoc />
    public bool IsCancellationRequested => _cancelled;

    /// <inheritdoc />
    public void Cancel()
    {
        _cancelled = true;
        Volatile.Write(ref _state, null);
    }

    /// <summary>Runs the callback unless it was cancelled or already ran.</summary>
    /// <returns>Whether it ran.</returns>
    public bool TryRun()
    {
        var state = Interlocked.Exchange(ref _state, null);
        if (state is null || _cancelled)
        {
            return false;
        }
        _callback(state);
        return true;
    }
}
