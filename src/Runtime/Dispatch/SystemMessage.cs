namespace ActorKernel.Runtime;

/// <summary>
/// The closed family of lifecycle messages. They travel in a queue of their own and are drained before
/// (and between) user messages, even while the actor is suspended. <see cref="ActorCell"/> switches
/// over all of them and throws on anything else. Never send one instance to two actors.
/// </summary>
internal abstract class SystemMessage;

/// <summary>Create the first instance and run PreStart.</summary>
internal sealed class Create : SystemMessage;

/// <summary>Restart after <see cref="Cause"/>: PreRestart on the old instance, then a new instance.</summary>
internal sealed class Recreate(Exception cause) : SystemMessage
{
    public Exception Cause { get; } = cause;
}

/// <summary>Stop processing user messages (a parent or ancestor failed).</summary>
internal sealed class Suspend : SystemMessage;

/// <summary>Undo one <see cref="Suspend"/>.</summary>
internal sealed class Resume : SystemMessage;

/// <summary>Stop: children first, then PostStop, then tell watchers and parent.</summary>
internal sealed class Terminate : SystemMessage;

/// <summary><see cref="Watcher"/> wants <see cref="Terminated"/> when the receiver stops.</summary>
internal sealed class Watch(ActorCell watcher) : SystemMessage
{
    public ActorCell Watcher { get; } = watcher;
}

/// <summary><see cref="Watcher"/> no longer watches the receiver.</summary>
internal sealed class Unwatch(ActorCell watcher) : SystemMessage
{
    public ActorCell Watcher { get; } = watcher;
}

/// <summary><see cref="Actor"/> has stopped; sent to its watchers and its parent.</summary>
internal sealed class DeathWatchNotification(ActorCell actor, bool existenceConfirmed) : SystemMessage
{
    public ActorCell Actor { get; } = actor;
    public bool ExistenceConfirmed { get; } = existenceConfirmed;
}

/// <summary>The child <see cref="Child"/> failed with <see cref="Cause"/> and waits, suspended, for its parent's directive.</summary>
internal sealed class Failed(ActorCell child, Exception cause) : SystemMessage
{
    public ActorCell Child { get; } = child;
    public Exception Cause { get; } = cause;
}
