using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using ActorKernel.Drivers.Zoo;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Verifier;

[Trait("Area", "Verifier")]
public sealed class DeadlockDetectionTests
{
    private static readonly KernelModule Driver = new("locker.sys");

    [Fact]
    public void Deadlock_detection_reports_a_lock_hierarchy_violation_0xC4_0x1001_the_first_time_the_second_order_is_seen()
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 1, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        VfDeadlockDetection.Enable(machine, Driver.Name);
        KSpinLock a = new() { Name = "A" }, b = new() { Name = "B" };
        var orders = 0;
        machine.RunRoutine(0, Driver, "TwoPaths", async () =>
        {
            var old = await KeAcquireSpinLock(a);
            await KeAcquireSpinLockAtDpcLevel(b);
            KeReleaseSpinLockFromDpcLevel(b);
            await KeReleaseSpinLock(a, old);
            orders++;
            old = await KeAcquireSpinLock(b);
            await KeAcquireSpinLockAtDpcLevel(a); // the second order: no other processor, no deadlock yet
            orders++;
        });
        machine.System.Deterministic!.RunUntilQuiescent();

        var dump = machine.CrashDump!;
        Assert.Equal(1, orders);
        Assert.Equal(BugCheckCode.DriverVerifierDetectedViolation, dump.Code);
        Assert.Equal([0x1001UL, a.EnsureAddress(machine), 0UL, 0UL], dump.Parameters.Select(p => p.Value));
        Assert.Equal("TwoPaths", dump.FaultingRoutine);
    }

    [Fact]
    public void Deadlock_detection_reports_a_recursive_acquisition_as_self_deadlock_0xC4_0x1000()
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 1, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        VfDeadlockDetection.Enable(machine, Driver.Name);
        var a = new KSpinLock { Name = "A" };
        machine.RunRoutine(0, Driver, "Recursive", async () =>
        {
            await KeAcquireSpinLock(a);
            await KeAcquireSpinLockAtDpcLevel(a);
        });
        machine.System.Deterministic!.RunUntilQuiescent();

        Assert.Equal(BugCheckCode.DriverVerifierDetectedViolation, machine.CrashDump!.Code);
        Assert.Equal([0x1000UL, a.EnsureAddress(machine), 0UL, 0UL], machine.CrashDump.Parameters.Select(p => p.Value));
    }

    [Fact]
    public void Deadlock_detection_follows_chains_of_three_locks_and_ignores_drivers_it_does_not_verify()
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 1, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        VfDeadlockDetection.Enable(machine, Driver.Name);
        KSpinLock a = new() { Name = "A" }, b = new() { Name = "B" }, c = new() { Name = "C" };
        var other = new KernelModule("unverified.sys");
        async ValueTask Pair(KSpinLock first, KSpinLock second)
        {
            var old = await KeAcquireSpinLock(first);
            await KeAcquireSpinLockAtDpcLevel(second);
            KeReleaseSpinLockFromDpcLevel(second);
            await KeReleaseSpinLock(first, old);
        }
        machine.RunRoutine(0, other, "Unverified", async () => await Pair(c, a));
        machine.RunRoutine(0, Driver, "Chain", async () =>
        {
            await Pair(a, b);
            await Pair(b, c);
            await Pair(c, a); // C → A closes A → B → C
        });
        machine.System.Deterministic!.RunUntilQuiescent();

        Assert.Equal(BugCheckCode.DriverVerifierDetectedViolation, machine.CrashDump!.Code);
        Assert.Equal(0x1001UL, machine.CrashDump.Parameters[0].Value);
        Assert.Equal(a.EnsureAddress(machine), machine.CrashDump.Parameters[1].Value); // the lock being acquired
        Assert.Equal(2, VfDeadlockDetection.EdgeCount(machine));
    }

    [Fact]
    public void Under_deadlock_detection_the_explorer_finds_the_zoo_lock_order_inversion_in_its_first_schedule()
    {
        var entry = ZooCatalog.Entries.Single(e => e.Name == "lock-order-verifier");
        var report = Explorer.Explore(entry.Scenario, new ExplorerOptions { Schedules = 20, Shrink = false });

        Assert.Equal(0, report.FailingSchedule);
        Assert.Equal(FailureKind.VerifierReport, report.Failure!.Failure!.Kind);
    }
}

/// <summary>Deadlock detection across lock kinds: kernel mutexes in the same lock hierarchy as spin locks (Microsoft, "Deadlock Detection").</summary>
[Trait("Area", "Verifier")]
public sealed class MutexDeadlockDetectionTests
{
    private static readonly KernelModule Driver = new("locker.sys");

    private static Machine Run(Func<ValueTask> body)
    {
        var machine = Machine.Create(new MachineOptions { Processors = 1, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        VfDeadlockDetection.Enable(machine, Driver.Name);
        machine.CreateSystemThread(0, Driver, "Locker", _ => body());
        machine.System.Deterministic!.RunUntilQuiescent();
        return machine;
    }

    [Fact]
    public void A_spin_lock_then_a_mutex_after_the_mutex_then_the_spin_lock_is_a_lock_hierarchy_violation_0xC4_0x1001()
    {
        var mutex = new KMutex();
        KeInitializeMutex(mutex, 0);
        var spinLock = new KSpinLock { Name = "S" };
        var orders = 0;
        using var machine = Run(async () =>
        {
            await KeWaitForSingleObject(mutex, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            var old = await KeAcquireSpinLock(spinLock); // mutex -> spin lock
            await KeReleaseSpinLock(spinLock, old);
            KeReleaseMutex(mutex, false);
            orders++;
            old = await KeAcquireSpinLock(spinLock);
            await KeReleaseSpinLock(spinLock, old);
            // Holding nothing now: the same mutex again is fine. Holding the spin lock while waiting for the mutex is the inversion.
            await KeWaitForSingleObject(mutex, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            KeReleaseMutex(mutex, false);
            orders++;
            old = await KeAcquireSpinLock(spinLock);
            await KeWaitForSingleObject(mutex, KWaitReason.Executive, KProcessorMode.KernelMode, false, 0);
            orders++;
        });

        Assert.Equal(2, orders);
        Assert.Equal(BugCheckCode.DriverVerifierDetectedViolation, machine.CrashDump!.Code);
        Assert.Equal([0x1001UL, mutex.EnsureAddress(machine), 0UL, 0UL], machine.CrashDump.Parameters.Select(p => p.Value));
    }

    [Fact]
    public void Two_mutexes_in_opposite_orders_are_0x1001_and_a_mutex_acquired_again_by_its_owner_is_not_a_deadlock()
    {
        KMutex a = new(), b = new();
        KeInitializeMutex(a, 0);
        KeInitializeMutex(b, 0);
        var orders = 0;
        using var machine = Run(async () =>
        {
            await KeWaitForSingleObject(a, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            await KeWaitForSingleObject(a, KWaitReason.Executive, KProcessorMode.KernelMode, false, null); // recursive: allowed
            await KeWaitForSingleObject(b, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            KeReleaseMutex(b, false);
            KeReleaseMutex(a, false);
            KeReleaseMutex(a, false);
            orders++;
            await KeWaitForSingleObject(b, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            await KeWaitForSingleObject(a, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            orders++;
        });

        Assert.Equal(1, orders);
        Assert.Equal([0x1001UL, a.EnsureAddress(machine), 0UL, 0UL], machine.CrashDump!.Parameters.Select(p => p.Value));
    }
}
