namespace ActorKernel.Actors;

/// <summary>A directory of the object namespace (<c>\Device</c>, <c>\Driver</c>, <c>\GLOBAL??</c>).</summary>
public sealed class ObjectDirectory : KernelObject
{
    // Sorted and case-insensitive: object names are, and a listing must not vary between runs.
    internal SortedDictionary<string, KernelObject> Entries { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override string ObjectTypeName => "Directory";
}

/// <summary>A symbolic link (<c>\GLOBAL??\RamDisk0</c> → <c>\Device\RamDisk0</c>), resolved on every lookup through it.</summary>
public sealed class SymbolicLink : KernelObject
{
    internal SymbolicLink(string target) => Target = target;

    /// <summary>The path the link points to.</summary>
    public string Target { get; }

    /// <inheritdoc />
    public override string ObjectTypeName => "SymbolicLink";
}
