using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Memory.ProcessorMemoryFixture;

namespace ActorKernel.Conformance.Tests.Memory;

/// <summary>Issue 4, acceptance 1 on real processors: page faults by IRQL, force IRQL checking.</summary>
[Trait("Area", "Memory")]
public sealed class ProcessorPagingTests
{
    private static readonly uint Tag = PoolTag.FromString("Pgd1");

    [Fact]
    public void DPC_touching_paged_out_paged_pool_bugchecks_DRIVER_IRQL_NOT_LESS_OR_EQUAL_naming_the_driver()
    {
        using var machine = Create();
        ulong va = 0;
        var dpc = new KDpc();
        KeInitializeDpc(dpc, TouchDpc, null, Driver);
        machine.RunRoutine(0, Driver, "Setup", async () =>
        {
            va = ExAllocatePool2(PoolFlags.Paged, 64, Tag);
            await WriteUlong(va, 0xFEEDu);
            Assert.True(machine.Memory.MmPageOut(null, va, 64) > 0);
            KeInsertQueueDpc(dpc, va, null);
        });
        Run(machine);

        var dump = AssertCrash(machine, BugCheckCode.DriverIrqlNotLessOrEqual);
        Assert.Equal("x.sys", dump.FaultingModule);
        Assert.Equal("TouchDpc", dump.FaultingRoutine);
        Assert.Equal([va, 2UL, 0UL, machine.RoutineAddress(Driver, "TouchDpc")], dump.ParameterValues);
        Assert.Contains("x.sys", dump.Analysis);
    }

    private static async ValueTask TouchDpc(KDpc dpc, object? context, object? address, object? unused)
    {
        await ReadUlong((ulong)address!, out _);
    }

    [Fact]
    public void The_same_paged_out_access_at_PASSIVE_LEVEL_succeeds_after_the_page_fault_delay()
    {
        using var machine = Create();
        uint value = 0;
        long elapsed = 0;
        var finished = false;
        machine.RunRoutine(0, Driver, "PassiveTouch", async () =>
        {
            var va = ExAllocatePool2(PoolFlags.Paged, 64, Tag);
            await WriteUlong(va, 0xFEEDu);
            Assert.True(machine.Memory.MmPageOut(null, va, 64) > 0);
            Assert.False(MmIsAddressValid(va));
            var before = machine.NowNanoseconds;
            await ReadUlong(va, out value);
            elapsed = machine.NowNanoseconds - before;
            Assert.True(MmIsAddressValid(va));
            ExFreePoolWithTag(va, Tag);
            finished = true;
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.True(finished);
        Assert.Equal(0xFEEDu, value);
        Assert.InRange(elapsed, HardFaultNs, HardFaultNs + 10_000);
    }

    [Fact]
    public void Resident_access_costs_no_fault_delay()
    {
        using var machine = Create();
        long elapsed = -1;
        machine.RunRoutine(0, Driver, "ResidentTouch", async () =>
        {
            var va = ExAllocatePool2(PoolFlags.Paged, 64, Tag);
            await WriteUlong(va, 1);
            await KeCompute(1); // pays what the earlier calls charged
            var before = machine.NowNanoseconds;
            await ReadUlong(va, out _);
            await KeCompute(1);
            elapsed = machine.NowNanoseconds - before;
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.InRange(elapsed, 1, 1_000); // well under even a demand-zero fault (2 µs)
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Force_IRQL_checking_pages_out_on_a_spin_lock_acquire_so_the_next_paged_touch_at_DISPATCH_bugchecks(bool forceIrqlChecking)
    {
        using var machine = Create(forceIrqlChecking: forceIrqlChecking);
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock);
        ulong va = 0;
        bool? validUnderLock = null;
        var finished = false;
        machine.RunRoutine(0, Driver, "UnderLock", async () =>
        {
            va = ExAllocatePool2(PoolFlags.Paged, 64, Tag);
            await WriteUlong(va, 7);
            var old = await KeAcquireSpinLock(spinLock);
            validUnderLock = MmIsAddressValid(va);
            await ReadUlong(va, out _); // a paged touch at DISPATCH_LEVEL: legal only while the page happens to be resident
            await KeReleaseSpinLock(spinLock, old);
            ExFreePoolWithTag(va, Tag);
            finished = true;
        });
        Run(machine);

        Assert.Equal(!forceIrqlChecking, validUnderLock);
        if (forceIrqlChecking)
        {
            var dump = AssertCrash(machine, BugCheckCode.DriverIrqlNotLessOrEqual);
            Assert.Equal([va, 2UL, 0UL, machine.RoutineAddress(Driver, "UnderLock")], dump.ParameterValues);
            Assert.Equal("x.sys", dump.FaultingModule);
            Assert.False(finished);
        }
        else
        {
            Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
            Assert.True(finished);
        }
    }

    [Fact]
    public void Force_IRQL_checking_pages_out_when_a_DPC_of_the_driver_starts()
    {
        using var machine = Create(forceIrqlChecking: true);
        ulong va = 0;
        var dpc = new KDpc();
        KeInitializeDpc(dpc, TouchDpc, null, Driver);
        machine.RunRoutine(0, Driver, "Setup", async () =>
        {
            va = ExAllocatePool2(PoolFlags.Paged, 64, Tag);
            await WriteUlong(va, 1);
            KeInsertQueueDpc(dpc, va, null); // the page is resident now; the DPC's raise trims it
        });
        Run(machine);

        var dump = AssertCrash(machine, BugCheckCode.DriverIrqlNotLessOrEqual);
        Assert.Equal(va, dump.ParameterValues[0]);
        Assert.Equal("TouchDpc", dump.FaultingRoutine);
    }

    [Fact]
    public void Nonpaged_pool_touched_at_DISPATCH_under_force_IRQL_checking_never_faults()
    {
        using var machine = Create(forceIrqlChecking: true);
        uint value = 0;
        machine.RunRoutine(0, Driver, "Nonpaged", async () =>
        {
            var va = ExAllocatePool2(PoolFlags.NonPaged, 64, Tag);
            await WriteUlong(va, 42);
            var old = KeRaiseIrql(Irql.DispatchLevel);
            await ReadUlong(va, out value);
            await KeLowerIrql(old);
            ExFreePoolWithTag(va, Tag);
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(42u, value);
    }
}
