namespace ActorKernel.Runtime;

/// <summary>
/// The system's publish/subscribe bus for its own events (dead letters, unhandled messages,
/// supervision decisions, errors). A subscriber gets every event assignable to the type it chose.
/// </summary>
public sealed class EventStream
{
    private readonly Lock _gate = new();
    private Subscription[] _subscriptions = [];
    private long _handlerFailures;

    /// <summary>Delivers events of type <typeparamref name="T"/> to <paramref name="subscriber"/> as messages.</summary>
    public IDisposable Subscribe<T>(IActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        return Add(new Subscription(typeof(T), subscriber, null));
    }

    /// <summary>
    /// Calls <paramref name="handler"/> synchronously, on the publishing thread, for each event of
    /// type <typeparamref name="T"/>. The handler must be quick and must not block.
    /// </summary>
    public IDisposable Subscribe<T>(Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new Subscription(typeof(T), null, e => handler((T)e)));
    }

    /// <summary>How many times a handler subscribed with <see cref="Subscribe{T}(Action{T})"/> threw; the exception was dropped.</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    /// <summary>
    /// Publishes <paramref name="event"/> to every matching subscriber, in subscription order. A stopped
    /// subscriber actor is unsubscribed (its events would otherwise become dead letters, published here
    /// again); a handler that throws is counted in <see cref="HandlerFailures"/> and never fails the publisher.
    /// </summary>
    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var type = @event.GetType();
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (!subscription.Type.IsAssignableFrom(type))
            {
                continue;
            }
            if (subscription.Handler is not null)
            {
                try
                {
                    subscription.Handler(@event);
                }
                catch (Exception)
                {
                    // Publishers are actors and the runtime itself: a subscriber's bug must not fail them.
                    Interlocked.Increment(ref _handlerFailures);
                }
            }
            else if (subscription.Subscriber is ActorCell { IsTerminated: true })
            {
                Remove(subscription);
            }
            else
            {
                subscription.Subscriber!.Tell(@event);
            }
        }
    }

    private Unsubscriber Add(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }
        return new Unsubscriber(this, subscription);
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = Array.FindAll(_subscriptions, s => !ReferenceEquals(s, subscription));
        }
    }

    private sealed record Subscription(Type Type, IActorRef? Subscriber, Action<object>? Handler);

    private sealed class Unsubscriber(EventStream stream, Subscription subscription) : IDisposable
    {
        public void Dispose() => stream.Remove(subscription);
    }
}
