using ActorKernel.Actors;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Processors;

/// <summary>
/// A free spin lock is taken with one compare-exchange and released with one exchange; only a lock
/// with waiters goes through its gate. On the concurrent dispatcher, with the processors' routines on
/// real threads at once, the lock must still exclude (a plain counter updated under it loses nothing),
/// hand itself to every waiter (no routine is left spinning) and count every acquisition.
/// </summary>
[Trait("Area", "Processors")]
public sealed class ConcurrentSpinLockTests
{
    [Fact]
    public void Four_processors_on_real_threads_lose_no_update_and_no_waiter_under_one_spin_lock()
    {
        const int Processors = 4;
        const int Iterations = 20_000;
        using var machine = Create(processors: Processors, dispatcher: DispatcherKind.Concurrent);
        var shared = new KSpinLock();
        KeInitializeSpinLock(shared);
        long counter = 0; // updated without atomics: only the lock keeps the updates apart
        var finished = 0;
        for (var cpu = 0; cpu < Processors; cpu++)
        {
            machine.RunRoutine(cpu, Driver, "Counts", async () =>
            {
                for (var i = 0; i < Iterations; i++)
                {
                    var old = await KeAcquireSpinLock(shared);
                    var seen = counter;
                    if (i % 16 == 0)
                    {
                        await KeCompute(50); // a yield while holding it: the others queue as waiters
                    }
                    counter = seen + 1;
                    await KeReleaseSpinLock(shared, old);
                    if (i % 64 == 0)
                    {
                        await KeCompute(10);
                    }
                }
                Interlocked.Increment(ref finished);
            });
        }

        // A guard against a lost hand-over (a routine spinning forever), not a timing assertion.
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref finished) == Processors || machine.IsBugChecked, TimeSpan.FromSeconds(120)),
            $"{Volatile.Read(ref finished)} of {Processors} routines finished; the lock is held by processor {shared.OwnerProcessor}");

        Assert.True(!machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(Processors * Iterations, Volatile.Read(ref counter));
        Assert.Equal(Processors * Iterations, shared.Acquisitions);
        Assert.Equal(-1, shared.OwnerProcessor);
        Assert.True(shared.Contentions > 0, "the processors never met at the lock: the test did not exercise waiting");
    }
}
