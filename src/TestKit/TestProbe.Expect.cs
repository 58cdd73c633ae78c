namespace ActorKernel.TestKit;

public sealed partial class TestProbe
{
    // Set while a Within block runs: expectations inside it wait no later than this (dispatcher ns).
    private long? _withinDeadline;

    /// <summary>Takes the next message and checks that it is a <typeparamref name="T"/> (matching <paramref name="predicate"/> when given).</summary>
    /// <param name="predicate">An extra condition on the message, or null.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ExpectationFailedException">Nothing came in time, or what came does not match.</exception>
    public T ExpectMsg<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null)
    {
        var what = predicate is null ? $"message of type {typeof(T).Name}" : $"message of type {typeof(T).Name} matching the predicate";
        var (message, sender) = ReceiveOne(what, timeout);
        if (message is T typed && (predicate is null || predicate(typed)))
        {
            return typed;
        }
        throw new ExpectationFailedException($"Probe {Ref.Path} expected {what}, got {Describe(message)} from {sender.Path}.");
    }

    /// <summary>Takes the next message and checks that it equals <paramref name="expected"/>.</summary>
    /// <param name="expected">The message expected (compared with <see cref="object.Equals(object, object)"/>).</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ExpectationFailedException">Nothing came in time, or something else came.</exception>
    public T ExpectMsg<T>(T expected, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var what = $"message {Describe(expected)}";
        var (message, sender) = ReceiveOne(what, timeout);
        if (message is T typed && Equals(typed, expected))
        {
            return typed;
        }
        throw new ExpectationFailedException($"Probe {Ref.Path} expected {what}, got {Describe(message)} from {sender.Path}.");
    }

    /// <summary>Checks that no message arrives for <paramref name="duration"/> (dispatcher time).</summary>
    /// <exception cref="ExpectationFailedException">A message arrived.</exception>
    public void ExpectNoMsg(TimeSpan duration)
    {
        var wait = Cap(duration);
        if (_waiter.WaitUntil(() => MessageCount > 0, wait, _gate))
        {
            TryTake(out var message, out var sender);
            throw new ExpectationFailedException(
                $"Probe {Ref.Path} expected no message for {SystemWaiter.Format(wait)} ({_waiter.ClockNote}), got {Describe(message)} from {sender.Path}.");
        }
    }

    /// <summary>Skips messages until one is a <typeparamref name="T"/> matching <paramref name="predicate"/>, within <paramref name="timeout"/> in all.</summary>
    /// <returns>The first matching message; the ones before it are dropped.</returns>
    /// <exception cref="ExpectationFailedException">No matching message came in time.</exception>
    public T FishForMessage<T>(Func<T, bool> predicate, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var total = Cap(timeout ?? DefaultTimeout);
        var deadline = _waiter.NowNanoseconds + SystemWaiter.ToNanoseconds(total);
        var skipped = new List<object>();
        while (true)
        {
            var remaining = TimeSpan.FromTicks(Math.Max(0, deadline - _waiter.NowNanoseconds) / 100);
            if (!_waiter.WaitUntil(() => MessageCount > 0, remaining, _gate) || !TryTake(out var message, out _))
            {
                throw new ExpectationFailedException(
                    $"Probe {Ref.Path} fished for a message of type {typeof(T).Name} matching the predicate within {SystemWaiter.Format(total)} ({_waiter.ClockNote}) and caught none; skipped {skipped.Count}: [{string.Join(", ", skipped.Select(Describe))}].");
            }
            if (message is T typed && predicate(typed))
            {
                return typed;
            }
            skipped.Add(message);
        }
    }

    /// <summary>Takes the next <paramref name="n"/> messages, whatever they are, within <paramref name="timeout"/> in all.</summary>
    /// <returns>The messages in arrival order.</returns>
    /// <exception cref="ExpectationFailedException">Fewer than <paramref name="n"/> came in time.</exception>
    public IReadOnlyList<object> ReceiveN(int n, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var total = Cap(timeout ?? DefaultTimeout);
        var received = new List<object>(n);
        var deadline = _waiter.NowNanoseconds + SystemWaiter.ToNanoseconds(total);
        while (received.Count < n)
        {
            if (TryTake(out var message, out _))
            {
                received.Add(message);
                continue;
            }
            var remaining = TimeSpan.FromTicks(Math.Max(0, deadline - _waiter.NowNanoseconds) / 100);
            if (!_waiter.WaitUntil(() => MessageCount > 0, remaining, _gate))
            {
                throw new ExpectationFailedException(
                    $"Probe {Ref.Path} expected {n} messages within {SystemWaiter.Format(total)} ({_waiter.ClockNote}), got {received.Count}: [{string.Join(", ", received.Select(Describe))}].");
            }
        }
        return received;
    }

    /// <summary>Takes the next message and checks that it is the <see cref="Terminated"/> of <paramref name="actor"/> (after <see cref="Watch"/>).</summary>
    /// <exception cref="ExpectationFailedException">Nothing came in time, or something else came.</exception>
    public Terminated ExpectTerminated(IActorRef actor, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var what = $"Terminated of {actor.Path}";
        var (message, sender) = ReceiveOne(what, timeout);
        if (message is Terminated terminated && ReferenceEquals(terminated.ActorRef, actor))
        {
            return terminated;
        }
        throw new ExpectationFailedException($"Probe {Ref.Path} expected {what}, got {Describe(message)} from {sender.Path}.");
    }

    /// <summary>
    /// Runs <paramref name="action"/> and checks that it took at least <paramref name="min"/> and at most
    /// <paramref name="max"/> of dispatcher time; expectations inside wait no longer than what is left of <paramref name="max"/>.
    /// </summary>
    /// <exception cref="ExpectationFailedException">The block was too fast or too slow.</exception>
    public void Within(TimeSpan min, TimeSpan max, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Within(min, max, () =>
        {
            action();
            return true;
        });
    }

    /// <summary>As <see cref="Within(TimeSpan, TimeSpan, Action)"/>, returning what <paramref name="action"/> returns.</summary>
    /// <exception cref="ExpectationFailedException">The block was too fast or too slow.</exception>
    public T Within<T>(TimeSpan min, TimeSpan max, Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(min, max);
        var start = _waiter.NowNanoseconds;
        var outer = _withinDeadline;
        var deadline = start + SystemWaiter.ToNanoseconds(max);
        _withinDeadline = outer is { } o && o < deadline ? o : deadline;
        T result;
        try
        {
            result = action();
        }
        finally
        {
            _withinDeadline = outer;
        }
        var elapsed = _waiter.NowNanoseconds - start;
        if (elapsed < SystemWaiter.ToNanoseconds(min) || elapsed > SystemWaiter.ToNanoseconds(max))
        {
            throw new ExpectationFailedException(
                $"Block took {SystemWaiter.FormatNanoseconds(elapsed)} ({_waiter.ClockNote}), expected between {SystemWaiter.Format(min)} and {SystemWaiter.Format(max)}.");
        }
        return result;
    }

    private (object Message, IActorRef Sender) ReceiveOne(string what, TimeSpan? timeout)
    {
        var wait = Cap(timeout ?? DefaultTimeout);
        if (TryTake(out var message, out var sender)
            || (_waiter.WaitUntil(() => MessageCount > 0, wait, _gate) && TryTake(out message, out sender)))
        {
            return (message, sender);
        }
        throw new ExpectationFailedException($"Probe {Ref.Path} expected {what} within {SystemWaiter.Format(wait)} ({_waiter.ClockNote}), got nothing.");
    }

    /// <summary>Shortens a wait to what is left of the enclosing Within block.</summary>
    private TimeSpan Cap(TimeSpan timeout)
    {
        if (_withinDeadline is not { } deadline)
        {
            return timeout;
        }
        var left = TimeSpan.FromTicks(Math.Max(0, deadline - _waiter.NowNanoseconds) / 100);
        return left < timeout ? left : timeout;
    }

    private static string Describe(object? message) => message switch
    {
        null => "null",
        string s => $"\"{s}\" (String)",
        _ when message.GetType().IsPrimitive || message.GetType().IsEnum => $"{message} ({message.GetType().Name})",
        _ => message.ToString() is { } text && text != message.GetType().FullName ? $"{text} ({message.GetType().Name})" : message.GetType().Name,
    };
}
