namespace ActorKernel.Runtime;

/// <summary>
/// The recipe for an actor: how to make a fresh instance (on start and on every restart).
/// Immutable and shareable, like Akka.NET's <c>Props</c>.
/// </summary>
public sealed class Props
{
    private readonly Func<ActorBase> _factory;

    private Props(Func<ActorBase> factory, Type actorType)
    {
        _factory = factory;
        ActorType = actorType;
    }

    /// <summary>The type of actor the factory makes.</summary>
    public Type ActorType { get; }

    /// <summary>Props that build <typeparamref name="TActor"/> with its parameterless constructor.</summary>
    public static Props Create<TActor>() where TActor : ActorBase, new() => new(static () => new TActor(), typeof(TActor));

    /// <summary>Props that build each instance with <paramref name="factory"/>; it runs again on every restart.</summary>
    public static Props Create<TActor>(Func<TActor> factory) where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(factory, typeof(TActor));
    }

    internal ActorBase NewActor() => _factory();

    /// <inheritdoc />
    public override string ToString() => $"Props({ActorType.Name})";
}
