using System.Globalization;

namespace ActorKernel.TestKit;

/// <summary>
/// Waits for a condition on an actor system's own clock. On the deterministic dispatcher it never
/// sleeps: it drives the dispatcher until the condition holds or the timeout passes in virtual time.
/// On the concurrent dispatcher it blocks the calling (test) thread against the wall clock.
/// </summary>
internal sealed class SystemWaiter(ActorSystem system)
{
    // Upper bound of one blocking wait on the concurrent dispatcher, so a missed pulse costs little.
    private static readonly TimeSpan MaxSlice = TimeSpan.FromMilliseconds(20);

    // "Forever" (TimeSpan.MaxValue) in nanoseconds would overflow the clock arithmetic.
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1000);

    public ActorSystem System { get; } = system;

    public long NowNanoseconds => System.Scheduler.NowNanoseconds;

    /// <summary>"virtual" or "wall clock", and the seed to replay a deterministic run.</summary>
    public string ClockNote => System.Deterministic is { } d
        ? string.Create(CultureInfo.InvariantCulture, $"virtual, seed {d.Seed}")
        : "wall clock";

    /// <summary>Waits until <paramref name="condition"/> holds or <paramref name="timeout"/> passes on the system's clock.</summary>
    /// <param name="condition">Checked before each delivery (deterministic) or after each pulse of <paramref name="gate"/>.</param>
    /// <param name="timeout">How long to wait, in dispatcher time.</param>
    /// <param name="gate">A monitor pulsed when the condition may have changed; null to poll.</param>
    /// <returns>Whether the condition held.</returns>
    public bool WaitUntil(Func<bool> condition, TimeSpan timeout, object? gate)
    {
        timeout = timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout > MaxTimeout ? MaxTimeout : timeout;
        if (System.Deterministic is { } deterministic)
        {
            return deterministic.RunUntil(condition, timeout);
        }
        var deadline = NowNanoseconds + ToNanoseconds(timeout);
        var monitor = gate ?? new object();
        lock (monitor)
        {
            while (!condition())
            {
                var remaining = deadline - NowNanoseconds;
                if (remaining <= 0)
                {
                    return false;
                }
                var wall = TimeSpan.FromTicks((long)(remaining / 100 / System.Options.TimeScale) + 1);
                Monitor.Wait(monitor, gate is null || wall > MaxSlice ? MaxSlice : wall);
            }
            return true;
        }
    }

    /// <summary>The default wait: 3 s of virtual time, or 10 s of wall-clock time on a possibly loaded machine.</summary>
    public static TimeSpan DefaultTimeoutFor(ActorSystem system) =>
        system.Deterministic is null ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(3);

    public static long ToNanoseconds(TimeSpan span) => span.Ticks * 100;

    /// <summary>A short human form: "3 s", "250 ms", "1.5 µs".</summary>
    public static string Format(TimeSpan span) => FormatNanoseconds(ToNanoseconds(span));

    public static string FormatNanoseconds(long ns) => ns switch
    {
        _ when Math.Abs(ns) >= 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e9:0.###} s"),
        _ when Math.Abs(ns) >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e6:0.###} ms"),
        _ when Math.Abs(ns) >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e3:0.###} µs"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ns} ns"),
    };
}
