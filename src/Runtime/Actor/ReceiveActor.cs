namespace ActorKernel.Runtime;

/// <summary>
/// An actor whose behaviour is a list of typed handlers, tried in order (Akka.NET's <c>ReceiveActor</c>).
/// Declare handlers in the constructor; <see cref="Become(Action)"/> swaps in another list.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private List<IHandler> _building = [];
    private IHandler[]? _initial;

    /// <summary>Handles messages of type <typeparamref name="T"/> (optionally only those matching <paramref name="shouldHandle"/>).</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _building.Add(new Handler<T>(handler, shouldHandle));
    }

    /// <summary>Handles every message not handled by an earlier entry.</summary>
    protected void ReceiveAny(Action<object> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _building.Add(new Handler<object>(handler, null));
    }

    /// <summary>Replaces the behaviour with the handlers that <paramref name="configure"/> declares.</summary>
    protected void Become(Action configure) => Context.Become(Build(configure));

    /// <summary>Pushes the handlers that <paramref name="configure"/> declares; <see cref="IActorContext.Unbecome"/> pops them.</summary>
    protected void BecomeStacked(Action configure) => Context.BecomeStacked(Build(configure));

    /// <inheritdoc />
    protected internal sealed override bool Receive(object message)
    {
        _initial ??= [.. _building];
        return Dispatch(_initial, message);
    }

    private Receive Build(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _initial ??= [.. _building];
        var saved = _building;
        _building = [];
        try
        {
            configure();
            IHandler[] handlers = [.. _building];
            return message => Dispatch(handlers, message);
        }
        finally
        {
            _building = saved;
        }
    }

    private static bool Dispatch(IHandler[] handlers, object message)
    {
        foreach (var handler in handlers)
        {
            if (handler.TryHandle(message))
            {
                return true;
            }
        }
        return false;
    }

    private interface IHandler
    {
        bool TryHandle(object message);
    }

    private sealed class Handler<T>(Action<T> action, Predicate<T>? shouldHandle) : IHandler
    {
        public bool TryHandle(object message)
        {
            if (message is T typed && (shouldHandle is null || shouldHandle(typed)))
            {
                action(typed);
                return true;
            }
            return false;
        }
    }
}
