using ActorKernel.Actors;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.Runtime;

/// <summary>
/// Per-processor IRP lookaside lists (issue 16), NT's rule (ReactOS io/iomgr/irp.c IoAllocateIrp and
/// IoFreeIrp on the PRCB's PPLookasideList[...].P, with the system list .L behind it): IoFreeIrp puts
/// the IRP on the freeing processor's own list, IoAllocateIrp takes from the allocating processor's
/// own list first, then the system list, then builds a new IRP.
/// </summary>
[Trait("Area", "Runtime")]
public sealed class IrpProcessorLookasideTests
{
    private static readonly KernelModule Module = new("lookaside.sys");

    private static (Machine Machine, IoMgr Io) Create(int processors = 2)
    {
        var machine = Machine.Create(new MachineOptions
        {
            Processors = processors,
            Seed = 5,
            ClockIntervalNs = 0,
            SystemWorkerThreads = 0,
        });
        var io = new IoMgr();
        io.AttachTo(machine);
        return (machine, io);
    }

    /// <summary>Runs <paramref name="body"/> on processor <paramref name="cpu"/> at DISPATCH_LEVEL and the machine until it returned.</summary>
    private static T On<T>(Machine machine, int cpu, Func<T> body)
    {
        var done = false;
        T result = default!;
        machine.RunRoutine(cpu, Module, "OnCpu", () =>
        {
            Assert.Equal(cpu, KeGetCurrentProcessorNumber());
            result = body();
            done = true;
            return ValueTask.CompletedTask;
        }, Irql.DispatchLevel);
        Assert.True(machine.RunUntil(() => done, TimeSpan.FromSeconds(1)));
        return result;
    }

    [Fact]
    public void An_irp_freed_on_cpu_1_goes_to_cpu_1s_own_list_and_is_handed_out_again_on_cpu_1_not_on_cpu_0()
    {
        var (machine, io) = Create();
        using var _ = machine;
        var irp = On(machine, 0, () => IoAllocateIrp(io, 3, false));

        On(machine, 1, () =>
        {
            IoFreeIrp(irp);
            return 0;
        });

        Assert.Equal(1, io.IrpProcessorLookaside(1).Free);
        Assert.Equal(0, io.IrpProcessorLookaside(0).Free);
        Assert.Equal(0, io.IrpSystemLookaside.Free);
        var onCpu0 = On(machine, 0, () => IoAllocateIrp(io, 3, false));
        Assert.NotSame(irp, onCpu0);
        var onCpu1 = On(machine, 1, () => IoAllocateIrp(io, 3, false));
        Assert.Same(irp, onCpu1);
        Assert.Equal(2u, onCpu1.Generation);
        Assert.Equal((1L, 0L), (io.IrpProcessorLookaside(1).TotalAllocates, io.IrpProcessorLookaside(1).AllocateMisses));
        Assert.Equal((2L, 2L), (io.IrpProcessorLookaside(0).TotalAllocates, io.IrpProcessorLookaside(0).AllocateMisses)); // both CPU 0 allocations built new IRPs
    }

    [Fact]
    public void A_free_beyond_the_processors_depth_goes_to_the_system_list_which_any_processor_then_allocates_from()
    {
        var (machine, io) = Create();
        using var _ = machine;
        io.IrpLookasideDepth = 1;
        var (first, second) = On(machine, 1, () => (IoAllocateIrp(io, 2, false), IoAllocateIrp(io, 2, false)));

        On(machine, 1, () =>
        {
            IoFreeIrp(first);
            IoFreeIrp(second); // CPU 1's list is at its depth: the system list takes it (a FreeMiss of the P list)
            return 0;
        });

        Assert.Equal((1, 1L), (io.IrpProcessorLookaside(1).Free, io.IrpProcessorLookaside(1).FreeMisses));
        Assert.Equal(1, io.IrpSystemLookaside.Free);
        // CPU 0's own list is empty (a miss), so the system list supplies the IRP CPU 1 could not keep.
        Assert.Same(second, On(machine, 0, () => IoAllocateIrp(io, 2, false)));
        Assert.Equal(1L, io.IrpProcessorLookaside(0).AllocateMisses);
        Assert.Equal(new IrpLookasideStatistics(3, 2, 2, 0, 1), io.IrpLookaside);
    }

    [Fact]
    public void With_both_lists_full_a_freed_irp_is_dropped_and_counted_as_a_free_miss_of_all_lists()
    {
        var (machine, io) = Create();
        using var _ = machine;
        io.IrpLookasideDepth = 1;
        var irps = On(machine, 0, () => new[] { IoAllocateIrp(io, 2, false), IoAllocateIrp(io, 2, false), IoAllocateIrp(io, 2, false) });

        On(machine, 0, () =>
        {
            foreach (var irp in irps)
            {
                IoFreeIrp(irp);
            }
            return 0;
        });

        Assert.Equal((1, 1), (io.IrpProcessorLookaside(0).Free, io.IrpSystemLookaside.Free));
        Assert.Equal((3L, 1L, 2), (io.IrpLookaside.TotalFrees, io.IrpLookaside.FreeMisses, io.IrpLookaside.Free));
    }

    [Fact]
    public void Off_a_processor_IoAllocateIrp_and_IoFreeIrp_use_the_system_list()
    {
        var (machine, io) = Create();
        using var _ = machine;
        var irp = IoAllocateIrp(io, 2, false);

        IoFreeIrp(irp);

        Assert.Equal(1, io.IrpSystemLookaside.Free);
        Assert.Equal(0, io.IrpProcessorLookaside(0).Free + io.IrpProcessorLookaside(1).Free);
        Assert.Same(irp, On(machine, 1, () => IoAllocateIrp(io, 2, false)));
    }
}
