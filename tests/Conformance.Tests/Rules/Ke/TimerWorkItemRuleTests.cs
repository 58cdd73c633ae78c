using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Rules.Ke;

/// <summary>UNL-: kernel timers (KeSetTimer/KeSetTimerEx/KeCancelTimer pages; ReactOS ke/timerobj.c, KiTimerExpiration) and work items (IoQueueWorkItem; ReactOS ex/work.c ExpWorkerThreadEntryPoint).</summary>
[Trait("Area", "Conformance")]
public sealed class TimerWorkItemRuleTests
{
    private const long Ms = 1_000_000;

    private static void RunThread(Machine machine, Func<ValueTask> body) => machine.CreateSystemThread(0, Driver, "RuleThread", _ => body());

    private static void RunFor(Machine machine, long ns) => machine.RunFor(TimeSpan.FromTicks(ns / 100));

    [Fact]
    public void KeSetTimer_returns_false_when_the_timer_was_not_set_and_true_when_it_replaces_a_set_one()
    {
        using var machine = Create(clockNs: Ms);
        machine.Start();
        var timer = new KTimer();
        KeInitializeTimer(timer);
        var seen = new List<bool>();
        RunThread(machine, () =>
        {
            seen.Add(KeSetTimer(timer, -10 * 10_000, null));
            seen.Add(KeSetTimer(timer, -10 * 10_000, null));
            seen.Add(KeCancelTimer(timer));
            seen.Add(KeCancelTimer(timer));
            return ValueTask.CompletedTask;
        });
        RunFor(machine, 20 * Ms);

        Assert.Equal([false, true, true, false], seen);
        Assert.False(KeReadStateTimer(timer)); // cancelled before expiry: never signaled
    }

    [Fact]
    public void KeSetTimer_with_an_absolute_due_time_expires_at_that_system_time()
    {
        using var machine = Create(clockNs: Ms);
        machine.Start();
        var timer = new KTimer();
        KeInitializeTimer(timer);
        long firedAt = -1;
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => { firedAt = machine.NowNanoseconds; return ValueTask.CompletedTask; }, null, Driver);
        RunThread(machine, () =>
        {
            KeSetTimer(timer, KeQuerySystemTime() + 5 * Ms / 100, dpc); // absolute: system time 5 ms from now
            return ValueTask.CompletedTask;
        });
        RunFor(machine, 20 * Ms);

