using ActorKernel.Actors;
using ActorKernel.Runtime;
using ActorKernel.Conformance.Tests.IoManager;
using static ActorKernel.Actors.Kernel32;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>CreateIoCompletionPort from two threads at once on the same file: one association wins.</summary>
[Trait("Area", "UserMode")]
public sealed class CompletionPortRaceTests
{
    [Fact]
    public void On_the_concurrent_dispatcher_two_threads_associating_one_file_at_once_one_wins_the_other_gets_87_and_its_port_reference_is_dropped()
    {
        const int Rounds = 20;
        using var bed = new RamDiskUserBed(processors: 2, seed: 5, diskSize: 64 * 1024, directIo: true, dispatcher: DispatcherKind.Concurrent,
            filtered: false, systemWorkerThreads: 1);
        var machine = bed.Machine;
        var io = bed.Io;
        var process = UserProcess.Create(machine, io, "app.exe");
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();

        for (var round = 0; round < Rounds; round++)
        {
            Handle file = Handle.Null;
            var ports = new Handle[2];
            using (var opened = new CountdownEvent(1))
            {
                process.CreateThread(0, $"open{round}", async () =>
                {
                    try
                    {
                        file = await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead, FileShareMode.Read | FileShareMode.Write,
                            CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
                        ports[0] = await CreateIoCompletionPort(Handle.Invalid, Handle.Null, 0, 1);
                        ports[1] = await CreateIoCompletionPort(Handle.Invalid, Handle.Null, 0, 1);
                    }
                    finally
                    {
                        opened.Signal();
                    }
                });
                Assert.True(opened.Wait(TimeSpan.FromSeconds(30)), "the opening thread did not finish");
            }
            var portObjects = ports.Select(p => (IoCompletionObject)process.GetHandles().Single(h => h.Handle == p).Entry.Object).ToArray();
            var results = new Handle[2];
            var errors = new Win32Error[2];
            using (var associated = new CountdownEvent(2))
            {
                for (var t = 0; t < 2; t++)
                {
                    var me = t;
                    process.CreateThread(me, $"assoc{round}.{me}", async () =>
                    {
                        try
                        {
                            results[me] = await CreateIoCompletionPort(file, ports[me], (ulong)me, 0);
                            errors[me] = GetLastError();
                        }
                        catch (Exception e)
                        {
                            failures.Enqueue(e.ToString());
                        }
                        finally
                        {
                            associated.Signal();
                        }
                    });
                }
                Assert.True(associated.Wait(TimeSpan.FromSeconds(30)), "the associating threads did not finish");
            }
            Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
            var winner = Array.FindIndex(results, r => r != Handle.Null);
            Assert.True(winner >= 0, $"round {round}: no association won");
            var loser = 1 - winner;
            Assert.Equal(Handle.Null, results[loser]);
            Assert.Equal(87, (int)errors[loser]);
            // The winner's port: its handle and the association; the loser's: its handle only.
            Assert.Equal((2L, 1L), ((long)portObjects[winner].PointerCount, (long)portObjects[loser].PointerCount));
            using var closed = new CountdownEvent(1);
            process.CreateThread(0, $"close{round}", async () =>
            {
                try
                {
                    await CloseHandle(file);
                    await CloseHandle(ports[0]);
                    await CloseHandle(ports[1]);
                }
                finally
                {
                    closed.Signal();
                }
            });
            Assert.True(closed.Wait(TimeSpan.FromSeconds(30)), "the closing thread did not finish");
        }
        Assert.Empty(failures);
    }
}
