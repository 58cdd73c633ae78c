namespace ActorKernel.Host;

/// <summary>"Did you mean": the known name closest to a misspelt one (case-insensitive edit distance), if close enough.</summary>
internal static class NearMiss
{
    /// <summary>The closest of <paramref name="known"/> to <paramref name="name"/> within a third of its length (at least 2 edits), or null.</summary>
    public static string? Find(string name, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(known);
        string? best = null;
        var bestDistance = Math.Max(2, name.Length / 3) + 1;
        foreach (var k in known)
        {
            var d = Distance(name.ToUpperInvariant(), k.ToUpperInvariant());
            if (d < bestDistance)
            {
                (best, bestDistance) = (k, d);
            }
        }
        return best;
    }

    /// <summary>" (did you mean 'X'?; known: A, B)" or " (known: A, B)".</summary>
    public static string Hint(string name, IReadOnlyCollection<string> known) =>
        Find(name, known) is { } near ? $" (did you mean '{near}'? known: {string.Join(", ", known)})" : $" (known: {string.Join(", ", known)})";

    private static int Distance(string a, string b)
    {
        // Levenshtein with two rows: names are short, so this is cheap.
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
