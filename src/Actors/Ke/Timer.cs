namespace ActorKernel.Actors;

/// <summary>WDM <c>TIMER_TYPE</c>.</summary>
public enum TimerType
{
    /// <summary>NotificationTimer (0): stays signaled until set again.</summary>
    NotificationTimer = 0,

    /// <summary>SynchronizationTimer (1): releases one waiter and resets.</summary>
    SynchronizationTimer = 1,
}

/// <summary>
/// A kernel timer (WDM <c>KTIMER</c>): a dispatcher object that the clock interrupt signals when its
/// due time passes, queuing its DPC if it has one; a periodic timer is re-armed each period.
/// Resolution is the clock interval.
/// </summary>
public sealed class KTimer : KDispatcherObject
{
    /// <summary>Notification or synchronization.</summary>
    public TimerType Type { get; internal set; }

    /// <summary>Whether it is set (in the timer queue).</summary>
    public bool Inserted { get; internal set; }

    /// <summary>Interrupt time (ns) when it expires next.</summary>
    public long DueTimeNs { get; internal set; }

    /// <summary>Period in ns (0: one-shot).</summary>
    public long PeriodNs { get; internal set; }

    /// <summary>The DPC queued at expiry, or null.</summary>
    public KDpc? Dpc { get; internal set; }

    /// <summary>How many times it expired.</summary>
    public long Expirations { get; internal set; }

    internal long Generation;

    internal override void Acquire(KThread thread)
    {
        if (Type == TimerType.SynchronizationTimer)
        {
            SignalState = 0;
        }
    }
}

public static partial class Wdm
{
    /// <summary>KeInitializeTimer: a notification timer, not set.</summary>
    /// <remarks>Any IRQL; also outside a routine.</remarks>
    public static void KeInitializeTimer(KTimer timer) => KeInitializeTimerEx(timer, TimerType.NotificationTimer);

    /// <summary>KeInitializeTimerEx: a timer of <paramref name="type"/>, not set.</summary>
    /// <remarks>Any IRQL; also outside a routine.</remarks>
    public static void KeInitializeTimerEx(KTimer timer, TimerType type)
    {
        ArgumentNullException.ThrowIfNull(timer);
        timer.Type = type;
        timer.SignalState = 0;
        timer.Inserted = false;
    }

    /// <summary>KeSetTimer: KeSetTimerEx with no period.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static bool KeSetTimer(KTimer timer, long dueTime, KDpc? dpc) => KeSetTimerEx(timer, dueTime, 0, dpc);

    /// <summary>
    /// KeSetTimerEx: sets the timer to expire at <paramref name="dueTime"/> (100 ns units; negative =
    /// relative, positive = absolute system time as KeQuerySystemTime gives it), then every <paramref name="periodMs"/> ms if
    /// non-zero, queuing <paramref name="dpc"/> at each expiry. Returns true if it was already set
    /// (it is cancelled and set again).
    /// </summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static bool KeSetTimerEx(KTimer timer, long dueTime, int periodMs, KDpc? dpc)
    {
        KiSchedulingPoint.Write(timer);
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentOutOfRangeException.ThrowIfNegative(periodMs);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.TimerNs);
        return processor.Machine.KiSetTimer(timer, dueTime, periodMs * 1_000_000L, dpc);
    }

    /// <summary>KeCancelTimer: takes the timer out of the queue; true if it was set.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static bool KeCancelTimer(KTimer timer)
    {
        KiSchedulingPoint.Write(timer);
        ArgumentNullException.ThrowIfNull(timer);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.TimerNs);
        lock (processor.Machine.DispatcherLock)
        {
            var was = timer.Inserted;
            timer.Inserted = false;
            timer.Generation++;
            return was;
        }
    }

    /// <summary>KeReadStateTimer: whether the timer is signaled.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static bool KeReadStateTimer(KTimer timer)
    {
        ArgumentNullException.ThrowIfNull(timer);
        return timer.IsSignaled;
    }

    /// <summary>KeQueryInterruptTime: time since boot in 100 ns units (exact simulated time, not rounded to the tick).</summary>
    /// <remarks>Any IRQL.</remarks>
    public static long KeQueryInterruptTime()
    {
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.TimerNs);
        return processor.Now / 100;
    }

    /// <summary>KeQuerySystemTime: the system time in 100 ns units since 1 January 1601 (UTC): the boot time plus the interrupt time.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static long KeQuerySystemTime()
    {
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.TimerNs);
        return processor.Machine.KiSystemTime;
    }

    /// <summary>KeQueryTickCount: clock interrupts since boot.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static long KeQueryTickCount()
    {
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.TimerNs);
        return processor.Machine.TickCount;
    }

    /// <summary>KeQueryTimeIncrement: the clock interval in 100 ns units.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static uint KeQueryTimeIncrement() => (uint)(Processor.Current.Machine.Options.ClockIntervalNs / 100);
}
