using ActorKernel.Actors;
using ActorKernel.Drivers.Notify;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>
/// ExitProcess in Windows' order: the other threads of the process exit first (a user-mode wait is
/// broken, a synchronous request is cancelled by their I/O rundown), and only then are the handles closed.
/// </summary>
[Trait("Area", "UserMode")]
public sealed class ProcessExitTests
{
    [Fact]
    public void ExitProcess_ends_the_other_threads_their_waits_broken_and_their_IO_cancelled_before_any_handle_gets_CLEANUP()
    {
        using var bed = new UserModeBed(processors: 2);
        var threads = new List<KThread>();
        long exitedAt = 0;
        bed.Run(async () =>
        {
            var notify = await CreateFile("\\\\.\\Notify", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var port = await CreateIoCompletionPort(Handle.Invalid, Handle.Null, 0, 0);
            var output = bed.Process.VirtualAlloc(4096);
            threads.Add(bed.Process.CreateThread(1, "gqcs", async () =>
            {
                await GetQueuedCompletionStatus(port, Infinite);
                bed.Log.Add("gqcs went on");
            }));
            threads.Add(bed.Process.CreateThread(0, "sync", async () =>
            {
                var result = await DeviceIoControl(notify, NotifyCodes.Wait, 0, 0, output, 8);
                bed.Log.Add("sync request returned " + result.Status.ToDisplayString().Split(' ')[0]);
                await Sleep(1);
                bed.Log.Add("sync went on");
            }));
            threads.Add(bed.Process.CreateThread(1, "sleeper", async () =>
            {
                await Sleep(1_000_000);
                bed.Log.Add("sleeper went on");
            }));
            await Sleep(5);
            bed.Log.Add("ExitProcess");
            await ExitProcess(5);
            exitedAt = bed.Machine.NowNanoseconds;
            bed.Log.Add("ExitProcess returned");
        });

        Assert.Equal(
        [
            "dispatch IRP_MJ_CREATE at PASSIVE_LEVEL", "complete IRP_MJ_CREATE STATUS_SUCCESS",
            "dispatch IRP_MJ_DEVICE_CONTROL at PASSIVE_LEVEL",
            "ExitProcess",
            // The synchronous request is cancelled by the thread's termination, not by CLEANUP.
            "complete IRP_MJ_DEVICE_CONTROL STATUS_CANCELLED",
            // The call returns to the thread's code, which ends at its next Win32 call.
            "sync request returned STATUS_CANCELLED",
            // Every other thread exited: now the handles close.
            "dispatch IRP_MJ_CLEANUP at PASSIVE_LEVEL", "complete IRP_MJ_CLEANUP STATUS_SUCCESS",
            "dispatch IRP_MJ_CLOSE at PASSIVE_LEVEL", "complete IRP_MJ_CLOSE STATUS_SUCCESS",
            "ExitProcess returned",
        ], bed.Log);
        Assert.All(threads, t => Assert.Equal(KThreadState.Terminated, t.State));
        Assert.Equal(5u, bed.Process.ExitCode);
        Assert.Equal(0, bed.Process.HandleCount);
        // The sleeper's million milliseconds were not waited for.
        Assert.InRange(exitedAt, 5_000_000, 1_000_000_000);
    }

    [Fact]
    public void A_second_ExitProcess_from_another_thread_while_the_first_runs_ends_that_thread_and_the_process_exits_once()
    {
        using var bed = new UserModeBed(processors: 2);
        KThread? late = null;
        bed.Run(async () =>
        {
            var notify = await CreateFile("\\\\.\\Notify", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var output = bed.Process.VirtualAlloc(4096);
            bed.Process.CreateThread(0, "sync", async () =>
            {
                await DeviceIoControl(notify, NotifyCodes.Wait, 0, 0, output, 8);
                // The first ExitProcess is waiting for this thread: a thread it never marked calls ExitProcess too.
                Assert.True(bed.Process.IsTerminating);
                late = bed.Process.CreateThread(1, "late", async () =>
                {
                    bed.Log.Add("late ExitProcess");
                    await ExitProcess(7);
                    bed.Log.Add("late ExitProcess returned");
                });
                await Sleep(1);
                bed.Log.Add("sync went on");
            });
            await Sleep(5);
            bed.Log.Add("ExitProcess");
            await ExitProcess(5);
            bed.Log.Add("ExitProcess returned");
        });

        Assert.NotNull(late);
        Assert.Equal(KThreadState.Terminated, late!.State);
        Assert.Contains("late ExitProcess", bed.Log);
        Assert.DoesNotContain("late ExitProcess returned", bed.Log);
        Assert.DoesNotContain("sync went on", bed.Log);
        Assert.Single(bed.Log, l => l == "ExitProcess returned");
        Assert.Single(bed.Log, l => l.StartsWith("dispatch IRP_MJ_CLEANUP", StringComparison.Ordinal));
        Assert.Single(bed.Log, l => l.StartsWith("dispatch IRP_MJ_CLOSE", StringComparison.Ordinal));
        Assert.Equal(5u, bed.Process.ExitCode);
        Assert.Equal(0, bed.Process.HandleCount);
    }
}
