using ActorKernel.Actors;
using ActorKernel.Runtime;
using ActorKernel.Conformance.Tests.IoManager;
using static ActorKernel.Actors.Kernel32;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>ExitProcess from two threads at once on the concurrent dispatcher: one terminates the process, the other ends; neither waits on the other.</summary>
[Trait("Area", "UserMode")]
public sealed class ConcurrentProcessExitTests
{
    [Fact]
    public void On_the_concurrent_dispatcher_two_simultaneous_ExitProcess_calls_neither_deadlock_and_the_process_exits_once()
    {
        const int Rounds = 20;
        using var bed = new RamDiskUserBed(processors: 2, seed: 9, diskSize: 64 * 1024, directIo: true, dispatcher: DispatcherKind.Concurrent,
            filtered: false, systemWorkerThreads: 1);
        var machine = bed.Machine;
        var io = bed.Io;
        var fdo = bed.RamDiskDevice;

        for (var round = 0; round < Rounds; round++)
        {
            var process = UserProcess.Create(machine, io, $"app{round}.exe");
            var returned = 0;
            var threads = new KThread[2];
            for (var t = 0; t < 2; t++)
            {
                var me = t;
                threads[me] = process.CreateThread(me, $"exit{me}", async () =>
                {
                    await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead, FileShareMode.Read | FileShareMode.Write, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
                    await ExitProcess((uint)(10 + me));
                    Interlocked.Increment(ref returned);
                });
            }

            // A thread the winner terminates before it starts never runs its code: wait for the threads, not their code.
            Assert.True(SpinWait.SpinUntil(() => threads.All(t => t.State == KThreadState.Terminated), TimeSpan.FromSeconds(30)), $"round {round}: the two ExitProcess calls waited on each other ({threads[0].State}, {threads[1].State}, exit code {process.ExitCode}, handles {process.HandleCount}, returned {returned})");
            Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
            Assert.Equal(1, returned);
            Assert.Contains(process.ExitCode, new uint?[] { 10u, 11u });
            Assert.Equal(0, process.HandleCount);
            Assert.Equal(0, fdo.OpenCount);
        }
    }
}
