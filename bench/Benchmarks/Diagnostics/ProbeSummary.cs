using System.Globalization;

namespace ActorKernel.Benchmarks.Diagnostics;

/// <summary>The last line of a probe: the median of its measured runs with the slowest and the fastest.</summary>
internal static class ProbeSummary
{
    /// <summary>"median X unit over N runs (min A, max B)".</summary>
    public static string Line(IReadOnlyList<double> values, string unit, string format)
    {
        if (values.Count == 0)
        {
            return "no measured run";
        }
        var sorted = values.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"median {Median(sorted).ToString(format, CultureInfo.InvariantCulture)} {unit} over {sorted.Length} runs (min {sorted[0].ToString(format, CultureInfo.InvariantCulture)}, max {sorted[^1].ToString(format, CultureInfo.InvariantCulture)})");
    }

    /// <summary>The median of values sorted in ascending order (the mean of the middle two for an even count).</summary>
    public static double Median(double[] sorted)
    {
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