        Assert.InRange(firedAt, 5 * Ms, 6 * Ms + Ms / 2);
        Assert.True(KeReadStateTimer(timer));
    }

    [Fact]
    public void Setting_a_signaled_timer_again_makes_it_not_signaled_until_it_expires_again()
    {
        using var machine = Create(clockNs: Ms);
        machine.Start();
        var timer = new KTimer();
        KeInitializeTimer(timer);
        bool? afterReset = null;
        RunThread(machine, async () =>
        {
            KeSetTimer(timer, -2 * Ms / 100, null);
            await KeWaitForSingleObject(timer, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            KeSetTimer(timer, -2 * Ms / 100, null);
            afterReset = KeReadStateTimer(timer);
        });
        RunFor(machine, 10 * Ms);

        Assert.False(afterReset);
        Assert.True(KeReadStateTimer(timer));
    }

    [Fact]
    public void Synchronization_timer_releases_one_waiter_and_resets()
    {
        using var machine = Create(clockNs: Ms);
        machine.Start();
        var timer = new KTimer();
        KeInitializeTimerEx(timer, TimerType.SynchronizationTimer);
        var woke = new List<string>();
        foreach (var name in new[] { "a", "b" })
        {
            machine.CreateSystemThread(0, Driver, name, async _ =>
            {
                await KeWaitForSingleObject(timer, KWaitReason.Executive, KProcessorMode.KernelMode, false, -50 * Ms / 100);
                woke.Add($"{name}@{machine.NowNanoseconds / Ms}");
            });
        }
        RunThread(machine, () =>
        {
            KeSetTimer(timer, -3 * Ms / 100, null);
            return ValueTask.CompletedTask;
        });
        RunFor(machine, 100 * Ms);

        Assert.Equal(2, woke.Count);
        Assert.StartsWith("a@", woke[0], StringComparison.Ordinal);
        Assert.True(int.Parse(woke[0][2..], System.Globalization.CultureInfo.InvariantCulture) < 10, "a woke at expiry");
        Assert.True(int.Parse(woke[1][2..], System.Globalization.CultureInfo.InvariantCulture) >= 50, "b timed out: the expiry released one waiter only");
        Assert.False(KeReadStateTimer(timer));
    }

    [Fact]
    public void Timer_DPC_gets_the_system_time_low_and_high_parts_as_its_system_arguments()
    {
        using var machine = Create(clockNs: Ms);
        machine.Start();
        var timer = new KTimer();
        KeInitializeTimer(timer);
        object? a1 = null, a2 = null;
        long before = 0, after = 0;
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, x, y) =>
        {
            a1 = x;
            a2 = y;
            after = KeQuerySystemTime();
            return ValueTask.CompletedTask;
        }, null, Driver);
        RunThread(machine, () =>
        {
            before = KeQuerySystemTime();
            KeSetTimer(timer, -2 * Ms / 100, dpc);
            return ValueTask.CompletedTask;
        });
        RunFor(machine, 10 * Ms);

        var systemTime = (long)(((ulong)Assert.IsType<ulong>(a2) << 32) | Assert.IsType<ulong>(a1));
        Assert.InRange(systemTime, before + 2 * Ms / 100, after);
        Assert.True(before >= machine.Options.SystemTimeAtBoot);
    }

    [Fact]
    public void Work_item_routine_returning_at_DISPATCH_LEVEL_bugchecks_WORKER_THREAD_RETURNED_AT_BAD_IRQL()
    {
        using var machine = Create(workers: 1);
        IoWorkItem? item = null;
        object context = "ctx";
        machine.RunRoutine(0, Driver, "Queues", () =>
        {
            item = IoAllocateWorkItem(null);
            IoQueueWorkItem(item, (_, _) =>
            {
                KeRaiseIrql(Irql.DispatchLevel);
                return ValueTask.CompletedTask;
            }, WorkQueueType.DelayedWorkQueue, context, "RaisingWork");
            return ValueTask.CompletedTask;
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.WorkerThreadReturnedAtBadIrql, dump.Code);
        Assert.Equal(machine.RoutineAddress(KernelModule.Kernel, "IopProcessWorkItem"), dump.ParameterValues[0]);
        Assert.Equal((ulong)Irql.DispatchLevel, dump.ParameterValues[1]);
        Assert.Equal(item!.Address, dump.ParameterValues[2]);
        Assert.Equal(item.Address, dump.ParameterValues[3]);
        Assert.Equal("RaisingWork", dump.FaultingRoutine);
        Assert.Equal("testdrv.sys", dump.FaultingModule);
    }

    [Fact]
    public void Work_item_queued_from_DISPATCH_LEVEL_runs_later_at_PASSIVE_LEVEL()
    {
        using var machine = Create(workers: 1);
        var log = new List<string>();
        machine.RunRoutine(0, Driver, "QueuesFromDpcLevel", () =>
        {
            IoQueueWorkItem(IoAllocateWorkItem(null), (_, _) =>
            {
                log.Add($"work at {KeGetCurrentIrql().ToDisplayString()}");
                return ValueTask.CompletedTask;
            }, WorkQueueType.CriticalWorkQueue, null);
            log.Add("queued");
            return ValueTask.CompletedTask;
        }, Irql.DispatchLevel);
        Run(machine);

        Assert.Equal(["queued", "work at PASSIVE_LEVEL"], log);
    }
}
