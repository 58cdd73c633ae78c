using ActorKernel.Actors;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Runtime;

/// <summary>
/// On the concurrent dispatcher each processor arms one spin watchdog at a time (a timer per
/// contended acquire stayed queued for the whole watchdog period, with a message each: hundreds of
/// bytes per disk request under contention, issue 11 acceptance 6). A spin that never ends must still
/// end in DPC_WATCHDOG_VIOLATION (0x133), and short spins leave no timers behind.
/// </summary>
[Trait("Area", "Runtime")]
public sealed class ConcurrentSpinWatchdogTests
{
    private static readonly KernelModule Driver = new("spinwd.sys");

    private static Machine Create(long watchdogNs) => Machine.Create(new MachineOptions
    {
        Processors = 2,
        Seed = 1,
        ClockIntervalNs = 0,
        SystemWorkerThreads = 0,
        Dispatcher = DispatcherKind.Concurrent,
        DpcWatchdogLimitNs = watchdogNs,
        DpcWatchdogPeriodNs = watchdogNs,
    });

    [Fact]
    public void A_lock_order_deadlock_on_the_concurrent_dispatcher_still_ends_in_DPC_WATCHDOG_VIOLATION_with_both_processors_spinning()
    {
        using var machine = Create(watchdogNs: 50_000_000);
        var lockA = new KSpinLock();
        var lockB = new KSpinLock();
        KeInitializeSpinLock(lockA);
        KeInitializeSpinLock(lockB);
        var holding = 0;
        machine.RunRoutine(0, Driver, "TakesAThenB", async () =>
        {
            await KeAcquireSpinLock(lockA);
            await Holding();
            await KeAcquireSpinLock(lockB);
        });
        machine.RunRoutine(1, Driver, "TakesBThenA", async () =>
        {
            await KeAcquireSpinLock(lockB);
            await Holding();
            await KeAcquireSpinLock(lockA);
        });

        // Each routine yields (not blocks) until both hold their first lock, so the second acquires really cross.
        async ValueTask Holding()
        {
            Interlocked.Increment(ref holding);
            while (Volatile.Read(ref holding) < 2)
            {
                await KeCompute(10); // charged at DISPATCH_LEVEL: small, so the watchdog cannot fire before the cross
            }
        }

        // A guard against a hang, not a timing assertion: the watchdog is 50 ms.
        Assert.True(SpinWait.SpinUntil(() => machine.CrashDump is not null, TimeSpan.FromSeconds(60)), "no bugcheck");

        var dump = machine.CrashDump!;
        Assert.Equal(BugCheckCode.DpcWatchdogViolation, dump.Code);
        Assert.Equal(1UL, dump.ParameterValues[0]); // threads at raised IRQL: the cumulative form
        Assert.Contains(dump.Processors, p => p.Frames.Count > 0 && p.Frames[0].State == "Spinning");
    }

    [Fact]
    public void Contended_acquires_that_end_leave_at_most_one_watchdog_timer_per_processor()
    {
        // The default-sized watchdog: spins on a loaded machine can last long in wall time (the holder's thread descheduled).
        using var machine = Create(watchdogNs: 20_000_000_000);
        var shared = new KSpinLock();
        KeInitializeSpinLock(shared);
        var finished = 0;
        for (var cpu = 0; cpu < 2; cpu++)
        {
            machine.RunRoutine(cpu, Driver, "Contends", async () =>
            {
                for (var i = 0; i < 20_000; i++)
                {
                    var old = await KeAcquireSpinLock(shared);
                    await KeCompute(100); // a yield while holding it: the other processor finds it held
                    await KeReleaseSpinLock(shared, old);
                }
                Interlocked.Increment(ref finished);
            });
        }

        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref finished) == 2 || machine.IsBugChecked, TimeSpan.FromSeconds(60)), "the routines did not finish");

        Assert.True(!machine.IsBugChecked, machine.CrashDump?.Analysis);
        // One per processor at most (each armed for its earliest deadline), whatever the number of contended acquires.
        var pending = ((TimerQueueScheduler)machine.System.Scheduler).PendingTimers;
        Assert.True(pending <= 2, $"{pending} timers pending after {shared.Contentions} contended acquires");
    }
}
