using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Rules.Ke;

/// <summary>WAIT-: dispatcher objects and waits, each as the WDK page of the routine and ReactOS ke/wait.c, ke/eventobj.c, ke/mutex.c, ke/semphobj.c state it.</summary>
[Trait("Area", "Conformance")]
public sealed class WaitObjectRuleTests
{
    private static KWaitAwaitable Wait(KDispatcherObject obj, long? timeout = null) =>
        KeWaitForSingleObject(obj, KWaitReason.Executive, KProcessorMode.KernelMode, false, timeout);

    private static void RunThread(Machine machine, Func<ValueTask> body) => machine.CreateSystemThread(0, Driver, "RuleThread", _ => body());

    [Fact]
    public void KeReleaseMutex_returns_the_previous_signal_state_0_when_it_frees_the_mutex_and_negative_while_still_owned()
    {
        using var machine = Create();
        var mutex = new KMutex();
        KeInitializeMutex(mutex, 0);
        var seen = new List<int>();
        RunThread(machine, async () =>
        {
            await Wait(mutex);
            await Wait(mutex);
            seen.Add(KeReadStateMutex(mutex));
            seen.Add(KeReleaseMutex(mutex, false));
            seen.Add(KeReadStateMutex(mutex));
            seen.Add(KeReleaseMutex(mutex, false));
            seen.Add(KeReadStateMutex(mutex));
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal([-1, -1, 0, 0, 1], seen);
    }

    [Fact]
    public void KeReleaseSemaphore_past_the_limit_raises_STATUS_SEMAPHORE_LIMIT_EXCEEDED_which_the_caller_can_catch()
    {
        using var machine = Create();
        var semaphore = new KSemaphore();
        KeInitializeSemaphore(semaphore, 1, 2);
        NtStatus? caught = null;
        var count = -1;
        RunThread(machine, () =>
        {
            try
            {
                KeReleaseSemaphore(semaphore, 0, 2, false);
            }
            catch (NtStatusException e)
            {
                caught = e.Status;
            }
            count = KeReleaseSemaphore(semaphore, 0, 1, false);
            return ValueTask.CompletedTask;
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(NtStatus.SemaphoreLimitExceeded, caught);
        Assert.Equal(1, count); // the failed release left the count alone
        Assert.Equal(2, semaphore.Count);
    }

    [Fact]
    public void KeReleaseSemaphore_past_the_limit_unhandled_in_a_system_thread_bugchecks_SYSTEM_THREAD_EXCEPTION_NOT_HANDLED()
    {
        using var machine = Create();
        var semaphore = new KSemaphore();
        KeInitializeSemaphore(semaphore, 1, 1);
        RunThread(machine, () =>
        {
            KeReleaseSemaphore(semaphore, 0, 1, false);
            return ValueTask.CompletedTask;
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.SystemThreadExceptionNotHandled, dump.Code);
        Assert.Equal(0xC0000047UL, dump.ParameterValues[0]);
    }

    [Fact]
    public void KeWaitForMultipleObjects_with_more_than_64_objects_bugchecks_MAXIMUM_WAIT_OBJECTS_EXCEEDED()
    {
        using var machine = Create();
        var events = Enumerable.Range(0, 65).Select(_ => { var e = new KEvent(); KeInitializeEvent(e, EventType.NotificationEvent, true); return (KDispatcherObject)e; }).ToList();
        RunThread(machine, async () => await KeWaitForMultipleObjects(events, WaitType.WaitAny, KWaitReason.Executive, KProcessorMode.KernelMode, false, null));
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.MaximumWaitObjectsExceeded, dump.Code);
        Assert.Equal([0UL, 0UL, 0UL, 0UL], dump.ParameterValues);
    }

    [Fact]
    public void KeWaitForMultipleObjects_with_64_objects_is_allowed()
    {
        using var machine = Create();
        var events = Enumerable.Range(0, 64).Select(_ => { var e = new KEvent(); KeInitializeEvent(e, EventType.NotificationEvent, true); return (KDispatcherObject)e; }).ToList();
        NtStatus? status = null;
        RunThread(machine, async () => status = await KeWaitForMultipleObjects(events, WaitType.WaitAll, KWaitReason.Executive, KProcessorMode.KernelMode, false, null));
        Run(machine);

        Assert.Equal(NtStatus.Success, status);
    }

    [Fact]
    public void KeSetEvent_and_KeResetEvent_return_the_previous_state()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.NotificationEvent, false);
        var seen = new List<int>();
        RunThread(machine, () =>
        {
            seen.Add(KeSetEvent(ev, 0, false));
            seen.Add(KeSetEvent(ev, 0, false));
            seen.Add(KeReadStateEvent(ev));
            seen.Add(KeResetEvent(ev));
            seen.Add(KeResetEvent(ev));
            seen.Add(KeReadStateEvent(ev));
            return ValueTask.CompletedTask;
        });
        Run(machine);

        Assert.Equal([0, 1, 1, 1, 0, 0], seen);
    }

    [Fact]
    public void Synchronization_event_set_with_no_waiter_stays_signaled_until_one_wait_consumes_it()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.SynchronizationEvent, false);
        var statuses = new List<NtStatus>();
        RunThread(machine, async () =>
        {
            KeSetEvent(ev, 0, false);
            statuses.Add(await Wait(ev, 0));
            statuses.Add(await Wait(ev, 0));
        });
        Run(machine);

        Assert.Equal([NtStatus.Success, NtStatus.Timeout], statuses);
    }

