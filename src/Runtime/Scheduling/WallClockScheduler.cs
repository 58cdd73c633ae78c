using System.Diagnostics;

namespace ActorKernel.Runtime;

/// <summary>
/// Scaled wall-clock time for the concurrent dispatcher, with one timer thread. One of the two clock
/// implementations: the only place besides <see cref="VirtualScheduler"/> allowed to read the wall clock.
/// </summary>
public sealed class WallClockScheduler : TimerQueueScheduler, IDisposable
{
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private readonly double _scale;
    private readonly Thread _thread;
    private readonly AutoResetEvent _wake = new(false);
    private volatile bool _disposed;

    /// <summary>Creates the clock; <paramref name="timeScale"/> simulated seconds pass per wall second.</summary>
    internal WallClockScheduler(double timeScale)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timeScale);
        _scale = timeScale;
        TimeProvider = new SchedulerTimeProvider(this, DateTimeOffset.UtcNow);
        _thread = new Thread(Loop) { IsBackground = true, Name = "ActorKernel timer" };
        _thread.Start();
    }

    /// <summary>
    /// The raw wall-clock timestamp (<see cref="Stopwatch.Frequency"/> ticks per second), for the
    /// concurrent dispatcher's workers, which rotate their queues every few milliseconds.
    /// </summary>
    internal static long Timestamp => Stopwatch.GetTimestamp();

    /// <summary>Timestamp ticks per second.</summary>
    internal static long TimestampFrequency => Stopwatch.Frequency;

    /// <inheritdoc />
    public override long NowNanoseconds =>
        (long)(Stopwatch.GetElapsedTime(_startTimestamp).Ticks * 100 * _scale);

    /// <inheritdoc />
    public override TimeProvider TimeProvider { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _wake.Set();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
        _wake.Dispose();
    }

    private protected override void OnEarliestChanged(long due)
    {
        if (!_disposed)
        {
            _wake.Set();
        }
    }

    private void Loop()
    {
        while (!_disposed)
        {
            var now = NowNanoseconds;
            FireDue(now);
            var next = NextDue();
            if (next == long.MaxValue)
            {
                _wake.WaitOne();
                continue;
            }
            var waitWallNs = (next - NowNanoseconds) / _scale;
            if (waitWallNs >= 1_000_000)
            {
                _wake.WaitOne(TimeSpan.FromTicks((long)(waitWallNs / 100)));
            }
            else if (waitWallNs > 0)
            {
                // Below the OS timer's millisecond resolution: yield instead of oversleeping.
                Thread.Yield();
            }
        }
    }
}
