using ActorKernel.Runtime;

namespace ActorKernel.Runtime.Tests;

/// <summary>
/// The concurrent dispatcher's timer thread wakes for a timer only when it is due before the thread
/// would wake anyway: an answered Ask (whose timeout is cancelled) costs the thread nothing, and a
/// timer due sooner than the thread's sleep still fires.
/// </summary>
[Trait("Area", "Runtime")]
public sealed class WallClockTimerThreadSpec
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static void WaitUntilAsleep(WallClockScheduler scheduler)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (scheduler.Passes == 0)
        {
            Assert.True(clock.Elapsed < Bound, "the timer thread never looked at its queue");
            Thread.Yield();
        }
        Thread.Sleep(20);
    }

    [Fact]
    public void Timers_due_after_the_threads_own_wake_up_added_and_cancelled_as_answered_asks_do_never_wake_it()
    {
        using var scheduler = new WallClockScheduler(1.0, idleWake: TimeSpan.FromHours(1));
        WaitUntilAsleep(scheduler);
        var passes = scheduler.Passes;

        for (var i = 0; i < 1_000; i++)
        {
            scheduler.ScheduleOnce(TimeSpan.FromHours(2), () => { }).Cancel();
        }
        Thread.Sleep(20);

        Assert.Equal(passes, scheduler.Passes);
    }

    [Fact]
    public void A_timer_due_before_the_threads_own_wake_up_wakes_it()
    {
        using var scheduler = new WallClockScheduler(1.0, idleWake: TimeSpan.FromHours(1));
        WaitUntilAsleep(scheduler); // for its idle hour, the queue being empty
        using var fired = new ManualResetEventSlim();

        scheduler.ScheduleOnce(TimeSpan.FromMilliseconds(5), fired.Set);

        Assert.True(fired.Wait(Bound), "a timer due in 5 ms waited for the timer thread's idle hour");
    }
}
