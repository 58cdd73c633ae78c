using System.Globalization;

namespace ActorKernel.Host;

/// <summary>
/// Durations as users write them: <c>500ms</c>, <c>10s</c>, <c>2m</c>, <c>1h</c>, also <c>250us</c> and
/// <c>800ns</c>, or a <see cref="TimeSpan"/> form such as <c>00:01:30</c>. Simulated time is kept in
/// nanoseconds, so sub-tick units are exact.
/// </summary>
public static class Duration
{
    private static readonly (string Suffix, long NanosecondsPerUnit)[] Units =
    [
        ("ns", 1L),
        ("us", 1_000L),
        ("µs", 1_000L),
        ("ms", 1_000_000L),
        ("s", 1_000_000_000L),
        ("m", 60_000_000_000L),
        ("h", 3_600_000_000_000L),
    ];

    /// <summary>What a valid duration looks like, for error messages.</summary>
    public const string ExpectedForm = "a duration such as 500ms, 10s, 2m, 1h, 250us or 00:01:30";

    /// <summary>Parses <paramref name="text"/> into nanoseconds.</summary>
    /// <returns>False when the text is not a duration (negative values are parsed; callers range-check).</returns>
    public static bool TryParseNanoseconds(string? text, out long nanoseconds)
    {
        nanoseconds = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var s = text.Trim();
        // Longest suffix first, so "ms" is not read as "m" + "s" and "us" not as "s".
        foreach (var (suffix, unit) in Units.OrderByDescending(u => u.Suffix.Length))
        {
            if (s.Length > suffix.Length && s.EndsWith(suffix, StringComparison.Ordinal))
            {
                var number = s[..^suffix.Length].Trim();
                if (!decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
                {
                    return false;
                }
                try
                {
                    nanoseconds = checked((long)decimal.Round(value * unit));
                    return true;
                }
                catch (OverflowException)
                {
                    return false;
                }
            }
        }
        if (s.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var span))
        {
            nanoseconds = span.Ticks * 100;
            return true;
        }
        return false;
    }

    /// <summary>Parses <paramref name="text"/> into a <see cref="TimeSpan"/> (100 ns resolution).</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        var ok = TryParseNanoseconds(text, out var ns);
        value = ok ? TimeSpan.FromTicks(ns / 100) : TimeSpan.Zero;
        return ok;
    }

    /// <summary>Formats nanoseconds in the largest unit that keeps it short and exact enough: <c>1.5s</c>, <c>250us</c>.</summary>
    public static string Format(long nanoseconds)
    {
        var abs = Math.Abs(nanoseconds);
        return abs switch
        {
            >= 3_600_000_000_000L when nanoseconds % 3_600_000_000_000L == 0 => Fmt(nanoseconds / 3.6e12, "h"),
            >= 60_000_000_000L when nanoseconds % 60_000_000_000L == 0 => Fmt(nanoseconds / 6e10, "m"),
            >= 1_000_000_000L => Fmt(nanoseconds / 1e9, "s"),
            >= 1_000_000L => Fmt(nanoseconds / 1e6, "ms"),
            >= 1_000L => Fmt(nanoseconds / 1e3, "us"),
            _ => nanoseconds.ToString(CultureInfo.InvariantCulture) + "ns",
        };

        static string Fmt(double value, string unit) => value.ToString("0.###", CultureInfo.InvariantCulture) + unit;
    }
}