    [Fact]
    public void Waiting_on_a_thread_returns_when_that_thread_terminates()
    {
        using var machine = Create();
        var log = new List<string>();
        var worker = machine.CreateSystemThread(0, Driver, "Worker", async _ =>
        {
            await KeCompute(50_000);
            log.Add("worker ends");
        }, null, 8);
        machine.CreateSystemThread(0, Driver, "Joiner", async _ =>
        {
            var status = await Wait(worker);
            log.Add($"joined {status}");
        }, null, 9);
        Run(machine);

        Assert.Equal(["worker ends", "joined Success"], log);
        Assert.Equal(KThreadState.Terminated, worker.State);
    }

    [Fact]
    public void Wait_with_an_absolute_timeout_already_past_returns_STATUS_TIMEOUT_at_once()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.NotificationEvent, false);
        NtStatus? status = null;
        long elapsed = -1;
        RunThread(machine, async () =>
        {
            await KeCompute(1_000_000);
            var start = KeQueryInterruptTime();
            status = await Wait(ev, KeQuerySystemTime() - 1); // absolute system time just past
            elapsed = KeQueryInterruptTime() - start;
        });
        Run(machine);

        Assert.Equal(NtStatus.Timeout, status);
        Assert.True(elapsed < 1_000, $"returned after {elapsed} x 100 ns");
    }

    [Fact]
    public void Wait_with_an_absolute_timeout_in_system_time_returns_STATUS_TIMEOUT_at_that_time()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.NotificationEvent, false);
        NtStatus? status = null;
        long elapsed = -1;
        RunThread(machine, async () =>
        {
            var start = KeQuerySystemTime();
            status = await Wait(ev, start + 30_000); // 3 ms later, as absolute system time
            elapsed = KeQuerySystemTime() - start;
        });
        Run(machine);

        Assert.Equal(NtStatus.Timeout, status);
        Assert.InRange(elapsed, 30_000, 31_000);
    }

    [Fact]
    public void KeDelayExecutionThread_returns_STATUS_SUCCESS_after_the_interval()
    {
        using var machine = Create();
        NtStatus? status = null;
        long elapsed = -1;
        RunThread(machine, async () =>
        {
            var start = KeQueryInterruptTime();
            status = await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -20_000);
            elapsed = KeQueryInterruptTime() - start;
        });
        Run(machine);

        Assert.Equal(NtStatus.Success, status);
        Assert.True(elapsed >= 20_000, $"slept {elapsed} x 100 ns");
    }

    [Fact]
    public void KeDelayExecutionThread_in_a_DPC_bugchecks_ATTEMPTED_SWITCH_FROM_DPC()
    {
        using var machine = Create();
        var dpc = new KDpc();
        KeInitializeDpc(dpc, async (_, _, _, _) => await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000), null, Driver, "SleepingDpc");
        machine.RunRoutine(0, Driver, "Queuer", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeInsertQueueDpc(dpc, null, null);
            await KeLowerIrql(old);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.AttemptedSwitchFromDpc, dump.Code);
        Assert.Equal("SleepingDpc", dump.FaultingRoutine);
    }

    [Fact]
    public void Semaphore_wait_decrements_the_count_and_KeReleaseSemaphore_returns_the_previous_count()
    {
        using var machine = Create();
        var semaphore = new KSemaphore();
        KeInitializeSemaphore(semaphore, 2, 5);
        var seen = new List<int>();
        RunThread(machine, async () =>
        {
            await Wait(semaphore);
            seen.Add(semaphore.Count);
            seen.Add(KeReleaseSemaphore(semaphore, 0, 3, false));
            seen.Add(semaphore.Count);
        });
        Run(machine);

        Assert.Equal([1, 1, 4], seen);
    }
}
