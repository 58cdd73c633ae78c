using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Actors.Tests.Mm;

/// <summary>How the machine wires its memory manager to the processors: options, context, attribution.</summary>
[Trait("Area", "Memory")]
public sealed class MachineMemoryWiringTests
{
    private static readonly KernelModule X = new("x.sys");
    private static readonly KernelModule Y = new("y.sys");
    private static readonly uint Tag = PoolTag.FromString("Wire");

    private static Machine Create(params string[] forced) => Machine.Create(new MachineOptions
    {
        ClockIntervalNs = 0,
        SystemWorkerThreads = 0,
        Memory = new MemoryManagerOptions { PhysicalMemoryBytes = 8UL << 20, NonPagedPoolBytes = 1UL << 20, PagedPoolBytes = 2UL << 20 },
        ForceIrqlCheckingModules = forced,
    });

    private static void Run(Machine machine) => machine.System.Deterministic!.RunUntilQuiescent(1_000_000);

    [Fact]
    public void MachineOptions_configure_the_memory_manager_and_force_IRQL_checking_per_driver()
    {
        using var machine = Create("x.sys");
        Assert.Equal(8UL << 20, machine.Memory.Options.PhysicalMemoryBytes);
        Assert.Equal(1UL << 20, machine.Memory.Options.NonPagedPoolBytes);
        Assert.True(machine.Memory.IsForceIrqlCheckingEnabled("x.sys"));
        Assert.False(machine.Memory.IsForceIrqlCheckingEnabled("y.sys"));
    }

    [Fact]
    public void A_raise_by_a_driver_without_force_IRQL_checking_pages_nothing_out()
    {
        using var machine = Create("x.sys");
        bool? yValid = null;
        bool? xValid = null;
        machine.RunRoutine(0, Y, "YRaise", async () =>
        {
            var va = ExAllocatePool2(PoolFlags.Paged, 32, Tag);
            await WriteUlong(va, 1);
            var old = KeRaiseIrql(Irql.DispatchLevel);
            yValid = MmIsAddressValid(va);
            await KeLowerIrql(old);
            using (KernelContext.EnterModule(X, "XNested"))
            {
                old = KeRaiseIrql(Irql.DispatchLevel); // now the frame is x.sys's: its raise trims
                xValid = MmIsAddressValid(va);
                await KeLowerIrql(old);
            }
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.True(yValid);
        Assert.False(xValid);
    }

    [Fact]
    public void Pool_is_attributed_to_the_module_the_running_frame_is_attributed_to()
    {
        using var machine = Create();
        machine.RunRoutine(0, Y, "Caller", () =>
        {
            ExAllocatePool2(PoolFlags.NonPaged, 64, Tag);
            using (KernelContext.EnterModule(X, "Callee"))
            {
                ExAllocatePool2(PoolFlags.NonPaged, 128, Tag);
            }
            return ValueTask.CompletedTask;
        });
        Run(machine);

        Assert.Equal(64UL, Assert.Single(machine.Memory.GetOutstandingAllocations("y.sys")).Size);
        Assert.Equal(128UL, Assert.Single(machine.Memory.GetOutstandingAllocations("x.sys")).Size);
    }

    [Fact]
    public void The_memory_context_carries_IRQL_module_process_and_the_routine_code_address()
    {
        using var machine = Create();
        var app = machine.CreateProcess("app.exe");
        MemoryAccessContext context = default;
        machine.RunRoutine(0, X, "Probe", () =>
        {
            context = Processor.Current.KiMemoryContext();
            return ValueTask.CompletedTask;
        }, process: app);
        Run(machine);

        Assert.Equal(new MemoryAccessContext(Irql.PassiveLevel, app, "x.sys", machine.RoutineAddress(X, "Probe")), context);
        Assert.Same(app, Assert.Single(machine.UserProcesses));
    }

    [Fact]
    public void Memory_services_outside_a_routine_throw_InvalidOperationException()
    {
        Assert.Throws<InvalidOperationException>(() => ExAllocatePool2(PoolFlags.NonPaged, 16, Tag));
    }
}
