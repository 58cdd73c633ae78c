using System.Numerics;

namespace ActorKernel.Actors;

/// <summary>
/// A fixed-size log-linear histogram of nanosecond latencies (128 sub-buckets per power of two; a
/// percentile is its bucket's midpoint, within 0.4% of the true value). Memory stays flat however long the run is.
/// One writer at a time; readers on other threads see a slightly stale but never broken view.
/// The buckets (57 KiB) are allocated at the first value, so an empty histogram (a counters-only
/// snapshot's) costs nothing.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int LinearLimit = 2 * SubBuckets; // values below this get a bucket each
    private const int FirstExponent = SubBucketBits + 1;
    private const int BucketCount = LinearLimit + (63 - FirstExponent) * SubBuckets;

    private long[]? _counts;
    private long _count;
    private long _sum;
    private long _min = long.MaxValue;
    private long _max;

    /// <summary>Values recorded.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>The smallest value, or 0 when empty.</summary>
    public long Min => Count == 0 ? 0 : _min;

    /// <summary>The largest value.</summary>
    public long Max => _max;

    /// <summary>The mean, or 0 when empty.</summary>
    public long Mean => Count == 0 ? 0 : _sum / Count;

    /// <summary>Records <paramref name="nanoseconds"/> (negative values count as 0).</summary>
    public void Record(long nanoseconds)
    {
        var v = Math.Max(0, nanoseconds);
        (_counts ??= new long[BucketCount])[Index(v)]++;
        _sum += v;
        if (v < _min)
        {
            _min = v;
        }
        if (v > _max)
        {
            _max = v;
        }
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Adds every value of <paramref name="other"/>.</summary>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0 || other._counts is not { } theirs)
        {
            return;
        }
        var mine = _counts ??= new long[BucketCount];
        for (var i = 0; i < BucketCount; i++)
        {
            mine[i] += theirs[i];
        }
        _sum += other._sum;
        _min = Math.Min(_min, other._min);
        _max = Math.Max(_max, other._max);
        _count += other._count;
    }

    /// <summary>Forgets every value (the buckets are kept for reuse).</summary>
    public void Clear()
    {
        if (_counts is { } counts)
        {
            Array.Clear(counts);
        }
        _sum = 0;
        _min = long.MaxValue;
        _max = 0;
        Volatile.Write(ref _count, 0);
    }

    /// <summary>
    /// The values recorded since <paramref name="earlier"/>, a snapshot of this same histogram taken
    /// before (for per-interval figures); min and max are those of the first and last non-empty bucket.
    /// </summary>
    public LatencyHistogram Since(LatencyHistogram earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        var since = new LatencyHistogram();
        if (_counts is not { } mine)
        {
            return since;
        }
        var before = earlier._counts;
        var counts = since._counts = new long[BucketCount];
        var first = -1;
        var last = -1;
        for (var i = 0; i < BucketCount; i++)
        {
            var n = Math.Max(0, mine[i] - (before?[i] ?? 0));
            counts[i] = n;
            if (n > 0)
            {
                first = first < 0 ? i : first;
                last = i;
            }
            since._count += n;
        }
        since._sum = Math.Max(0, _sum - earlier._sum);
        if (first >= 0)
        {
            // The exact extremes when they fall in the first/last bucket; else the bucket's midpoint, kept within this histogram's range.
            since._min = first == Index(_min) ? _min : Math.Clamp(Midpoint(first), _min, _max);
            since._max = last == Index(_max) ? _max : Math.Clamp(Midpoint(last), since._min, _max);
        }
        return since;
    }

    /// <summary>The value at or below which <paramref name="percent"/>% of values lie (its bucket's midpoint, kept within min..max).</summary>
    public long Percentile(double percent)
    {
        var count = Count;
        if (count == 0 || _counts is not { } counts)
        {
            return 0;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(percent / 100.0 * count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Math.Clamp(Midpoint(i), _min, _max);
            }
        }
        return _max;
    }

    private static int Index(long v)
    {
        if (v < LinearLimit)
        {
            return (int)v;
        }
        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)v); // >= FirstExponent
        var sub = (int)((v >> (exponent - SubBucketBits)) & (SubBuckets - 1));
        return LinearLimit + (exponent - FirstExponent) * SubBuckets + sub;
    }

    private static long Midpoint(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }
        var exponent = (index - LinearLimit) / SubBuckets + FirstExponent;
        var sub = (index - LinearLimit) % SubBuckets;
        var width = 1L << (exponent - SubBucketBits);
        var lower = (1L << exponent) + sub * width;
        return lower + (width - 1) / 2;
    }
}
