using ActorKernel.Actors;
using Microsoft.Extensions.DependencyInjection;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Host.Tests;

/// <summary>
/// "A simulator defect must never be reported as a driver's bugcheck": an exception escaping a driver
/// routine is the driver's (KMODE_EXCEPTION_NOT_HANDLED, as an access violation in its image) when its
/// throw site is the driver's code, and a simulator defect (no dump, the host's internal error, exit 3)
/// when the kernel's own code raised it (docs/processors.md, "Whose exception is it").
/// </summary>
[Trait("Area", "Host")]
[Collection("Console")]
public sealed class SimulatorDefectTests
{
    private static readonly KernelModule Driver = new("faultdrv.sys");

    private static Machine RunAsDriver(Func<ValueTask> routine)
    {
        var machine = Machine.Create(new MachineOptions { ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        machine.RunRoutine(0, Driver, "FaultDispatch", routine, Irql.DispatchLevel);
        machine.System.Deterministic!.RunUntilQuiescent();
        return machine;
    }

    [Fact]
    public void A_driver_dereferencing_null_in_its_own_code_bugchecks_KMODE_EXCEPTION_NOT_HANDLED_naming_the_driver()
    {
        string? name = null;
        using var machine = RunAsDriver(() =>
        {
            _ = name!.Length; // the driver's own bug: an access violation in its image
            return ValueTask.CompletedTask;
        });
        Assert.Null(machine.SimulatorDefect);
        Assert.Equal(BugCheckCode.KmodeExceptionNotHandled, machine.CrashDump!.Code);
        Assert.Equal(0xC0000005UL, machine.CrashDump.ParameterValues[0]); // STATUS_ACCESS_VIOLATION
        Assert.Equal("faultdrv.sys", machine.CrashDump.FaultingModule);
    }

    [Fact]
    public void A_library_exception_from_the_drivers_own_call_is_the_drivers_bugcheck()
    {
        var empty = new List<int>();
        using var machine = RunAsDriver(() =>
        {
            _ = empty[1]; // thrown inside List<T>, but the driver made the call
            return ValueTask.CompletedTask;
        });
        Assert.Null(machine.SimulatorDefect);
        Assert.Equal(0xC000008CUL, machine.CrashDump!.ParameterValues[0]); // STATUS_ARRAY_BOUNDS_EXCEEDED
        Assert.Equal("faultdrv.sys", machine.CrashDump.FaultingModule);
    }

    [Fact]
    public void A_kernel_service_refusing_how_the_driver_called_it_stays_the_drivers_bugcheck()
    {
        using var machine = RunAsDriver(() =>
        {
            KeInitializeEvent(null!, EventType.NotificationEvent, false); // a NULL PKEVENT: the kernel refuses it (ThrowIfNull)
            return ValueTask.CompletedTask;
        });
        Assert.Null(machine.SimulatorDefect);
        Assert.Equal(BugCheckCode.KmodeExceptionNotHandled, machine.CrashDump!.Code);
        Assert.Equal("faultdrv.sys", machine.CrashDump.FaultingModule);
        Assert.Contains("eventObject", machine.CrashDump.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_invariant_of_the_kernels_own_bookkeeping_is_a_simulator_defect_even_as_an_exception_the_kernel_throws_itself()
    {
        // A processor handed a message it has no handler for: its own bookkeeping is broken (KernelInvariantException),
        // which stops the machine as a defect with no dump, where an InvalidOperationException used to escape the actor.
        using var machine = Machine.Create(new MachineOptions { ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        machine.Processors[0].Self.Tell(new object());
        machine.System.Deterministic!.RunUntilQuiescent();
        Assert.True(machine.IsBugChecked, "the machine is frozen");
        Assert.Null(machine.CrashDump);
        var defect = machine.SimulatorDefect!;
        Assert.IsType<KernelInvariantException>(defect.InnerException);
        Assert.Equal("Processor.Handle", defect.Site);
        Assert.Contains("does not handle Object", defect.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exception_raised_in_the_kernels_own_code_stops_the_machine_as_a_simulator_defect_with_no_dump()
    {
        using var machine = RunAsDriver(() =>
        {
            _ = Processor.Current.FrameAt(999); // the kernel indexes past its frame stack: the simulator's bug, not the caller's
            return ValueTask.CompletedTask;
        });
        Assert.True(machine.IsBugChecked, "the machine is frozen");
        Assert.Null(machine.CrashDump); // no dump blames faultdrv.sys
        var defect = machine.SimulatorDefect!;
        Assert.IsType<IndexOutOfRangeException>(defect.InnerException);
        Assert.Equal("Processor.FrameAt", defect.Site);
        Assert.Equal("faultdrv.sys", defect.Module);
        Assert.StartsWith("a defect of ActorKernel, not of faultdrv.sys", defect.Message, StringComparison.Ordinal);
    }

    /// <summary>A runner whose boot meets a simulator defect (the real one a machine reports).</summary>
    private sealed class DefectiveRunner : IScenarioRunner
    {
        public string Kind => "defective";

        public string Description => "a machine that meets a simulator defect";

        public int Priority => 100;

        public bool CanRun(Scenario scenario, out string reason)
        {
            reason = "";
            return true;
        }

        public IEnumerable<ScenarioProblem> Check(Scenario scenario) => [];

        public ISimulation Boot(SimulationContext context)
        {
            using var machine = RunAsDriver(() =>
            {
                _ = Processor.Current.FrameAt(999);
                return ValueTask.CompletedTask;
            });
            throw machine.SimulatorDefect!;
        }
    }

    [Fact]
    public async Task A_simulator_defect_ends_the_run_as_an_internal_error_with_exit_3_never_as_a_crash()
    {
        var error = new StringWriter();
        var output = TempDirectory.Create();
        var saved = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = await CommandLine.InvokeAsync(["--set", "Run:Progress=None", "run", "echo-timer", "--out", output], s => s.AddScenarioRunner<DefectiveRunner>());
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Equal(ExitCodes.HostError, code);
        var line = error.ToString().Split('\n').Single(l => l.Contains("internal error", StringComparison.Ordinal));
        Assert.Contains("a defect of ActorKernel, not of faultdrv.sys", line, StringComparison.Ordinal);
        Assert.Contains("Processor.FrameAt", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(output, "crash-*")); // no dump blames the driver
    }
}
