using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Processors;

[Trait("Area", "Processors")]
public sealed class ThreadTests
{
    private static KWaitAwaitable Wait(KDispatcherObject obj, long? timeout = null) =>
        KeWaitForSingleObject(obj, KWaitReason.Executive, KProcessorMode.KernelMode, false, timeout);

    [Fact]
    public void Notification_event_releases_every_waiter_and_stays_signaled()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.NotificationEvent, false);
        var woke = new List<string>();
        foreach (var name in new[] { "a", "b", "c" })
        {
            machine.CreateSystemThread(0, Driver, name, async _ => { await Wait(ev); woke.Add(name); });
        }
        machine.RunRoutine(0, Driver, "Setter", async () =>
        {
            await KeCompute(10_000);
            KeSetEvent(ev, 0, false);
        });
        Run(machine);

        Assert.Equal(["a", "b", "c"], woke);
        Assert.True(ev.IsSignaled);
    }

    [Fact]
    public void Synchronization_event_releases_one_waiter_per_set_and_resets()
    {
        using var machine = Create(processors: 2);
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.SynchronizationEvent, false);
        var woke = new List<string>();
        foreach (var name in new[] { "a", "b" })
        {
            machine.CreateSystemThread(0, Driver, name, async _ => { await Wait(ev); woke.Add(name); });
        }
        var afterFirstSet = -1;
        machine.RunRoutine(1, Driver, "Setter", async () =>
        {
            await KeCompute(10_000);
            KeSetEvent(ev, 0, false);
            await KeCompute(10_000);
            afterFirstSet = woke.Count;
            KeSetEvent(ev, 0, false);
        });
        Run(machine);

        Assert.Equal(1, afterFirstSet);
        Assert.Equal(["a", "b"], woke);
        Assert.False(ev.IsSignaled);
    }

    [Fact]
    public void Wait_with_a_relative_timeout_returns_STATUS_TIMEOUT_after_that_time()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.NotificationEvent, false);
        NtStatus? status = null;
        long waited = 0;
        machine.RunRoutine(0, Driver, "Waiter", async () =>
        {
            var start = machine.NowNanoseconds;
            status = await Wait(ev, -5_000); // 500 us
            waited = machine.NowNanoseconds - start;
        });
        Run(machine);

        Assert.Equal(NtStatus.Timeout, status);
        Assert.InRange(waited, 500_000, 520_000);
    }

    [Fact]
    public void Zero_timeout_wait_at_DISPATCH_LEVEL_tests_and_returns()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.SynchronizationEvent, true);
        var statuses = new List<NtStatus>();
        machine.RunRoutine(0, Driver, "Tester", async () =>
        {
            statuses.Add(await Wait(ev, 0));
            statuses.Add(await Wait(ev, 0));
        }, Irql.DispatchLevel);
        Run(machine);

        Assert.False(machine.IsBugChecked);
        Assert.Equal([NtStatus.Success, NtStatus.Timeout], statuses);
    }

    [Fact]
    public void Wait_with_a_non_zero_timeout_at_DISPATCH_LEVEL_bugchecks_IRQL_NOT_LESS_OR_EQUAL()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.NotificationEvent, false);
        machine.RunRoutine(0, Driver, "WaitInDpcLevel", async () => await Wait(ev, -10_000), Irql.DispatchLevel);
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.IrqlNotLessOrEqual, dump.Code);
        Assert.Equal(ev.Address, dump.ParameterValues[0]);
        Assert.Equal((ulong)Irql.DispatchLevel, dump.ParameterValues[1]);
        Assert.Equal("WaitInDpcLevel", dump.FaultingRoutine);
    }

    [Fact]
    public void WaitAny_returns_STATUS_WAIT_0_plus_the_index_and_WaitAll_needs_every_object()
    {
        using var machine = Create();
        var e0 = new KEvent();
        var e1 = new KEvent();
        KeInitializeEvent(e0, EventType.NotificationEvent, false);
        KeInitializeEvent(e1, EventType.NotificationEvent, false);
        NtStatus? any = null, all = null;
        long allAt = 0, secondSetAt = 0;
        machine.CreateSystemThread(0, Driver, "Any", async _ =>
            any = await KeWaitForMultipleObjects([e0, e1], WaitType.WaitAny, KWaitReason.Executive, KProcessorMode.KernelMode, false, null));
        machine.CreateSystemThread(0, Driver, "All", async _ =>
        {
            all = await KeWaitForMultipleObjects([e0, e1], WaitType.WaitAll, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            allAt = machine.NowNanoseconds;
        });
        machine.RunRoutine(0, Driver, "Setter", async () =>
        {
            await KeCompute(10_000);
            KeSetEvent(e1, 0, false);
            await KeCompute(10_000);
            secondSetAt = machine.NowNanoseconds;
            KeSetEvent(e0, 0, false);
        });
        Run(machine);

        Assert.Equal((NtStatus)1, any); // STATUS_WAIT_1
        Assert.Equal(NtStatus.Success, all);
        Assert.True(allAt >= secondSetAt);
    }

    [Fact]
    public void Mutex_is_recursive_for_its_owner_and_release_by_another_thread_bugchecks_THREAD_NOT_MUTEX_OWNER()
    {
        using var machine = Create();
        var mutex = new KMutex();
        KeInitializeMutex(mutex, 0);
        var owner = machine.CreateSystemThread(0, Driver, "Owner", async _ =>
        {
            await Wait(mutex);
            await Wait(mutex);
            Assert.Equal(2, mutex.RecursionCount);
            await KeCompute(100_000);
        });
        machine.CreateSystemThread(0, Driver, "Thief", async _ =>
        {
            await KeCompute(20_000);
            KeReleaseMutex(mutex, false);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.ThreadNotMutexOwner, dump.Code);
        Assert.Equal(mutex.Address, dump.ParameterValues[0]);
        Assert.Same(owner, mutex.OwnerThread);
        Assert.Equal("Thief", dump.FaultingRoutine);
    }

    [Fact]
    public void Semaphore_lets_count_waiters_through()
    {
        using var machine = Create();
        var semaphore = new KSemaphore();
        KeInitializeSemaphore(semaphore, 2, 10);
        var passed = 0;
        for (var i = 0; i < 4; i++)
        {
            machine.CreateSystemThread(0, Driver, $"T{i}", async _ => { await Wait(semaphore); passed++; });
        }
        Run(machine);
        Assert.Equal(2, passed);
        Assert.Equal(0, semaphore.Count);
    }

    [Fact]
    public void Higher_priority_thread_runs_first_and_preempts_a_lower_one_at_its_yield_point()
    {
        using var machine = Create();
        var log = new List<string>();
        machine.CreateSystemThread(0, Driver, "Low", async _ =>
        {
            log.Add("low 1");
            await KeCompute(10_000);
            log.Add("low 2");
        }, priority: 4);
        machine.RunRoutine(0, Driver, "Starter", async () =>
        {
            await KeCompute(1_000);
        });
        machine.System.Scheduler.ScheduleOnce(TimeSpan.FromTicks(50), () =>
            machine.CreateSystemThread(0, Driver, "High", _ => { log.Add("high"); return ValueTask.CompletedTask; }, priority: 20));
        Run(machine);

        Assert.Equal(["low 1", "high", "low 2"], log);
    }

    [Fact]
    public void Threads_of_equal_priority_take_turns_at_quantum_end()
    {
        using var machine = Machine.Create(new MachineOptions { ClockIntervalNs = 0, SystemWorkerThreads = 0, ThreadQuantumNs = 30_000 });
        var log = new List<string>();
        foreach (var name in new[] { "A", "B" })
        {
            machine.CreateSystemThread(0, Driver, name, async _ =>
            {
                for (var i = 0; i < 4; i++)
                {
                    log.Add(name);
                    await KeCompute(20_000);
                }
            });
        }
        Run(machine);

        Assert.Equal(8, log.Count);
        Assert.NotEqual(["A", "A", "A", "A", "B", "B", "B", "B"], log);
        Assert.Equal("A", log[0]);
        Assert.Contains("B", log.Take(4));
    }

    [Fact]
    public void IoQueueWorkItem_runs_the_routine_at_PASSIVE_LEVEL_in_a_system_worker_thread_on_behalf_of_its_module()
    {
        using var machine = Create(workers: 1);
        Irql? irql = null;
        string? routine = null, module = null;
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) =>
        {
            var item = IoAllocateWorkItem(null);
            IoQueueWorkItem(item, (_, context) =>
            {
                irql = KeGetCurrentIrql();
                routine = machine.CrashDump?.FaultingRoutine ?? KeGetCurrentThread()?.Name;
                module = ((KernelModule)context!).Name;
                return ValueTask.CompletedTask;
            }, WorkQueueType.DelayedWorkQueue, Driver);
            return ValueTask.CompletedTask;
        }, null, Driver);
        machine.RunRoutine(0, Driver, "Queuer", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeInsertQueueDpc(dpc, null, null);
            await KeLowerIrql(old);
        });
        Run(machine);

        Assert.Equal(Irql.PassiveLevel, irql);
        Assert.Equal("ExpWorkerThread", routine);
        Assert.Equal("testdrv.sys", module);
    }

    [Fact]
    public void Work_item_routine_that_faults_is_attributed_to_the_module_that_queued_it()
    {
        using var machine = Create(workers: 1);
        var workDriver = new KernelModule("workdrv.sys");
        machine.RunRoutine(0, workDriver, "Queuer", () =>
        {
            var item = IoAllocateWorkItem(null);
            IoQueueWorkItem(item, BrokenWorkRoutine, WorkQueueType.DelayedWorkQueue, null);
            return ValueTask.CompletedTask;
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.SystemThreadExceptionNotHandled, dump.Code);
        Assert.Equal("workdrv.sys", dump.FaultingModule);
        Assert.Equal("BrokenWorkRoutine", dump.FaultingRoutine);
    }

    [Fact]
    public void Work_item_routine_stays_attributed_to_its_module_after_it_waits()
    {
        using var machine = Create(workers: 1);
        var workDriver = new KernelModule("waitdrv.sys");
        machine.RunRoutine(0, workDriver, "Queuer", () =>
        {
            var item = IoAllocateWorkItem(null);
            IoQueueWorkItem(item, WaitingThenBrokenWorkRoutine, WorkQueueType.DelayedWorkQueue, null);
            return ValueTask.CompletedTask;
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal("waitdrv.sys", dump.FaultingModule);
        Assert.Equal("WaitingThenBrokenWorkRoutine", dump.FaultingRoutine);
    }

    private static async ValueTask WaitingThenBrokenWorkRoutine(object? deviceObject, object? context)
    {
        await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -1_000);
        throw new InvalidOperationException("broken after a wait");
    }

    private static ValueTask BrokenWorkRoutine(object? deviceObject, object? context) => throw new InvalidOperationException("broken");

    [Fact]
    public void Thread_preempted_at_APC_LEVEL_resumes_at_APC_LEVEL_and_the_preempting_thread_runs_at_PASSIVE_LEVEL()
    {
        using var machine = Create();
        var log = new List<string>();
        machine.CreateSystemThread(0, Driver, "Low", async _ =>
        {
            var old = KeRaiseIrql(Irql.ApcLevel);
            log.Add($"low at {KeGetCurrentIrql().ToDisplayString()}");
            await KeCompute(10_000);
            log.Add($"low resumed at {KeGetCurrentIrql().ToDisplayString()}");
            await KeLowerIrql(old);
        }, priority: 4);
        machine.System.Scheduler.ScheduleOnce(TimeSpan.FromTicks(50), () =>
            machine.CreateSystemThread(0, Driver, "High", _ => { log.Add($"high at {KeGetCurrentIrql().ToDisplayString()}"); return ValueTask.CompletedTask; }, priority: 20));
        Run(machine);

        Assert.False(machine.IsBugChecked);
        Assert.Equal(["low at APC_LEVEL", "high at PASSIVE_LEVEL", "low resumed at APC_LEVEL"], log);
    }

    [Fact]
    public void Thread_that_returns_at_DISPATCH_LEVEL_does_not_leave_its_processor_there_so_later_DPCs_still_run()
    {
        using var machine = Create();
        var ran = false;
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => { ran = true; return ValueTask.CompletedTask; }, null, Driver);
        machine.CreateSystemThread(0, Driver, "Careless", _ =>
        {
            KeRaiseIrql(Irql.DispatchLevel); // and never lowers
            return ValueTask.CompletedTask;
        });
        Connect(machine, (_, _) =>
        {
            KeInsertQueueDpc(dpc, null, null);
            return ValueTask.FromResult(true);
        });
        RaiseAt(machine, DeviceLine, 100_000); // long after the thread exited; the ISR returns to the idle processor's IRQL
        Run(machine);

        Assert.True(ran, "the DPC queued by the ISR ran once the processor was back below DISPATCH_LEVEL");
    }
}
