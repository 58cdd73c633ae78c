using ActorKernel.Actors;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Actors.Tests.Ke;

/// <summary>Concurrent-dispatcher tests share the thread pool; they run one at a time so a busy machine cannot starve another.</summary>
[Trait("Area", "Processors")]
[Collection("ConcurrentMachines")]
public sealed class ConcurrentDispatcherTests
{
    private static readonly KernelModule Driver = new("concdrv.sys");

    [Fact]
    public void Spin_lock_gives_mutual_exclusion_between_processors_running_truly_in_parallel()
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 4, Dispatcher = DispatcherKind.Concurrent, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock);
        var counter = 0;
        var inside = 0;
        var overlaps = 0;
        using var done = new CountdownEvent(4);
        for (var cpu = 0; cpu < 4; cpu++)
        {
            machine.RunRoutine(cpu, Driver, "Incrementer", async () =>
            {
                for (var i = 0; i < 500; i++)
                {
                    var old = await KeAcquireSpinLock(spinLock);
                    if (Interlocked.Increment(ref inside) != 1)
                    {
                        Interlocked.Increment(ref overlaps);
                    }
                    var read = counter;
                    await KeCompute(100); // a yield inside the critical section: other processors must still be kept out
                    counter = read + 1;
                    Interlocked.Decrement(ref inside);
                    await KeReleaseSpinLock(spinLock, old);
                }
                done.Signal();
            });
        }
        Assert.True(done.Wait(TimeSpan.FromSeconds(60)), "the processors did not finish");
        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(2_000, counter);
        Assert.Equal(0, overlaps);
        Assert.Equal(2_000, machine.GetStatistics().SpinLocks.Single().Acquisitions);
    }

    [Fact]
    public void A_spin_lock_first_used_by_several_processors_at_once_gets_one_address_and_one_statistics_row()
    {
        // The race the spin-lock test above hit in 3 of 40 runs on a loaded machine: each processor's first acquire gives the lock its
        // address, and a loser used to be listed a second time. Threads stand in for the processors and meet at each fresh lock.
        using var machine = Machine.Create(new MachineOptions { Processors = 4, Dispatcher = DispatcherKind.Concurrent, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        const int Locks = 500;
        var locks = new KSpinLock[Locks];
        for (var i = 0; i < Locks; i++)
        {
            locks[i] = new KSpinLock();
        }
        var seen = new ulong[4][];
        using var start = new Barrier(4);
        var racers = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            seen[t] = new ulong[Locks];
            for (var i = 0; i < Locks; i++)
            {
                start.SignalAndWait(); // all four reach the same fresh lock together
                seen[t][i] = locks[i].EnsureAddress(machine);
            }
        })).ToList();
        racers.ForEach(r => r.Start());
        racers.ForEach(r => r.Join());

        for (var i = 0; i < Locks; i++)
        {
            Assert.All(seen, addresses => Assert.Equal(locks[i].Address, addresses[i]));
        }
        var registered = machine.ObjectsOf<KSpinLock>();
        Assert.Equal(Locks, registered.Count);
        Assert.Equal(Locks, registered.Select(l => l.Address).Distinct().Count());
    }

    [Fact]
    public void Bugcheck_on_the_concurrent_dispatcher_stops_the_machine_with_a_dump()
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 2, Dispatcher = DispatcherKind.Concurrent, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        using var crashed = new ManualResetEventSlim();
        machine.BugChecked += _ => crashed.Set();
        machine.RunRoutine(1, Driver, "BadLower", async () => await KeLowerIrql(Irql.HighLevel));
        Assert.True(crashed.Wait(TimeSpan.FromSeconds(60)));
        Assert.Equal(BugCheckCode.IrqlNotLessOrEqual, machine.CrashDump!.Code);
        Assert.Equal(1, machine.CrashDump.BugCheckProcessor);
        Assert.Equal("concdrv.sys", machine.CrashDump.FaultingModule);
    }
}
