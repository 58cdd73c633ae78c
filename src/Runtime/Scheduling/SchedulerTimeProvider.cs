namespace ActorKernel.Runtime;

/// <summary>
/// A <see cref="TimeProvider"/> over a dispatcher's scheduler: timestamps are its nanoseconds and
/// timers are its timers, so BCL-style code runs on virtual time in deterministic mode.
/// </summary>
internal sealed class SchedulerTimeProvider(TimerQueueScheduler scheduler, DateTimeOffset epoch) : TimeProvider
{
    public override long TimestampFrequency => 1_000_000_000;

    public override long GetTimestamp() => scheduler.NowNanoseconds;

    public override DateTimeOffset GetUtcNow() => epoch.AddTicks(scheduler.NowNanoseconds / 100);

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new SchedulerTimer(scheduler, callback, state, dueTime, period);

    private sealed class SchedulerTimer : ITimer
    {
        private readonly TimerQueueScheduler _scheduler;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private readonly Lock _gate = new();
        private ICancelable? _pending;
        private TimeSpan _period;
        private bool _disposed;

        public SchedulerTimer(TimerQueueScheduler scheduler, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _scheduler = scheduler;
            _callback = callback;
            _state = state;
            Change(dueTime, period);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return false;
                }
                _pending?.Cancel();
                _period = period;
                _pending = dueTime == Timeout.InfiniteTimeSpan ? null : _scheduler.ScheduleOnce(dueTime, Fire);
            }
            return true;
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _pending?.Cancel();
                _pending = null;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void Fire()
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return; // disposed while this firing was already under way (timer thread)
                }
                if (_period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan)
                {
                    _pending = _scheduler.ScheduleOnce(_period, Fire);
                }
            }
            _callback(_state);
        }
    }
}
