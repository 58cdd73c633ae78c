using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Processors;

[Trait("Area", "Processors")]
public sealed class TimerTests
{
    [Fact]
    public void Clock_interrupt_at_CLOCK_LEVEL_advances_the_tick_count_once_per_interval()
    {
        using var machine = Create(clockNs: 1_000_000);
        machine.Start();
        machine.RunFor(TimeSpan.FromMilliseconds(10.5));

        Assert.Equal(10, machine.TickCount);
        var cpu0 = machine.GetStatistics().Processors[0];
        Assert.Equal(10, cpu0.IsrCount);
        Assert.True(cpu0.IrqlResidencyNs[(int)Irql.ClockLevel] > 0);
    }

    [Fact]
    public void KeSetTimer_with_a_DPC_fires_once_after_the_due_time_at_clock_resolution()
    {
        using var machine = Create(clockNs: 1_000_000);
        var fired = new List<long>();
        var timer = new KTimer();
        KeInitializeTimer(timer);
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => { fired.Add(machine.NowNanoseconds); return ValueTask.CompletedTask; }, null, Driver);
        machine.RunRoutine(0, Driver, "Arm", () =>
        {
            KeSetTimer(timer, -25_000, dpc); // 2.5 ms relative
            return ValueTask.CompletedTask;
        });
        machine.Start();
        machine.RunFor(TimeSpan.FromMilliseconds(20));

        var at = Assert.Single(fired);
        Assert.InRange(at, 2_500_000, 3_100_000); // expired by the 3rd tick
        Assert.True(timer.IsSignaled);
        Assert.False(timer.Inserted);
    }

    [Fact]
    public void KeSetTimerEx_with_a_period_fires_every_period_until_KeCancelTimer()
    {
        using var machine = Create(clockNs: 1_000_000);
        var fired = 0;
        var timer = new KTimer();
        KeInitializeTimerEx(timer, TimerType.SynchronizationTimer);
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) =>
        {
            if (++fired == 5)
            {
                Assert.True(KeCancelTimer(timer));
            }
            return ValueTask.CompletedTask;
        }, null, Driver);
        machine.RunRoutine(0, Driver, "Arm", () =>
        {
            Assert.False(KeSetTimerEx(timer, -10_000, 2, dpc)); // first at 1 ms, then every 2 ms
            return ValueTask.CompletedTask;
        });
        machine.Start();
        machine.RunFor(TimeSpan.FromMilliseconds(50));

        Assert.Equal(5, fired);
        Assert.Equal(5, timer.Expirations);
    }

    [Fact]
    public void KeQueryInterruptTime_advances_with_the_time_a_routine_consumes()
    {
        using var machine = Create();
        long first = 0, second = 0;
        machine.RunRoutine(0, Driver, "Timer", async () =>
        {
            first = KeQueryInterruptTime();
            await KeCompute(1_000_000);
            second = KeQueryInterruptTime();
        });
        Run(machine);

        Assert.True(second - first >= 10_000, $"1 ms is 10000 units of 100 ns; got {second - first}");
    }

    [Fact]
    public void Thread_waiting_on_a_timer_wakes_at_expiry()
    {
        using var machine = Create(clockNs: 1_000_000);
        NtStatus? status = null;
        long wokeAt = 0;
        var timer = new KTimer();
        KeInitializeTimer(timer);
        machine.RunRoutine(0, Driver, "Sleeper", async () =>
        {
            KeSetTimer(timer, -40_000, null);
            status = await KeWaitForSingleObject(timer, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            wokeAt = machine.NowNanoseconds;
        });
        machine.Start();
        machine.RunFor(TimeSpan.FromMilliseconds(10));

        Assert.Equal(NtStatus.Success, status);
        Assert.InRange(wokeAt, 4_000_000, 5_100_000);
    }
}
