namespace ActorKernel.Runtime;

/// <summary>Request/response from outside an actor: Ask, and PipeTo to turn a task back into a message.</summary>
public static class AskExtensions
{
    /// <summary>
    /// Sends <paramref name="message"/> with a temporary sender and completes with the first reply.
    /// Faults with <see cref="AskTimeoutException"/> when no reply comes within <paramref name="timeout"/>
    /// (dispatcher time: virtual on the deterministic dispatcher, which must be driven meanwhile),
    /// and with the cause of a <see cref="StatusFailure"/> reply.
    /// </summary>
    /// <remarks>
    /// On the deterministic dispatcher the task's continuations run synchronously on the dispatcher's
    /// thread when the reply or the timeout arrives, so <see cref="PipeTo{T}"/> stays deterministic; such
    /// a continuation must not block or drive the dispatcher. On the concurrent dispatcher they run on
    /// the thread pool; and an Ask from a thread that is not one of the workers, of an idle actor, runs
    /// that actor's turn on the asking thread before it returns (no round trip between cores).
    /// </remarks>
    public static Task<T> Ask<T>(this IActorRef actor, object message, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(message);
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "An Ask needs a positive timeout.");
        }
        var system = actor is ActorCell cell ? cell.System : throw new ArgumentException($"{actor} cannot be asked: it is not an actor of this runtime.", nameof(actor));
        var promise = new PromiseActorRef<T>(actor, message, timeout, system.Deterministic is null);
        // The scheduler's closure-free form; cancelling on reply releases the promise at once.
        promise.Timeout = system.Scheduler is TimerQueueScheduler timers
            ? timers.ScheduleCallbackOnce(checked(timeout.Ticks * 100), static p => ((PromiseActorRef<T>)p).TimeOut(), promise)
            : system.Scheduler.ScheduleOnce(timeout, promise.TimeOut);
        cell.Tell(message, promise, ask: true);
        return promise.Task;
    }

    /// <summary>Tells the task's result (or a <see cref="StatusFailure"/>) to <paramref name="recipient"/> when it completes.</summary>
    public static Task PipeTo<T>(this Task<T> task, IActorRef recipient, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        return task.ContinueWith(
            t => recipient.Tell(t.IsCompletedSuccessfully ? t.Result! : new StatusFailure(t.Exception?.GetBaseException() ?? new TaskCanceledException()), sender),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>The temporary sender of one Ask: the first message completes it.</summary>
    private sealed class PromiseActorRef<T> : IActorRef
    {
        private readonly TaskCompletionSource<T> _completion;
        private readonly IActorRef _target;
        private readonly object _question;
        private readonly TimeSpan _timeout;
        private ActorPath? _path;

        public PromiseActorRef(IActorRef target, object question, TimeSpan timeout, bool continueAsynchronously)
        {
            // Deterministic mode: continuations (PipeTo) run inline on the dispatcher thread, in the turn
            // that replied, never on the thread pool where they would race the dispatcher.
            _completion = new TaskCompletionSource<T>(continueAsynchronously ? TaskCreationOptions.RunContinuationsAsynchronously : TaskCreationOptions.None);
            _target = target;
            _question = question;
            _timeout = timeout;
        }

        // Built only when asked for (logs, dead letters): most Asks never need it.
        public ActorPath Path => _path ??= _target.Path.Child("$ask");

        public Task<T> Task => _completion.Task;

        public ICancelable? Timeout { get; set; }

        public void Tell(object message, IActorRef? sender = null)
        {
            var completed = message switch
            {
                T reply => _completion.TrySetResult(reply),
                StatusFailure failure => _completion.TrySetException(failure.Cause),
                _ => _completion.TrySetException(new InvalidCastException(
                    $"Ask of {_target} with {_question.GetType().Name} expected a reply of type {typeof(T).Name} but got {message.GetType().Name}.")),
            };
            if (completed)
            {
                Timeout?.Cancel();
            }
        }

        public void TimeOut() => _completion.TrySetException(new AskTimeoutException(
            $"Ask timed out on {_target} after {_timeout.TotalMilliseconds:0.###} ms: no reply to {_question.GetType().Name}."));
    }
}
