using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorKernel.Host;

/// <summary>
/// Orders problems roughly as their places appear in a scenario file: sections in schema order,
/// array items by index, so a long list of problems reads top to bottom.
/// </summary>
internal static partial class ProblemOrder
{
    private static readonly string[] Names = [.. ScenarioReader.KnownProperties.Values.SelectMany(v => v).Distinct(StringComparer.Ordinal)];

    /// <summary>The problems sorted by path (stable: equal paths keep their order).</summary>
    public static List<ScenarioProblem> Sort(IEnumerable<ScenarioProblem> problems) =>
        [.. problems.Select((p, i) => (p, i)).OrderBy(x => Key(x.p.Path), KeyComparer.Instance).ThenBy(x => x.i).Select(x => x.p)];

    private static long[] Key(string path) =>
        [.. Segment().Matches(path).Select(m => m.Groups["index"].Success
            ? long.Parse(m.Groups["index"].Value, CultureInfo.InvariantCulture)
            : Array.IndexOf(Names, m.Groups["name"].Value) is var i and >= 0 ? i : Names.Length)];

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\[(?<index>\d+)\]")]
    private static partial Regex Segment();

    private sealed class KeyComparer : IComparer<long[]>
    {
        public static readonly KeyComparer Instance = new();

        public int Compare(long[]? x, long[]? y)
        {
            x ??= [];
            y ??= [];
            for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
            {
                var c = x[i].CompareTo(y[i]);
                if (c != 0)
                {
                    return c;
                }
            }
            return x.Length.CompareTo(y.Length);
        }
    }
}
