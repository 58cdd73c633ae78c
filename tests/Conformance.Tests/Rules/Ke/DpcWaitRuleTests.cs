using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Rules.Ke;

/// <summary>
/// WAIT-: a wait that would block inside a DPC is a thread switch from a DPC (ReactOS
/// KiSwapContextResume: ATTEMPTED_SWITCH_FROM_DPC, P1 old thread, P2 new thread, P3 the old
/// thread's initial stack, P4 0); a wait that is satisfied at once switches nothing.
/// </summary>
[Trait("Area", "Conformance")]
public sealed class DpcWaitRuleTests
{
    private static KWaitAwaitable Wait(KDispatcherObject obj, long? timeout) =>
        KeWaitForSingleObject(obj, KWaitReason.Executive, KProcessorMode.KernelMode, false, timeout);

    /// <summary>Thread "Interrupted" queues a DPC that waits on <paramref name="ev"/>; thread "Next" is ready behind it.</summary>
    private static (KThread Interrupted, KThread Next) RunDpcThatWaits(Machine machine, KEvent ev, long? timeout, Action<NtStatus>? done = null)
    {
        var dpc = new KDpc();
        KeInitializeDpc(dpc, async (_, _, _, _) =>
        {
            var status = await Wait(ev, timeout);
            done?.Invoke(status);
        }, null, Driver, "WaitingDpc");
        var interrupted = machine.CreateSystemThread(0, Driver, "Interrupted", async _ =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeInsertQueueDpc(dpc, null, null);
            await KeLowerIrql(old); // the DPC runs here, on top of this thread
        }, null, 10);
        var next = machine.CreateSystemThread(0, Driver, "Next", _ => ValueTask.CompletedTask, null, 9);
        Run(machine);
        return (interrupted, next);
    }

    [Fact]
    public void Wait_that_would_block_in_a_DPC_bugchecks_ATTEMPTED_SWITCH_FROM_DPC_with_old_and_new_thread()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.NotificationEvent, false);
        var (interrupted, next) = RunDpcThatWaits(machine, ev, -10_000);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.AttemptedSwitchFromDpc, dump.Code);
        Assert.Equal(interrupted.Address, dump.ParameterValues[0]);
        Assert.Equal(next.Address, dump.ParameterValues[1]);
        Assert.NotEqual(0UL, dump.ParameterValues[2]);
        Assert.Equal(0UL, dump.ParameterValues[3]);
        Assert.Equal("WaitingDpc", dump.FaultingRoutine);
    }

    [Fact]
    public void Infinite_wait_in_a_DPC_bugchecks_ATTEMPTED_SWITCH_FROM_DPC()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.NotificationEvent, false);
        RunDpcThatWaits(machine, ev, null);

        Assert.Equal(BugCheckCode.AttemptedSwitchFromDpc, machine.CrashDump?.Code);
    }

    [Fact]
    public void Wait_in_a_DPC_on_a_signaled_object_switches_nothing_and_returns_STATUS_SUCCESS()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.NotificationEvent, true);
        NtStatus? status = null;
        RunDpcThatWaits(machine, ev, -10_000, s => status = s);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(NtStatus.Success, status);
    }

    [Fact]
    public void Zero_timeout_wait_in_a_DPC_on_an_unsignaled_object_returns_STATUS_TIMEOUT()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.NotificationEvent, false);
        NtStatus? status = null;
        RunDpcThatWaits(machine, ev, 0, s => status = s);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(NtStatus.Timeout, status);
    }

    [Fact]
    public void KeRemoveQueue_in_a_DPC_takes_an_available_entry_and_bugchecks_ATTEMPTED_SWITCH_FROM_DPC_when_it_would_block()
    {
        using var machine = Create();
        var queue = new KQueue();
        KeInitializeQueue(queue, 1);
        var got = new List<object?>();
        var dpc = new KDpc();
        KeInitializeDpc(dpc, async (_, _, _, _) =>
        {
            var (status, entry) = await KeRemoveQueue(queue, KProcessorMode.KernelMode, -10_000);
            got.Add(entry);
            (status, entry) = await KeRemoveQueue(queue, KProcessorMode.KernelMode, -10_000);
            got.Add(entry);
        }, null, Driver, "RemovingDpc");
        machine.RunRoutine(0, Driver, "Queuer", async () =>
        {
            KeInsertQueue(queue, "only");
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeInsertQueueDpc(dpc, null, null);
            await KeLowerIrql(old);
        });
        Run(machine);

        Assert.Equal(new object?[] { "only" }, got);
        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.AttemptedSwitchFromDpc, dump.Code);
        Assert.Equal("RemovingDpc", dump.FaultingRoutine);
    }

    [Fact]
    public void Blocking_wait_at_DISPATCH_LEVEL_outside_a_DPC_still_bugchecks_IRQL_NOT_LESS_OR_EQUAL()
    {
        using var machine = Create();
        var ev = new KEvent();
        KeInitializeEvent(ev, EventType.NotificationEvent, false);
        machine.CreateSystemThread(0, Driver, "SpinLockHolder", async _ =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            await Wait(ev, -10_000);
            await KeLowerIrql(old);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.IrqlNotLessOrEqual, dump.Code);
        Assert.Equal(ev.Address, dump.ParameterValues[0]);
        Assert.Equal((ulong)Irql.DispatchLevel, dump.ParameterValues[1]);
    }
}

/// <summary>MEM-: attaching to a process from a DPC (ReactOS ke/procobj.c KeStackAttachProcess).</summary>
[Trait("Area", "Conformance")]
public sealed class DpcAttachRuleTests
{
    [Fact]
    public void KeStackAttachProcess_in_a_DPC_bugchecks_INVALID_PROCESS_ATTACH_ATTEMPT()
    {
        using var machine = Create();
        var process = machine.CreateProcess("a.exe");
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) =>
        {
            KeStackAttachProcess(process, out _);
            return ValueTask.CompletedTask;
        }, null, Driver, "AttachingDpc");
        machine.RunRoutine(0, Driver, "Queuer", () => { KeInsertQueueDpc(dpc, null, null); return ValueTask.CompletedTask; }, Irql.DispatchLevel);
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.InvalidProcessAttachAttempt, dump.Code);
        Assert.Equal(process.ProcessObjectAddress, dump.ParameterValues[0]);
        Assert.Equal(0UL, dump.ParameterValues[2]);
        Assert.Equal(1UL, dump.ParameterValues[3]);
        Assert.Equal("AttachingDpc", dump.FaultingRoutine);
    }
}
