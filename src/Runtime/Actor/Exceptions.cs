namespace ActorKernel.Runtime;

/// <summary>An actor could not be created (its constructor or PreStart threw); the supervisor stops it by default.</summary>
public sealed class ActorInitializationException : Exception
{
    /// <summary>Creates the exception for the actor at <paramref name="path"/>.</summary>
    public ActorInitializationException(ActorPath path, Exception inner)
        : base($"Actor {path} failed to initialize: {inner.Message}", inner) => Path = path;

    /// <summary>The actor that failed to start.</summary>
    public ActorPath Path { get; }
}

/// <summary>Thrown inside an actor that received <see cref="Kill"/>.</summary>
public sealed class ActorKilledException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ActorKilledException(string message) : base(message) { }
}

/// <summary>An <c>Ask</c> got no reply within its timeout.</summary>
public sealed class AskTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public AskTimeoutException(string message) : base(message) { }
}

/// <summary>A child name is malformed or already taken under the same parent.</summary>
public sealed class InvalidActorNameException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public InvalidActorNameException(string message) : base(message) { }
}
