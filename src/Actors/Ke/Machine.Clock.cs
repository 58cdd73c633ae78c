namespace ActorKernel.Actors;

public sealed partial class Machine
{
    private readonly PriorityQueue<(KTimer Timer, long Generation), (long Due, long Sequence)> _timers = new();
    private long _timerSequence;
    private long _tickCount;
    internal static readonly KernelModule HalModule = new("hal.dll");

    /// <summary>KeQuerySystemTime's value now: the boot time plus the interrupt time, in 100 ns units.</summary>
    internal long KiSystemTime => Options.SystemTimeAtBoot + NowNanoseconds / 100;

    /// <summary>
    /// An absolute time (positive due time or timeout: system time, 100 ns units since 1601) as
    /// interrupt time in ns; a time before boot is 0 (already due).
    /// </summary>
    internal long KiInterruptTimeNsOf(long absoluteSystemTime) =>
        absoluteSystemTime <= Options.SystemTimeAtBoot ? 0 : (absoluteSystemTime - Options.SystemTimeAtBoot) * 100;

    /// <summary>Clock interrupts taken since boot (KeQueryTickCount).</summary>
    public long TickCount => Interlocked.Read(ref _tickCount);

    private void KiConnectClock()
    {
        var status = IoConnectInterrupt(out _, HalModule, KiClockInterrupt, this, null, ClockVector, Irql.ClockLevel, Irql.ClockLevel,
            KInterruptMode.Latched, false, 1, "HalpClockInterrupt");
        if (status != NtStatus.Success)
        {
            throw new InvalidOperationException("The clock vector could not be connected.");
        }
    }

    /// <summary>The clock ISR (HalpClockInterrupt → KeUpdateSystemTime): counts the tick, expires due timers, queues their DPCs.</summary>
    private static ValueTask<bool> KiClockInterrupt(KInterrupt interrupt, object? context)
    {
        var machine = (Machine)context!;
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.ClockTickNs);
        Interlocked.Increment(ref machine._tickCount);
        machine.KiExpireTimers(processor);
        return new ValueTask<bool>(true);
    }

    internal bool KiSetTimer(KTimer timer, long dueTime, long periodNs, KDpc? dpc)
    {
        if (Options.ClockIntervalNs == 0)
        {
            throw new InvalidOperationException("KeSetTimer needs the clock interrupt: this machine was built with ClockIntervalNs = 0.");
        }
        timer.EnsureAddress(this);
        lock (DispatcherLock)
        {
            var was = timer.Inserted;
            var now = NowNanoseconds;
            timer.DueTimeNs = dueTime < 0 ? now - dueTime * 100 : KiInterruptTimeNsOf(dueTime);
            timer.PeriodNs = periodNs;
            timer.Dpc = dpc;
            timer.SignalState = 0;
            timer.Inserted = true;
            timer.Generation++;
            _timers.Enqueue((timer, timer.Generation), (timer.DueTimeNs, _timerSequence++));
            return was;
        }
    }

    /// <summary>The timers set now, by due time then insertion: the kernel debugger's !timer.</summary>
    internal IReadOnlyList<KTimer> KdTimers()
    {
        lock (DispatcherLock)
        {
            return [.. _timers.UnorderedItems
                .Where(static e => e.Element.Timer.Inserted && e.Element.Timer.Generation == e.Element.Generation)
                .OrderBy(static e => e.Priority.Due).ThenBy(static e => e.Priority.Sequence)
                .Select(static e => e.Element.Timer)];
        }
    }

    private void KiExpireTimers(Processor processor)
    {
        var now = NowNanoseconds;
        List<KTimer>? expired = null;
        lock (DispatcherLock)
        {
            while (_timers.TryPeek(out var entry, out var due) && due.Due <= now)
            {
                _timers.Dequeue();
                var timer = entry.Timer;
                if (!timer.Inserted || timer.Generation != entry.Generation)
                {
                    continue; // cancelled or set again
                }
                timer.Expirations++;
                timer.SignalState = 1;
                KiWaitTest(timer);
                if (timer.PeriodNs > 0)
                {
                    timer.DueTimeNs += timer.PeriodNs * Math.Max(1, (now - timer.DueTimeNs) / timer.PeriodNs + 1);
                    _timers.Enqueue((timer, timer.Generation), (timer.DueTimeNs, _timerSequence++));
                }
                else
                {
                    timer.Inserted = false;
                }
                if (timer.Dpc is not null)
                {
                    (expired ??= []).Add(timer);
                }
            }
        }
        if (expired is null)
        {
            return;
        }
        // As KiTimerExpiration: each timer DPC gets the system time at expiry processing, SystemArgument1 = its low
        // part and SystemArgument2 = its high part (ULONG values).
        var systemTime = KiSystemTime;
        object low = (ulong)(uint)systemTime, high = (ulong)(uint)(systemTime >> 32);
        foreach (var timer in expired)
        {
            processor.KiCharge(processor.Costs.DpcQueueNs);
            KiInsertQueueDpc(timer.Dpc!, low, high, processor);
        }
    }
}
