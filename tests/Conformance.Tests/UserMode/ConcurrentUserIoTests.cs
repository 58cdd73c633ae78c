using ActorKernel.Actors;
using ActorKernel.Runtime;
using ActorKernel.Conformance.Tests.IoManager;
using static ActorKernel.Actors.Kernel32;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.UserMode;

[Trait("Area", "UserMode")]
public sealed class ConcurrentUserIoTests
{
    [Fact]
    public void On_the_concurrent_dispatcher_four_user_threads_write_and_read_back_their_own_data_overlapped_through_one_port() =>
        FourThreadsWriteAndReadBackThroughPorts();

    /// <summary>
    /// Four user threads on the concurrent dispatcher, each writing and reading back its own data
    /// overlapped through its own port, over RAM disk (direct I/O) under the counting filter;
    /// <paramref name="addOnTop"/> may attach one more device on top of the stack.
    /// </summary>
    internal static void FourThreadsWriteAndReadBackThroughPorts(Action<IoMgr, DeviceObject>? addOnTop = null)
    {
        const int Threads = 4;
        const int Rounds = 50;
        using var bed = new RamDiskUserBed(processors: Threads, seed: 3, diskSize: 64 * 1024, directIo: true, dispatcher: DispatcherKind.Concurrent,
            filtered: true, systemWorkerThreads: 1);
        var machine = bed.Machine;
        var io = bed.Io;
        addOnTop?.Invoke(io, IoGetAttachedDevice(bed.RamDiskDevice));
        var process = UserProcess.Create(machine, io, "app.exe");
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var done = new CountdownEvent(Threads);

        for (var t = 0; t < Threads; t++)
        {
            var me = t;
            process.CreateThread(me, $"t{me}", async () =>
            {
                try
                {
                    var file = await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read | FileShareMode.Write,
                        CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
                    var port = await CreateIoCompletionPort(file, Handle.Null, (ulong)me, 1);
                    var buffer = process.VirtualAlloc(8192);
                    var data = new byte[256];
                    var back = new byte[256];
                    for (var i = 0; i < Rounds; i++)
                    {
                        Array.Fill(data, (byte)(me * 16 + (i % 16)));
                        process.WriteMemory(buffer, data);
                        var offset = (me * 16 + (i % 16)) * 256L;
                        var write = new Overlapped { Offset = offset };
                        var read = new Overlapped { Offset = offset };
                        await WriteFile(file, buffer, 256, write);
                        var w = await GetQueuedCompletionStatus(port, Infinite);
                        await ReadFile(file, buffer + 4096, 256, read);
                        var r = await GetQueuedCompletionStatus(port, Infinite);
                        process.ReadMemory(buffer + 4096, back);
                        if (!w.Succeeded || !r.Succeeded || w.Overlapped != write || r.Overlapped != read || w.CompletionKey != (ulong)me || !back.AsSpan().SequenceEqual(data))
                        {
                            failures.Enqueue($"thread {me} round {i}: {w} {r}");
                        }
                    }
                    await CloseHandle(file);
                    await CloseHandle(port);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e.ToString());
                }
                finally
                {
                    done.Signal();
                }
            });
        }

        Assert.True(done.Wait(TimeSpan.FromSeconds(60)), "the user threads did not finish");
        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Empty(failures);
        Assert.Equal(Threads * Rounds, bed.Filter.RequestCount(IrpMajorFunction.Read));
        Assert.True(SpinWait.SpinUntil(() => bed.RamDiskDevice.OpenCount == 0, TimeSpan.FromSeconds(10)), "every file got its IRP_MJ_CLOSE");
        Assert.Empty(io.GetStuckRequests());
    }
}
