namespace ActorKernel.Runtime;

/// <summary>A behaviour: handles one message and says whether it did.</summary>
/// <param name="message">The message being delivered.</param>
/// <returns><see langword="true"/> when handled; otherwise the actor's <c>Unhandled</c> runs.</returns>
public delegate bool Receive(object message);

/// <summary>
/// The base of every actor (Akka.NET's <c>UntypedActor</c>/<c>ActorBase</c>): one message at a time,
/// private state, lifecycle hooks, and a context for everything else. Instances are made only by
/// <see cref="IActorContext.ActorOf"/> from <see cref="Props"/>, never with <c>new</c> alone.
/// </summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;
    private UnboundedStash? _stash;

    /// <summary>Binds the new instance to the cell that is creating it.</summary>
    /// <exception cref="InvalidOperationException">When constructed outside <c>ActorOf</c>.</exception>
    protected ActorBase()
    {
        _cell = ActorCell.Constructing
            ?? throw new InvalidOperationException($"{GetType().Name} is an actor: create it with ActorOf(Props.Create(...)), not with new.");
        ActorCell.Constructing = null;
    }

    /// <summary>This actor's context: self, sender, children, watch, become, timers.</summary>
    protected IActorContext Context => _cell;

    /// <summary>This actor's own reference.</summary>
    protected IActorRef Self => _cell;

    /// <summary>The sender of the message being handled; dead letters when there was none.</summary>
    protected IActorRef Sender => _cell.Sender;

    /// <summary>Keyed single and periodic timers that deliver to this actor and die with it.</summary>
    protected ITimerScheduler Timers => _cell.Timers;

    /// <summary>Messages set aside for later: <c>Stash.Stash()</c> now, <c>Stash.UnstashAll()</c> after a <c>Become</c>.</summary>
    protected IStash Stash => _stash ??= new UnboundedStash(_cell);

    internal UnboundedStash? StashOrNull => _stash;

    /// <summary>Handles one message; return <see langword="false"/> for messages this actor does not know.</summary>
    protected internal abstract bool Receive(object message);

    /// <summary>Runs for messages no behaviour handled; publishes <see cref="UnhandledMessage"/> on the event stream.</summary>
    protected internal virtual void Unhandled(object message) =>
        _cell.System.EventStream.Publish(new UnhandledMessage(message, _cell.SenderOrNull, _cell));

    /// <summary>Runs before the first message of this instance.</summary>
    protected internal virtual void PreStart() { }

    /// <summary>Runs once the actor and all its children have stopped.</summary>
    protected internal virtual void PostStop() { }

    /// <summary>Runs on the failed instance before a restart; by default stops every child and calls <see cref="PostStop"/>.</summary>
    /// <param name="reason">The exception that caused the restart.</param>
    /// <param name="message">The message being handled when it failed, if any.</param>
    protected internal virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.Children)
        {
            Context.Stop(child);
        }
        PostStop();
    }

    /// <summary>Runs on the fresh instance after a restart; by default calls <see cref="PreStart"/>.</summary>
    protected internal virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>How this actor supervises its children; by default <see cref="Runtime.SupervisorStrategy.Default"/>.</summary>
    protected internal virtual SupervisorStrategy SupervisorStrategy() => Runtime.SupervisorStrategy.Default;
}
