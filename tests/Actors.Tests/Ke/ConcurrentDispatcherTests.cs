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
