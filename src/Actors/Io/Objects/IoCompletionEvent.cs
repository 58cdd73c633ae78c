using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>
/// A notification event for requests issued outside the processor model (tests, tools): it records
/// that the I/O manager signalled it and resumes one awaiter. Inside the processor model a KEVENT
/// with KeWaitForSingleObject is the event to use.
/// </summary>
/// <remarks>The awaiter resumes on the thread and at the IRQL of whoever calls <see cref="Set"/>.</remarks>
public sealed class IoCompletionEvent : IIoEvent, INotifyCompletion
{
    private Action? _continuation;

    /// <summary>Whether the event was signalled.</summary>
    public bool IsSignaled { get; private set; }

    /// <inheritdoc />
    public void Set()
    {
        IsSignaled = true;
        var continuation = Interlocked.Exchange(ref _continuation, null);
        continuation?.Invoke();
    }

    /// <summary>Back to non-signalled (KeClearEvent).</summary>
    public void Clear() => IsSignaled = false;

    /// <summary>The awaiter (this event).</summary>
    /// <returns>This event.</returns>
    public IoCompletionEvent GetAwaiter() => this;

    /// <summary>Whether awaiting can continue at once.</summary>
    public bool IsCompleted => IsSignaled;

    /// <summary>Ends the await.</summary>
    public void GetResult()
    {
    }

    /// <inheritdoc />
    public void OnCompleted(Action continuation)
    {
        _continuation = continuation;
        if (IsSignaled)
        {
            Interlocked.Exchange(ref _continuation, null)?.Invoke();
        }
    }
}
