using System.Text.Json;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Processors;

[Trait("Area", "Processors")]
public sealed class BugCheckTests
{
    [Fact]
    public void KeRaiseIrql_to_a_lower_level_bugchecks_IRQL_NOT_GREATER_OR_EQUAL_with_current_and_requested_IRQL()
    {
        using var machine = Create();
        machine.RunRoutine(0, Driver, "BadRaise", async () =>
        {
            KeRaiseIrql(Irql.DispatchLevel);
            await KeCompute(10);
            KeRaiseIrql(Irql.ApcLevel);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.IrqlNotGreaterOrEqual, dump.Code);
        Assert.Equal("0x00000009", dump.BugCheckCode);
        Assert.Equal([2UL, 1UL, 0UL, 0UL], dump.ParameterValues);
        Assert.Equal("BadRaise", dump.FaultingRoutine);
    }

    [Fact]
    public void KeLowerIrql_to_a_higher_level_bugchecks_IRQL_NOT_LESS_OR_EQUAL_with_requested_and_current_IRQL()
    {
        using var machine = Create();
        machine.RunRoutine(0, Driver, "BadLower", async () => await KeLowerIrql(Irql.DispatchLevel));
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.IrqlNotLessOrEqual, dump.Code);
        Assert.Equal([2UL, 0UL, 0UL, 0UL], dump.ParameterValues);
    }

    [Fact]
    public void Exception_escaping_a_DPC_bugchecks_KMODE_EXCEPTION_NOT_HANDLED_with_the_exception_code()
    {
        using var machine = Create();
        var dpc = new KDpc();
        KeInitializeDpc(dpc, FaultingDpc, null, Driver);
        machine.RunRoutine(0, Driver, "Queuer", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeInsertQueueDpc(dpc, null, null);
            await KeLowerIrql(old);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.KmodeExceptionNotHandled, dump.Code);
        Assert.Equal(0xC0000005UL, dump.ParameterValues[0]); // NullReferenceException is an access violation
        Assert.NotEqual(0UL, dump.ParameterValues[1]);
        Assert.Equal("FaultingDpc", dump.FaultingRoutine);
    }

    [Fact]
    public void Exception_escaping_a_system_thread_bugchecks_SYSTEM_THREAD_EXCEPTION_NOT_HANDLED()
    {
        using var machine = Create();
        machine.RunRoutine(0, Driver, "ThreadBody", async () =>
        {
            await KeCompute(100);
            throw new DivideByZeroException();
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.SystemThreadExceptionNotHandled, dump.Code);
        Assert.Equal(0xC0000094UL, dump.ParameterValues[0]);
    }

    [Fact]
    public void Bugcheck_freezes_every_processor_so_nothing_runs_afterwards()
    {
        using var machine = Create(processors: 2);
        var ticks = 0;
        machine.RunRoutine(1, Driver, "Worker", async () =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                ticks++;
                await KeCompute(1_000);
            }
        });
        machine.RunRoutine(0, Driver, "Crasher", async () =>
        {
            await KeCompute(50_000);
            throw KeBugCheckEx(BugCheckCode.ManuallyInitiatedCrash, 1, 2, 3, 4);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.ManuallyInitiatedCrash, dump.Code);
        Assert.Equal([1UL, 2UL, 3UL, 4UL], dump.ParameterValues);
        Assert.InRange(ticks, 40, 60); // processor 1 stopped at the bugcheck, long before its 1000 iterations
        Assert.Equal("Worker", dump.Processors[1].Frames[0].Routine);
    }

    [Fact]
    public void Crash_dump_names_the_faulting_routine_and_driver_and_records_every_processor()
    {
        var timerDriver = new KernelModule("timerdev.sys");
        using var machine = Create(processors: 2);
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock);
        var dpc = new KDpc();
        KeInitializeDpc(dpc, TimerDpcRoutine, spinLock, timerDriver);
        machine.RunRoutine(0, timerDriver, "Queuer", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeInsertQueueDpc(dpc, null, null);
            await KeLowerIrql(old);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal("SPIN_LOCK_ALREADY_OWNED", dump.BugCheckName);
        Assert.Equal("timerdev.sys", dump.FaultingModule);
        Assert.Equal("TimerDpcRoutine", dump.FaultingRoutine);
        Assert.Contains("Probably caused by: timerdev.sys (TimerDpcRoutine)", dump.Analysis, StringComparison.Ordinal);
        Assert.Equal(2, dump.Processors.Count);
        var cpu0 = dump.Processors[0];
        Assert.Equal("DISPATCH_LEVEL", cpu0.Irql);
        Assert.Equal("TimerDpcRoutine", cpu0.Frames[0].Routine);
        Assert.Equal("Dpc", cpu0.Frames[0].Kind);
        Assert.Equal("Queuer", cpu0.Frames[1].Routine);
        Assert.Contains(cpu0.IrqlHistory, t => t.To == "DISPATCH_LEVEL");
        Assert.Equal("spinLock", Assert.Single(cpu0.HeldSpinLocks).Name);
        Assert.Empty(dump.Processors[1].Frames);

        using var json = JsonDocument.Parse(dump.ToJson());
        Assert.Equal("0x0000000F", json.RootElement.GetProperty("bugCheckCode").GetString());
        Assert.Equal(dump.Parameters[0].Meaning, json.RootElement.GetProperty("parameters")[0].GetProperty("meaning").GetString());
    }

    [Fact]
    public void Crash_dump_file_is_written_when_a_directory_is_configured_and_is_identical_for_the_same_seed()
    {
        string RunOnce(string directory)
        {
            using var machine = Machine.Create(new MachineOptions { ClockIntervalNs = 0, SystemWorkerThreads = 0, Seed = 3, CrashDumpDirectory = directory });
            machine.RunRoutine(0, Driver, "BadLower", async () => await KeLowerIrql(Irql.HighLevel));
            Run(machine);
            return File.ReadAllText(Path.Combine(directory, "crash.json"));
        }
        var root = Path.Combine(Path.GetTempPath(), "ak-crash-" + Environment.ProcessId);
        try
        {
            var first = RunOnce(Path.Combine(root, "a"));
            var second = RunOnce(Path.Combine(root, "b"));
            Assert.Equal(first, second);
            Assert.Contains("IRQL_NOT_LESS_OR_EQUAL", first, StringComparison.Ordinal);
            Assert.Contains("Probably caused by: testdrv.sys (BadLower)", File.ReadAllText(Path.Combine(root, "a", "crash.txt")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Kernel_service_called_outside_any_routine_throws_InvalidOperationException()
    {
        var error = Assert.Throws<InvalidOperationException>(() => KeGetCurrentIrql());
        Assert.Contains("outside any routine", error.Message, StringComparison.Ordinal);
    }

    private static ValueTask FaultingDpc(KDpc dpc, object? context, object? a1, object? a2) =>
        throw new NullReferenceException();

    private static async ValueTask TimerDpcRoutine(KDpc dpc, object? context, object? a1, object? a2)
    {
        var spinLock = (KSpinLock)context!;
        await KeAcquireSpinLockAtDpcLevel(spinLock);
        await KeCompute(500);
        await KeAcquireSpinLockAtDpcLevel(spinLock); // recursive: a deadlock on real hardware
    }
}
