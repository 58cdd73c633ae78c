using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Processors;

[Trait("Area", "Processors")]
public sealed class SpinLockTests
{
    [Fact]
    public void Two_processors_contend_for_one_spin_lock_and_the_waiters_spin_time_is_recorded()
    {
        using var machine = Create(processors: 2);
        var sharedLock = new KSpinLock();
        KeInitializeSpinLock(sharedLock);
        var log = new List<string>();
        machine.RunRoutine(0, Driver, "Holder", async () =>
        {
            var old = await KeAcquireSpinLock(sharedLock);
            log.Add($"cpu0 holds at {KeGetCurrentIrql().ToDisplayString()}");
            await KeCompute(30_000);
            log.Add("cpu0 releases");
            await KeReleaseSpinLock(sharedLock, old);
        });
        machine.RunRoutine(1, Driver, "Waiter", async () =>
        {
            await KeCompute(5_000); // arrive while cpu0 holds it
            var old = await KeAcquireSpinLock(sharedLock);
            log.Add("cpu1 holds");
            await KeReleaseSpinLock(sharedLock, old);
        });
        Run(machine);

        Assert.Equal(["cpu0 holds at DISPATCH_LEVEL", "cpu0 releases", "cpu1 holds"], log);
        var stats = machine.GetStatistics();
        var lockStats = Assert.Single(stats.SpinLocks, l => l.Name == "sharedLock");
        Assert.Equal(1, lockStats.Contentions);
        Assert.Equal(2, lockStats.Acquisitions);
        Assert.True(lockStats.SpinNs >= 20_000, $"spin time {lockStats.SpinNs} ns should cover most of the 30 us hold");
        Assert.Equal(lockStats.SpinNs, stats.Processors[1].SpinNs);
        Assert.Equal(0, stats.Processors[0].SpinNs);
    }

    [Fact]
    public void Recursive_acquire_on_the_same_processor_bugchecks_SPIN_LOCK_ALREADY_OWNED_with_the_lock_address()
    {
        using var machine = Create();
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock);
        machine.RunRoutine(0, Driver, "Recursive", async () =>
        {
            await KeAcquireSpinLock(spinLock);
            await KeAcquireSpinLock(spinLock);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.SpinLockAlreadyOwned, dump.Code);
        Assert.Equal("0x0000000F", dump.BugCheckCode);
        Assert.Equal(spinLock.Address, dump.ParameterValues[0]);
        Assert.NotEqual(0UL, spinLock.Address);
        Assert.Equal([0UL, 0UL, 0UL], dump.ParameterValues.Skip(1));
        Assert.Equal("Recursive", dump.FaultingRoutine);
        Assert.Contains(dump.Processors[0].HeldSpinLocks, l => l.Name == "spinLock");
    }

    [Fact]
    public void Spinning_processor_takes_no_DPCs_until_it_gets_the_lock_and_lowers()
    {
        using var machine = Create(processors: 2);
        var sharedLock = new KSpinLock();
        KeInitializeSpinLock(sharedLock);
        var log = new List<string>();
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => { log.Add("dpc on cpu1"); return ValueTask.CompletedTask; }, null, Driver);
        KeSetTargetProcessorDpc(dpc, 1);
        machine.RunRoutine(0, Driver, "Holder", async () =>
        {
            var old = await KeAcquireSpinLock(sharedLock);
            await KeCompute(10_000);
            KeInsertQueueDpc(dpc, null, null); // cpu1 is spinning at DISPATCH_LEVEL now
            await KeCompute(10_000);
            log.Add("cpu0 releases");
            await KeReleaseSpinLock(sharedLock, old);
        });
        machine.RunRoutine(1, Driver, "Waiter", async () =>
        {
            await KeCompute(2_000);
            var old = await KeAcquireSpinLock(sharedLock);
            log.Add("cpu1 holds");
            await KeReleaseSpinLock(sharedLock, old);
            log.Add("cpu1 lowered");
        });
        Run(machine);

        Assert.Equal(["cpu0 releases", "cpu1 holds", "dpc on cpu1", "cpu1 lowered"], log);
    }

    [Fact]
    public void Releasing_a_lock_the_processor_does_not_hold_bugchecks_SPIN_LOCK_NOT_OWNED()
    {
        using var machine = Create();
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock);
        machine.RunRoutine(0, Driver, "BadRelease", async () =>
        {
            await KeReleaseSpinLock(spinLock, Irql.PassiveLevel);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.SpinLockNotOwned, dump.Code);
        Assert.Equal(spinLock.Address, dump.ParameterValues[0]);
    }

    [Fact]
    public void In_stack_queued_spin_lock_serves_waiters_in_arrival_order()
    {
        using var machine = Create(processors: 3);
        var queued = new KSpinLock();
        KeInitializeSpinLock(queued);
        var order = new List<int>();
        for (var cpu = 0; cpu < 3; cpu++)
        {
            var delay = 1_000 + cpu * 1_000;
            machine.RunRoutine(cpu, Driver, $"Acquirer{cpu}", async () =>
            {
                await KeCompute(delay);
                var handle = new KLockQueueHandle();
                await KeAcquireInStackQueuedSpinLock(queued, handle);
                order.Add(KeGetCurrentProcessorNumber());
                await KeCompute(20_000);
                await KeReleaseInStackQueuedSpinLock(handle);
            });
        }
        Run(machine);

        Assert.Equal([0, 1, 2], order);
        Assert.Equal(2, machine.GetStatistics().SpinLocks.Single(l => l.Name == "queued").Contentions);
    }

    [Fact]
    public void Lock_order_inversion_deadlock_ends_in_DPC_WATCHDOG_VIOLATION_with_both_processors_spinning_in_the_dump()
    {
        using var machine = Create(processors: 2, watchdogNs: 5_000_000);
        var lockA = new KSpinLock();
        var lockB = new KSpinLock();
        KeInitializeSpinLock(lockA);
        KeInitializeSpinLock(lockB);
        machine.RunRoutine(0, Driver, "TakesAThenB", async () =>
        {
            await KeAcquireSpinLock(lockA);
            await KeCompute(1_000);
            await KeAcquireSpinLock(lockB);
        });
        machine.RunRoutine(1, Driver, "TakesBThenA", async () =>
        {
            await KeAcquireSpinLock(lockB);
            await KeCompute(1_000);
            await KeAcquireSpinLock(lockA);
        });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.DpcWatchdogViolation, dump.Code);
        Assert.Equal(1UL, dump.ParameterValues[0]); // threads at raised IRQL: the cumulative form
        Assert.All(dump.Processors, p => Assert.Equal("Spinning", p.Frames[0].State));
        Assert.Equal("lockA", Assert.Single(dump.Processors[0].HeldSpinLocks).Name);
        Assert.Equal("lockB", Assert.Single(dump.Processors[1].HeldSpinLocks).Name);
        Assert.StartsWith("lockB", dump.Processors[0].Frames[0].SpinningOn, StringComparison.Ordinal);
    }

    [Fact]
    public void KeAcquireSpinLockAtDpcLevel_below_DISPATCH_LEVEL_bugchecks_verifier_0x40()
    {
        using var machine = Create();
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock);
        machine.RunRoutine(0, Driver, "WrongLevel", async () => await KeAcquireSpinLockAtDpcLevel(spinLock));
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.DriverVerifierDetectedViolation, dump.Code);
        Assert.Equal([0x40UL, 0UL, spinLock.Address, 0UL], dump.ParameterValues);
    }
}
