using System.Globalization;
using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// How a workload picks each request's length: a fixed size, uniform between two sizes, or a weighted
/// choice among sizes; every size is a multiple of <see cref="Alignment"/> (a disk's sector, or 1).
/// </summary>
public sealed class SizeDistribution
{
    private readonly int[] _sizes;
    private readonly double[] _cumulative;

    private SizeDistribution(int min, int max, int alignment, int[] sizes, double[] cumulative)
    {
        Min = min;
        Max = max;
        Alignment = alignment;
        _sizes = sizes;
        _cumulative = cumulative;
    }

    /// <summary>The smallest size it gives.</summary>
    public int Min { get; }

    /// <summary>The largest size it gives.</summary>
    public int Max { get; }

    /// <summary>Every size is a multiple of this.</summary>
    public int Alignment { get; }

    /// <summary>Every request is <paramref name="size"/> bytes.</summary>
    /// <param name="size">The size (at least 1).</param>
    /// <returns>The distribution.</returns>
    public static SizeDistribution Fixed(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return new SizeDistribution(size, size, size, [], []);
    }

    /// <summary>Sizes uniform over the multiples of <paramref name="alignment"/> in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <param name="min">The smallest size (rounded up to the alignment; at least one alignment unit).</param>
    /// <param name="max">The largest size (rounded down to the alignment).</param>
    /// <param name="alignment">The granularity (1 = any size).</param>
    /// <returns>The distribution.</returns>
    public static SizeDistribution Uniform(int min, int max, int alignment = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(alignment);
        var lo = Math.Max(alignment, (min + alignment - 1) / alignment * alignment);
        var hi = max / alignment * alignment;
        if (hi < lo)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"no multiple of {alignment} lies in [{min}, {max}]"), nameof(max));
        }
        return new SizeDistribution(lo, hi, alignment, [], []);
    }

    /// <summary>A weighted choice among sizes (the weights need not sum to 1).</summary>
    /// <param name="choices">Each size with its weight (size at least 1, weight above 0).</param>
    /// <returns>The distribution; its alignment is the sizes' greatest common divisor.</returns>
    public static SizeDistribution Weighted(params (int Size, double Weight)[] choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Length == 0 || choices.Any(c => c.Size <= 0 || !(c.Weight > 0)))
        {
            throw new ArgumentException("a weighted size distribution needs at least one size, each above 0 with a weight above 0", nameof(choices));
        }
        var total = choices.Sum(c => c.Weight);
        var cumulative = new double[choices.Length];
        double sum = 0;
        for (var i = 0; i < choices.Length; i++)
        {
            sum += choices[i].Weight / total;
            cumulative[i] = sum;
        }
        cumulative[^1] = 1.0;
        var gcd = choices.Select(c => c.Size).Aggregate(Gcd);
        return new SizeDistribution(choices.Min(c => c.Size), choices.Max(c => c.Size), gcd, [.. choices.Select(c => c.Size)], cumulative);
    }

    /// <summary>The next size, never above <paramref name="limit"/> (a slot's slice of the device), never below one alignment unit.</summary>
    /// <param name="random">The workload's generator.</param>
    /// <param name="limit">The most a request may move.</param>
    /// <returns>A size.</returns>
    public int Next(DeterministicRandom random, long limit)
    {
        ArgumentNullException.ThrowIfNull(random);
        int size;
        if (_sizes.Length > 0)
        {
            var u = random.NextDouble();
            var i = 0;
            while (_cumulative[i] < u)
            {
                i++;
            }
            size = _sizes[i];
        }
        else
        {
            size = Min == Max ? Min : Min + (int)random.NextInt64(0, ((Max - Min) / Alignment) + 1L) * Alignment;
        }
        var cap = Math.Max(Alignment, limit / Alignment * Alignment);
        return (int)Math.Min(size, cap);
    }

    /// <inheritdoc/>
    public override string ToString() => _sizes.Length > 0
        ? string.Join(", ", _sizes.Select((s, i) => string.Create(CultureInfo.InvariantCulture, $"{s} B:{(_cumulative[i] - (i == 0 ? 0 : _cumulative[i - 1])):0.###}")))
        : Min == Max ? string.Create(CultureInfo.InvariantCulture, $"{Min} B")
        : string.Create(CultureInfo.InvariantCulture, $"{Min}..{Max} B step {Alignment}");

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
