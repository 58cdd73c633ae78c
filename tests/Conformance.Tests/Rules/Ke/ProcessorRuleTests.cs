using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Rules.Ke;

/// <summary>IRQL-, DPC-, SPL-: IRQL services, DPC queueing and spin locks as the WDK pages and ReactOS ke/dpc.c, ke/spinlock.c, hal KfRaiseIrql/KfLowerIrql state them.</summary>
[Trait("Area", "Conformance")]
public sealed class ProcessorRuleTests
{
    private static CrashDump Crash(Machine machine) => Assert.IsType<CrashDump>(machine.CrashDump);

    [Fact]
    public void KeRaiseIrqlToDpcLevel_returns_the_old_IRQL_and_KeLowerIrql_to_the_same_level_is_allowed()
    {
        using var machine = Create();
        var seen = new List<string>();
        machine.RunRoutine(0, Driver, "Raiser", async () =>
        {
            var old = KeRaiseIrqlToDpcLevel();
            seen.Add($"{old.ToDisplayString()}->{KeGetCurrentIrql().ToDisplayString()}");
            var same = KeRaiseIrql(Irql.DispatchLevel);
            seen.Add(same.ToDisplayString());
            await KeLowerIrql(Irql.DispatchLevel);
            await KeLowerIrql(old);
            seen.Add(KeGetCurrentIrql().ToDisplayString());
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(["PASSIVE_LEVEL->DISPATCH_LEVEL", "DISPATCH_LEVEL", "PASSIVE_LEVEL"], seen);
    }

    [Fact]
    public void KeRaiseIrql_above_HIGH_LEVEL_bugchecks_IRQL_NOT_GREATER_OR_EQUAL()
    {
        using var machine = Create();
        machine.RunRoutine(0, Driver, "TooHigh", () =>
        {
            KeRaiseIrql((Irql)32);
            return ValueTask.CompletedTask;
        });
        Run(machine);

        Assert.Equal(BugCheckCode.IrqlNotGreaterOrEqual, Crash(machine).Code);
        Assert.Equal([0UL, 32UL, 0UL, 0UL], Crash(machine).ParameterValues);
    }

    [Fact]
    public void KeGetCurrentIrql_is_PASSIVE_in_a_thread_DISPATCH_in_a_DPC_and_the_DIRQL_in_an_ISR()
    {
        using var machine = Create();
        var seen = new List<string>();
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => { seen.Add("dpc " + KeGetCurrentIrql().ToDisplayString()); return ValueTask.CompletedTask; }, null, Driver);
        Connect(machine, (_, _) =>
        {
            seen.Add("isr " + (int)KeGetCurrentIrql());
            KeInsertQueueDpc(dpc, null, null);
            return ValueTask.FromResult(true);
        });
        machine.RunRoutine(0, Driver, "Thread", () => { seen.Add("thread " + KeGetCurrentIrql().ToDisplayString()); return ValueTask.CompletedTask; });
        RaiseAt(machine, DeviceLine, 100_000);
        Run(machine);

        Assert.Equal(["thread PASSIVE_LEVEL", "isr 5", "dpc DISPATCH_LEVEL"], seen);
    }

    [Fact]
    public void KeInsertQueueDpc_of_a_queued_DPC_keeps_the_first_system_arguments()
    {
        using var machine = Create();
        var args = new List<object?>();
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, a1, a2) => { args.Add(a1); args.Add(a2); return ValueTask.CompletedTask; }, null, Driver);
        machine.RunRoutine(0, Driver, "Queuer", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            Assert.True(KeInsertQueueDpc(dpc, 1, 2));
            Assert.False(KeInsertQueueDpc(dpc, 3, 4));
            await KeLowerIrql(old);
        });
        Run(machine);

        Assert.Equal(new object?[] { 1, 2 }, args);
    }

    [Fact]
    public void Dpc_is_dequeued_before_its_routine_runs_so_it_can_queue_itself_again()
    {
        using var machine = Create();
        var runs = 0;
        var requeued = new List<bool>();
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (self, _, _, _) =>
        {
            Assert.False(self.IsQueued);
            if (++runs < 3)
            {
                requeued.Add(KeInsertQueueDpc(self, null, null));
            }
            return ValueTask.CompletedTask;
        }, null, Driver);
        machine.RunRoutine(0, Driver, "Queuer", () => { KeInsertQueueDpc(dpc, null, null); return ValueTask.CompletedTask; }, Irql.DispatchLevel);
        Run(machine);

        Assert.Equal(3, runs);
        Assert.Equal([true, true], requeued);
    }

    [Fact]
    public void Medium_and_low_importance_DPCs_run_in_the_order_they_were_queued_after_high_importance_ones()
    {
        using var machine = Create();
        var order = new List<string>();
        KDpc Make(string name, KDpcImportance importance)
        {
            var dpc = new KDpc();
            KeInitializeDpc(dpc, (_, _, _, _) => { order.Add(name); return ValueTask.CompletedTask; }, null, Driver);
            KeSetImportanceDpc(dpc, importance);
            return dpc;
        }
        var dpcs = new[]
        {
            Make("low", KDpcImportance.LowImportance), Make("medium", KDpcImportance.MediumImportance),
            Make("mediumhigh", KDpcImportance.MediumHighImportance), Make("high", KDpcImportance.HighImportance),
        };
        machine.RunRoutine(0, Driver, "Queuer", () =>
        {
            foreach (var dpc in dpcs)
            {
                KeInsertQueueDpc(dpc, null, null);
            }
            return ValueTask.CompletedTask;
        }, Irql.DispatchLevel);
        Run(machine);

        Assert.Equal(["high", "low", "medium", "mediumhigh"], order);
    }

    [Fact]
    public void KeRemoveQueueDpc_of_a_DPC_that_is_not_queued_returns_false()
    {
        using var machine = Create();
        bool? removed = null;
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => ValueTask.CompletedTask, null, Driver);
        machine.RunRoutine(0, Driver, "Remover", () => { removed = KeRemoveQueueDpc(dpc); return ValueTask.CompletedTask; });
        Run(machine);

        Assert.False(removed);
    }

    [Fact]
    public void KeAcquireSpinLock_raises_to_DISPATCH_LEVEL_and_KeReleaseSpinLock_restores_the_old_IRQL()
    {
        using var machine = Create();
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock);
        var seen = new List<string>();
        machine.RunRoutine(0, Driver, "Locker", async () =>
        {
            var old = await KeAcquireSpinLock(spinLock);
            seen.Add($"{old.ToDisplayString()} {KeGetCurrentIrql().ToDisplayString()} {spinLock.OwnerProcessor}");
            await KeReleaseSpinLock(spinLock, old);
            seen.Add($"{KeGetCurrentIrql().ToDisplayString()} {spinLock.OwnerProcessor}");
        });
        Run(machine);

        Assert.Equal(["PASSIVE_LEVEL DISPATCH_LEVEL 0", "PASSIVE_LEVEL -1"], seen);
    }

    [Fact]
    public void KeAcquireSpinLockAtDpcLevel_and_KeReleaseSpinLockFromDpcLevel_leave_the_IRQL_alone()
    {
        using var machine = Create();
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock);
        var seen = new List<string>();
        machine.RunRoutine(0, Driver, "DpcLevelLocker", async () =>
        {
            await KeAcquireSpinLockAtDpcLevel(spinLock);
            seen.Add(KeGetCurrentIrql().ToDisplayString());
            KeReleaseSpinLockFromDpcLevel(spinLock);
            seen.Add(KeGetCurrentIrql().ToDisplayString());
        }, Irql.DispatchLevel);
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(["DISPATCH_LEVEL", "DISPATCH_LEVEL"], seen);
    }

    [Fact]
    public void KeAcquireSpinLock_above_DISPATCH_LEVEL_bugchecks_IRQL_NOT_GREATER_OR_EQUAL()
    {
        using var machine = Create();
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock);
        machine.RunRoutine(0, Driver, "LockAtDirql", async () => await KeAcquireSpinLock(spinLock), (Irql)5);
        Run(machine);

        Assert.Equal(BugCheckCode.IrqlNotGreaterOrEqual, Crash(machine).Code);
        Assert.Equal([5UL, 2UL, 0UL, 0UL], Crash(machine).ParameterValues);
        Assert.Equal(-1, spinLock.OwnerProcessor);
    }

    [Fact]
    public void Releasing_a_spin_lock_held_by_another_processor_bugchecks_SPIN_LOCK_NOT_OWNED()
    {
        using var machine = Create(processors: 2);
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock);
        machine.RunRoutine(0, Driver, "Holder", async () =>
        {
            await KeAcquireSpinLock(spinLock);
            await KeCompute(1_000_000);
        });
        machine.RunRoutine(1, Driver, "Thief", async () =>
        {
            await KeCompute(10_000);
            await KeReleaseSpinLock(spinLock, Irql.PassiveLevel);
        });
        Run(machine);

        Assert.Equal(BugCheckCode.SpinLockNotOwned, Crash(machine).Code);
        Assert.Equal(spinLock.Address, Crash(machine).ParameterValues[0]);
        Assert.Equal("Thief", Crash(machine).FaultingRoutine);
    }

    [Fact]
    public void KeBugCheckEx_from_a_driver_stops_the_machine_with_its_code_and_four_parameters()
    {
        using var machine = Create();
        machine.RunRoutine(0, Driver, "Crasher", () => throw KeBugCheckEx(BugCheckCode.ManuallyInitiatedCrash, 1, 2, 3, 4));
        Run(machine);

        Assert.Equal(BugCheckCode.ManuallyInitiatedCrash, Crash(machine).Code);
        Assert.Equal([1UL, 2UL, 3UL, 4UL], Crash(machine).ParameterValues);
        Assert.Equal("Crasher", Crash(machine).FaultingRoutine);
        Assert.Equal("testdrv.sys", Crash(machine).FaultingModule);
    }

    [Fact]
    public void Crash_dump_lists_every_processors_queued_DPCs_with_routine_driver_and_importance()
    {
        using var machine = Create(processors: 2);
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => ValueTask.CompletedTask, null, Driver, "WaitingDpc");
        KeSetTargetProcessorDpc(dpc, 1);
        KeSetImportanceDpc(dpc, KDpcImportance.HighImportance);
        machine.RunRoutine(1, Driver, "Busy", async () => await KeCompute(1_000_000), Irql.DispatchLevel);
        machine.RunRoutine(0, Driver, "QueuesThenCrashes", async () =>
        {
            KeInsertQueueDpc(dpc, null, null);
            await KeCompute(10_000);
            throw KeBugCheckEx(BugCheckCode.ManuallyInitiatedCrash, 0, 0, 0, 0);
        });
        Run(machine);

        var queued = Assert.Single(Crash(machine).Processors[1].DpcQueue);
        Assert.Equal("WaitingDpc", queued.Routine);
        Assert.Equal("testdrv.sys", queued.Module);
        Assert.Equal("HighImportance", queued.Importance);
        Assert.Equal("DISPATCH_LEVEL", Crash(machine).Processors[1].Irql);
        Assert.Empty(Crash(machine).Processors[0].DpcQueue);
    }

    [Fact]
    public void Only_the_first_bugcheck_is_recorded()
    {
        using var machine = Create(processors: 2);
        machine.RunRoutine(0, Driver, "First", () => throw KeBugCheckEx(BugCheckCode.ManuallyInitiatedCrash, 1, 0, 0, 0));
        machine.RunRoutine(1, Driver, "Second", async () =>
        {
            await KeCompute(10_000);
            throw KeBugCheckEx(BugCheckCode.ManuallyInitiatedCrash, 2, 0, 0, 0);
        });
        Run(machine);

        Assert.Equal(1UL, Crash(machine).ParameterValues[0]);
        Assert.Equal("First", Crash(machine).FaultingRoutine);
    }
}
