using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Processors;

[Trait("Area", "Processors")]
public sealed class DpcTests
{
    [Fact]
    public void Dpc_queued_from_an_ISR_runs_only_after_the_ISR_returns_and_IRQL_drops_below_DISPATCH_LEVEL()
    {
        using var machine = Create();
        var log = new List<string>();
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, a1, _) =>
        {
            log.Add($"dpc({a1}) at {KeGetCurrentIrql().ToDisplayString()}");
            return ValueTask.CompletedTask;
        }, null, Driver);
        Connect(machine, async (_, _) =>
        {
            log.Add("isr queues");
            Assert.True(KeInsertQueueDpc(dpc, 42, null));
            await KeCompute(1_000);
            log.Add("isr returns");
            return true;
        });
        machine.RunRoutine(0, Driver, "RaisedRoutine", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            await KeCompute(20_000); // the interrupt arrives meanwhile; its DPC must wait for this routine to lower
            log.Add("lowering");
            await KeLowerIrql(old);
            log.Add("lowered");
        });
        RaiseAt(machine, DeviceLine, 5_000);
        Run(machine);

        Assert.Equal(["isr queues", "isr returns", "lowering", "dpc(42) at DISPATCH_LEVEL", "lowered"], log);
    }

    [Fact]
    public void KeInsertQueueDpc_of_an_already_queued_DPC_returns_false_and_it_runs_once()
    {
        using var machine = Create();
        var runs = 0;
        bool? first = null, second = null;
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => { runs++; return ValueTask.CompletedTask; }, null, Driver);
        machine.RunRoutine(0, Driver, "Queuer", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            first = KeInsertQueueDpc(dpc, null, null);
            second = KeInsertQueueDpc(dpc, null, null);
            await KeLowerIrql(old);
        });
        Run(machine);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(1, runs);
    }

    [Fact]
    public void HighImportance_DPCs_are_queued_at_the_front_and_run_first()
    {
        using var machine = Create();
        var order = new List<string>();
        KDpc Make(string name, KDpcImportance importance)
        {
            var dpc = new KDpc();
            KeInitializeDpc(dpc, (_, _, _, _) => { order.Add(name); return ValueTask.CompletedTask; }, null, Driver, name);
            KeSetImportanceDpc(dpc, importance);
            return dpc;
        }
        var a = Make("medium1", KDpcImportance.MediumImportance);
        var b = Make("low", KDpcImportance.LowImportance);
        var c = Make("high", KDpcImportance.HighImportance);
        var d = Make("medium2", KDpcImportance.MediumImportance);
        machine.RunRoutine(0, Driver, "Queuer", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeInsertQueueDpc(a, null, null);
            KeInsertQueueDpc(b, null, null);
            KeInsertQueueDpc(c, null, null);
            KeInsertQueueDpc(d, null, null);
            await KeLowerIrql(old);
        });
        Run(machine);

        Assert.Equal(["high", "medium1", "low", "medium2"], order);
    }

    [Fact]
    public void Dpc_targeted_at_processor_1_runs_there_while_processor_0_is_at_device_IRQL()
    {
        using var machine = Create(processors: 2, line1Affinity: 0b01);
        int? ranOn = null;
        Irql? processor0Irql = null;
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) =>
        {
            ranOn = KeGetCurrentProcessorNumber();
            processor0Irql = machine.GetProcessorIrql(0);
            return ValueTask.CompletedTask;
        }, null, Driver);
        KeSetTargetProcessorDpc(dpc, 1);
        Connect(machine, async (_, _) =>
        {
            KeInsertQueueDpc(dpc, null, null);
            await KeCompute(50_000); // processor 0 stays at DIRQL(5) long after queuing
            return true;
        });
        RaiseAt(machine, DeviceLine, 1_000);
        Run(machine);

        Assert.Equal(1, ranOn);
        Assert.Equal((Irql)5, processor0Irql);
        Assert.Equal(0, machine.GetStatistics().Processors[0].DpcCount);
        Assert.Equal(1, machine.GetStatistics().Processors[1].DpcCount);
    }

    [Fact]
    public void KeRemoveQueueDpc_takes_a_queued_DPC_out_so_it_never_runs()
    {
        using var machine = Create();
        var runs = 0;
        bool? removed = null, removedAgain = null;
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => { runs++; return ValueTask.CompletedTask; }, null, Driver);
        machine.RunRoutine(0, Driver, "Queuer", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeInsertQueueDpc(dpc, null, null);
            removed = KeRemoveQueueDpc(dpc);
            removedAgain = KeRemoveQueueDpc(dpc);
            await KeLowerIrql(old);
        });
        Run(machine);

        Assert.True(removed);
        Assert.False(removedAgain);
        Assert.Equal(0, runs);
    }

    [Fact]
    public void Dpc_running_longer_than_the_watchdog_limit_bugchecks_DPC_WATCHDOG_VIOLATION_with_P1_0()
    {
        using var machine = Create(watchdogNs: 1_000_000);
        var dpc = new KDpc();
        KeInitializeDpc(dpc, SlowDpcRoutine, null, Driver);
        machine.RunRoutine(0, Driver, "Queuer", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeInsertQueueDpc(dpc, null, null);
            await KeLowerIrql(old);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.DpcWatchdogViolation, dump.Code);
        Assert.Equal(0UL, dump.ParameterValues[0]);
        Assert.True(dump.ParameterValues[1] >= dump.ParameterValues[2], "P2 (time count) reaches P3 (allotment)");
        Assert.Equal("SlowDpcRoutine", dump.FaultingRoutine);
        Assert.Equal("testdrv.sys", dump.FaultingModule);
        Assert.Equal("DISPATCH_LEVEL", dump.Processors[0].Irql);
    }

    [Fact]
    public void Dpc_that_returns_at_another_IRQL_bugchecks_IRQL_NOT_GREATER_OR_EQUAL()
    {
        using var machine = Create();
        var dpc = new KDpc();
        KeInitializeDpc(dpc, RaisingDpcRoutine, null, Driver);
        machine.RunRoutine(0, Driver, "Queuer", () => { KeInsertQueueDpc(dpc, null, null); return ValueTask.CompletedTask; });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.IrqlNotGreaterOrEqual, dump.Code);
        Assert.Equal([7UL, 2UL], dump.ParameterValues.Skip(1).Take(2));
        Assert.Equal("RaisingDpcRoutine", dump.FaultingRoutine);
    }

    private static ValueTask RaisingDpcRoutine(KDpc dpc, object? context, object? a1, object? a2)
    {
        KeRaiseIrql((Irql)7);
        return ValueTask.CompletedTask;
    }

    private static async ValueTask SlowDpcRoutine(KDpc dpc, object? context, object? a1, object? a2)
    {
        for (var i = 0; i < 100; i++)
        {
            await KeCompute(100_000);
        }
    }
}
