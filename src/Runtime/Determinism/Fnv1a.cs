namespace ActorKernel.Runtime;

/// <summary>FNV-1a 64-bit: a hash that is identical in every process, unlike <see cref="string.GetHashCode()"/>.</summary>
public static class Fnv1a
{
    /// <summary>The FNV-1a 64-bit offset basis, the hash of nothing.</summary>
    public const ulong OffsetBasis = 14695981039346656037UL;

    private const ulong Prime = 1099511628211UL;

    /// <summary>Continues <paramref name="hash"/> with the UTF-16 code units of <paramref name="text"/>.</summary>
    public static ulong Hash(ulong hash, string text)
    {
        foreach (var c in text)
        {
            hash = (hash ^ (byte)c) * Prime;
            hash = (hash ^ (byte)(c >> 8)) * Prime;
        }
        return hash;
    }

    /// <summary>Continues <paramref name="hash"/> with the eight bytes of <paramref name="value"/>.</summary>
    public static ulong Hash(ulong hash, ulong value)
    {
        for (var i = 0; i < 8; i++)
        {
            hash = (hash ^ (byte)(value >> (i * 8))) * Prime;
        }
        return hash;
    }
}
