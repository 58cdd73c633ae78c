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

    // When (in this clock's nanoseconds) the timer thread wakes by itself: a timer added for later needs
    // no wake-up. Without it, every Ask woke the thread: the Ask's timeout was the only live timer, its
    // cancelled predecessors had emptied the queue, and an empty queue's thread slept with no end.
    private long _wakesAt = long.MinValue;

    // The longest the timer thread sleeps with nothing due sooner, in this clock's nanoseconds.
    private readonly long _idleWakeNs;
    private long _passes;

    /// <summary>
    /// Creates the clock; <paramref name="timeScale"/> simulated seconds pass per wall second. With nothing
    /// due sooner, the timer thread looks at its queue every <paramref name="idleWake"/> (default 50 ms).
    /// </summary>
    internal WallClockScheduler(double timeScale, TimeSpan? idleWake = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timeScale);
        _scale = timeScale;
        _idleWakeNs = (long)Math.Min((idleWake ?? TimeSpan.FromMilliseconds(50)).TotalNanoseconds * timeScale, long.MaxValue / 4);
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

    /// <summary>How many times the timer thread has looked at its queue.</summary>
    internal long Passes => Volatile.Read(ref _passes);

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
        // A full fence between the timer's enqueue and this read; the thread fences between publishing
        // when it wakes and its last look at the queue (see Loop): one of the two sees the other.
        Interlocked.MemoryBarrier();
        if (!_disposed && due < Volatile.Read(ref _wakesAt))
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
            Volatile.Write(ref _passes, _passes + 1);
            var wakeAt = Math.Min(NextDue(), now + _idleWakeNs);
            Interlocked.Exchange(ref _wakesAt, wakeAt);
            if (NextDue() < wakeAt)
            {
                continue; // a timer added before the publication above, due sooner
            }
            var waitWallNs = (wakeAt - NowNanoseconds) / _scale;
            if (waitWallNs >= 1_000_000)
            {
                _wake.WaitOne(TimeSpan.FromTicks((long)(waitWallNs / 100)));
            }
            else if (waitWallNs > 0)
            {
                // Below the OS timer's millisecond resolution: yield instead of oversleeping.
                Thread.Yield();
            }
            Volatile.Write(ref _wakesAt, long.MinValue); // awake: every added timer is seen at the next look
        }
    }
}
