using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Rules.Ke;

/// <summary>
/// DPC-: the DPC watchdog (Bug Check 0x133 DPC_WATCHDOG_VIOLATION). P1 = 0: a single DPC or ISR
/// exceeded its time allotment (P2 = time count, P3 = allotment, in clock ticks; P4 = the global
/// triage block). P1 = 1: the processor spent the watchdog period cumulatively at DISPATCH_LEVEL or
/// above (P2 = the period in ticks, P3 = the triage block).
/// </summary>
[Trait("Area", "Conformance")]
public sealed class DpcWatchdogRuleTests
{
    private const long Tick = 15_625_000; // the nominal tick of a machine without a clock

    private static Machine CreateWatched(long singleNs, long periodNs) => Machine.Create(new MachineOptions
    {
        Seed = 1,
        ClockIntervalNs = 0,
        SystemWorkerThreads = 0,
        DpcWatchdogLimitNs = singleNs,
        DpcWatchdogPeriodNs = periodNs,
        InterruptLines = [new ActorKernel.Hardware.InterruptLineConfig(DeviceLine, DeviceVector, 5, 0)],
    });

    [Fact]
    public void Isr_running_longer_than_its_allotment_bugchecks_DPC_WATCHDOG_VIOLATION_with_P1_0()
    {
        using var machine = CreateWatched(singleNs: 4 * Tick, periodNs: 1_000 * Tick);
        Connect(machine, async (_, _) =>
        {
            await KeCompute(5 * Tick);
            return true;
        }, name: "SlowIsr");
        RaiseAt(machine, DeviceLine, 1_000);
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.DpcWatchdogViolation, dump.Code);
        Assert.Equal(0UL, dump.ParameterValues[0]);
        Assert.Equal(5UL, dump.ParameterValues[1]);
        Assert.Equal(4UL, dump.ParameterValues[2]);
        Assert.NotEqual(0UL, dump.ParameterValues[3]);
        Assert.Equal("SlowIsr", dump.FaultingRoutine);
    }

    [Fact]
    public void Dpcs_that_keep_the_processor_at_DISPATCH_LEVEL_past_the_period_bugcheck_DPC_WATCHDOG_VIOLATION_with_P1_1()
    {
        using var machine = CreateWatched(singleNs: 4 * Tick, periodNs: 10 * Tick);
        var runs = 0;
        var dpc = new KDpc();
        // Each run is short; it queues itself again, so the processor never drops below DISPATCH_LEVEL.
        KeInitializeDpc(dpc, async (self, _, _, _) =>
        {
            await KeCompute(Tick);
            if (++runs < 40)
            {
                KeInsertQueueDpc(self, null, null);
            }
        }, null, Driver, "StormDpc");
        machine.RunRoutine(0, Driver, "Queuer", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeInsertQueueDpc(dpc, null, null);
            await KeLowerIrql(old);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.DpcWatchdogViolation, dump.Code);
        Assert.Equal(1UL, dump.ParameterValues[0]);
        Assert.Equal(10UL, dump.ParameterValues[1]);
        Assert.NotEqual(0UL, dump.ParameterValues[2]);
        Assert.Equal(0UL, dump.ParameterValues[3]);
        Assert.True(runs is > 8 and < 40, $"stopped after the period, at run {runs}");
    }

    [Fact]
    public void Thread_at_DISPATCH_LEVEL_past_the_period_bugchecks_DPC_WATCHDOG_VIOLATION_with_P1_1()
    {
        using var machine = CreateWatched(singleNs: 4 * Tick, periodNs: 10 * Tick);
        var chunks = 0;
        machine.RunRoutine(0, Driver, "RaisedLoop", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            for (; chunks < 40; chunks++)
            {
                await KeCompute(Tick);
            }
            await KeLowerIrql(old);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.DpcWatchdogViolation, dump.Code);
        Assert.Equal(1UL, dump.ParameterValues[0]);
        Assert.Equal("RaisedLoop", dump.FaultingRoutine);
        Assert.True(chunks < 40);
    }

    [Fact]
    public void Dropping_below_DISPATCH_LEVEL_restarts_the_cumulative_count()
    {
        using var machine = CreateWatched(singleNs: 4 * Tick, periodNs: 10 * Tick);
        var chunks = 0;
        machine.RunRoutine(0, Driver, "PoliteLoop", async () =>
        {
            for (; chunks < 40; chunks++)
            {
                var old = KeRaiseIrql(Irql.DispatchLevel);
                await KeCompute(Tick);
                await KeLowerIrql(old);
            }
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(40, chunks);
    }
}
