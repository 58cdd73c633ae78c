namespace ActorKernel.Runtime;

/// <summary>
/// A handle to an actor: the only way to reach it. Like Akka.NET's <c>IActorRef</c>, it stays valid
/// across restarts of the actor behind it and turns into a dead-letter sink once the actor stops.
/// </summary>
public interface IActorRef
{
    /// <summary>The actor's hierarchical path, e.g. <c>ak://machine/user/cpu0</c>.</summary>
    ActorPath Path { get; }

    /// <summary>Enqueues <paramref name="message"/> for the actor; never blocks, never throws for a stopped actor.</summary>
    /// <param name="message">The message; it should be immutable.</param>
    /// <param name="sender">Who the reply goes to, or <see langword="null"/> for no sender (replies become dead letters).</param>
    void Tell(object message, IActorRef? sender = null);
}
