using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.Rules.Ke;

/// <summary>
/// UNL-: what NT does with a driver's timers, DPCs and work items when the driver is unloaded.
/// The image unload checks the timer table for timers whose DPC routine lies in the image
/// (KeCheckForTimer: TIMER_OR_DPC_INVALID 0xC7, P1 = 2, P2 = the routine, P3/P4 = the image range);
/// a DPC still queued runs into unloaded code (DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS
/// 0xCE, P1 = P3 = the routine, P2 = 8 execute); an IoQueueWorkItem item holds the image until its
/// routine returned.
/// </summary>
[Trait("Area", "Conformance")]
public sealed class UnloadRuleTests : IDisposable
{
    private static readonly KernelModule Caller = new("unloader.sys");
    private readonly Machine _machine;
    private readonly IoMgr _io;
    private readonly DriverObject _driver;

    public UnloadRuleTests()
    {
        _machine = Machine.Create(new MachineOptions { Processors = 2, Seed = 3, ClockIntervalNs = 1_000_000, SystemWorkerThreads = 1 });
        _io = new IoMgr();
        _io.AttachTo(_machine);
        _machine.Start();
        _driver = IoTestBed.Run(_io.LoadDriverAsync("Leaky", "leaky.sys", (driver, _) =>
        {
            driver.DriverUnload = _ => ValueTask.CompletedTask; // forgets its timers, DPCs and work items
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
    }

    public void Dispose() => _machine.Dispose();

    private KernelModule Module => _driver.Module;

    private void RunFor(long ns) => _machine.RunFor(TimeSpan.FromTicks(ns / 100));

    private NtStatus Unload() => IoTestBed.Run(_io.UnloadDriverAsync(_driver));

    private KDpc NewDpc(string name, Action? ran = null)
    {
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => { ran?.Invoke(); return ValueTask.CompletedTask; }, null, Module, name);
        return dpc;
    }

    private void SetTimer(KTimer timer, KDpc dpc, long dueTime, int periodMs = 0)
    {
        KeInitializeTimer(timer);
        _machine.RunRoutine(0, Module, "SetsTimer", () =>
        {
            KeSetTimerEx(timer, dueTime, periodMs, dpc);
            return ValueTask.CompletedTask;
        });
        RunFor(100_000);
    }

    [Fact]
    public void Unload_with_a_timer_still_set_bugchecks_TIMER_OR_DPC_INVALID_naming_the_DPC_routine_and_the_image()
    {
        var timer = new KTimer();
        var dpc = NewDpc("LeakedTimerDpc");
        SetTimer(timer, dpc, -10_000_000); // 1 s from now

        var crash = Assert.Throws<BugCheckException>(() => Unload());

        Assert.Equal(BugCheckCode.TimerOrDpcInvalid, crash.Code);
        var (start, end) = _machine.KiImageRange(Module);
        var routine = _machine.RoutineAddress(Module, "LeakedTimerDpc");
        Assert.Equal([2UL, routine, start, end], [crash.Parameter1, crash.Parameter2, crash.Parameter3, crash.Parameter4]);
        Assert.InRange(routine, start, end - 1);
        Assert.Equal(BugCheckCode.TimerOrDpcInvalid, _machine.CrashDump?.Code);
    }

    [Fact]
    public void Unload_with_a_periodic_timer_still_set_bugchecks_TIMER_OR_DPC_INVALID_even_after_it_fired()
    {
        var timer = new KTimer();
        var runs = 0;
        var dpc = NewDpc("PeriodicDpc", () => runs++);
        SetTimer(timer, dpc, -20_000, periodMs: 1);
        RunFor(5_000_000);
        Assert.True(runs > 0);

        var crash = Assert.Throws<BugCheckException>(() => Unload());

        Assert.Equal(BugCheckCode.TimerOrDpcInvalid, crash.Code);
        Assert.Equal(2UL, crash.Parameter1);
    }

    [Fact]
    public void Unload_after_KeCancelTimer_succeeds_and_the_DPC_never_runs()
    {
        var timer = new KTimer();
        var runs = 0;
        var dpc = NewDpc("CancelledDpc", () => runs++);
        SetTimer(timer, dpc, -10_000_000);
        _machine.RunRoutine(0, Module, "Cancels", () =>
        {
            Assert.True(KeCancelTimer(timer));
            return ValueTask.CompletedTask;
        });
        RunFor(100_000);

        Assert.Equal(NtStatus.Success, Unload());
        RunFor(2_000_000_000);

        Assert.False(_machine.IsBugChecked, _machine.CrashDump?.Analysis);
        Assert.True(Module.Unloaded);
        Assert.Equal(0, runs);
    }

    [Fact]
    public void Dpc_still_queued_at_unload_bugchecks_DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS_when_it_would_run()
    {
        var ran = false;
        var dpc = NewDpc("LeakedDpc", () => ran = true);
        KeSetTargetProcessorDpc(dpc, 1);
        // Processor 1 stays at DISPATCH_LEVEL for 10 ms, so the DPC queued to it waits past the unload.
        _machine.RunRoutine(1, KernelModule.Kernel, "Busy", async () => await KeCompute(10_000_000), Irql.DispatchLevel);
        _machine.RunRoutine(0, Module, "Queues", () =>
        {
            Assert.True(KeInsertQueueDpc(dpc, null, null));
            return ValueTask.CompletedTask;
        }, Irql.DispatchLevel);
        RunFor(1_000_000);
        Assert.True(dpc.IsQueued);

        Assert.Equal(NtStatus.Success, Unload());
        RunFor(20_000_000);

        var dump = Assert.IsType<CrashDump>(_machine.CrashDump);
        Assert.Equal(BugCheckCode.DriverUnloadedWithoutCancellingPendingOperations, dump.Code);
        var routine = _machine.RoutineAddress(Module, "LeakedDpc");
        Assert.Equal([routine, 8UL, routine, 0UL], dump.ParameterValues);
        Assert.Equal("LeakedDpc", dump.FaultingRoutine);
        Assert.Equal(1, dump.BugCheckProcessor);
        Assert.False(ran);
    }

    [Fact]
    public void Work_item_queued_at_unload_still_runs_and_the_image_unloads_after_it_returns()
    {
        var ran = false;
        var unloadedWhileRunning = true;
        IoWorkItem? item = null;
        // The worker thread shares processor 0, which stays at DISPATCH_LEVEL for 10 ms after queuing.
        _machine.RunRoutine(0, Module, "Queues", async () =>
        {
            item = IoAllocateWorkItem(null);
            IoQueueWorkItem(item, (_, _) =>
            {
                ran = true;
                unloadedWhileRunning = Module.Unloaded;
                return ValueTask.CompletedTask;
            }, WorkQueueType.DelayedWorkQueue, null, "LateWork");
            await KeCompute(10_000_000);
        }, Irql.DispatchLevel);
        RunFor(1_000_000);
        Assert.True(item!.Queued);

        Assert.Equal(NtStatus.Success, Unload());
        Assert.False(Module.Unloaded); // the queued item holds the image (IoQueueWorkItem references the device object)
        RunFor(20_000_000);

        Assert.False(_machine.IsBugChecked, _machine.CrashDump?.Analysis);
        Assert.True(ran);
        Assert.False(unloadedWhileRunning);
        Assert.True(Module.Unloaded);
    }

    [Fact]
    public void Timer_still_set_when_the_last_work_item_returns_bugchecks_TIMER_OR_DPC_INVALID_then()
    {
        var timer = new KTimer();
        var dpc = NewDpc("LateTimerDpc");
        SetTimer(timer, dpc, -10_000_000);
        _machine.RunRoutine(0, Module, "Queues", async () =>
        {
            IoQueueWorkItem(IoAllocateWorkItem(null), (_, _) => ValueTask.CompletedTask, WorkQueueType.DelayedWorkQueue, null, "HoldsImage");
            await KeCompute(10_000_000);
        }, Irql.DispatchLevel);
        RunFor(1_000_000);

        Assert.Equal(NtStatus.Success, Unload());
        RunFor(20_000_000);

        var dump = Assert.IsType<CrashDump>(_machine.CrashDump);
        Assert.Equal(BugCheckCode.TimerOrDpcInvalid, dump.Code);
        Assert.Equal(_machine.RoutineAddress(Module, "LateTimerDpc"), dump.ParameterValues[1]);
        Assert.Equal("ExpWorkerThread", dump.FaultingRoutine);
    }
}
