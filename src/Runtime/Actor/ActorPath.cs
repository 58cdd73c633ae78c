namespace ActorKernel.Runtime;

/// <summary>An actor's place in the hierarchy: <c>ak://system/user/parent/child</c>.</summary>
public sealed class ActorPath : IEquatable<ActorPath>
{
    private readonly string _text;

    private ActorPath(string systemName, ActorPath? parent, string name, ulong hash)
    {
        SystemName = systemName;
        Parent = parent;
        Name = name;
        _text = parent is null ? $"ak://{systemName}" : (parent.Parent is null ? parent._text + "/" + name : parent._text + "/" + name);
        StableHash = hash;
    }

    /// <summary>The name of the actor system the path belongs to.</summary>
    public string SystemName { get; }

    /// <summary>The parent path, or <see langword="null"/> for the root.</summary>
    public ActorPath? Parent { get; }

    /// <summary>The last element of the path.</summary>
    public string Name { get; }

    /// <summary>A hash of the full path that is the same in every process and run (FNV-1a 64), used by the delivery log.</summary>
    public ulong StableHash { get; }

    /// <summary>How many elements are below the root.</summary>
    public int Depth => Parent is null ? 0 : Parent.Depth + 1;

    internal static ActorPath Root(string systemName) => new(systemName, null, "", Fnv1a.Hash(Fnv1a.OffsetBasis, "ak://" + systemName));

    /// <summary>The path of a child called <paramref name="name"/>.</summary>
    public ActorPath Child(string name) => new(SystemName, this, name, Fnv1a.Hash(Fnv1a.Hash(StableHash, "/"), name));

    /// <inheritdoc />
    public override string ToString() => _text;

    /// <inheritdoc />
    public bool Equals(ActorPath? other) => other is not null && string.Equals(_text, other._text, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ActorPath);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_text);
}
