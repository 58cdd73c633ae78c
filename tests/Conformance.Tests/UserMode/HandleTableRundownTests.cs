using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>
/// ObKillProcess: once a process's handles were swept, its handle table is gone and no handle can be
/// created in it (ObpCreateHandle: STATUS_PROCESS_IS_TERMINATING); an open that finished after the sweep
/// is closed again instead of leaving a handle nobody would close.
/// </summary>
[Trait("Area", "UserMode")]
public sealed class HandleTableRundownTests
{
    [Fact]
    public void CreateFile_after_the_process_handles_were_swept_fails_with_STATUS_PROCESS_IS_TERMINATING_and_the_open_gets_CLEANUP_and_CLOSE()
    {
        using var bed = new UserModeBed(processors: 1);
        bed.Run(async () => await ExitProcess(3));
        Assert.Equal(3u, bed.Process.ExitCode);
        bed.Log.Clear();

        // A thread still running in the exited process (here: one that started after the sweep).
        var file = Handle.Null;
        var eventHandle = new Handle(1);
        var fileError = Win32Error.Success;
        var fileStatus = NtStatus.Success;
        var eventStatus = NtStatus.Success;
        bed.Run(async () =>
        {
            file = await CreateFile("\\\\.\\Notify", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            fileError = GetLastError();
            fileStatus = GetLastNtStatus();
            eventHandle = CreateEvent(manualReset: true, initialState: false);
            eventStatus = GetLastNtStatus();
        });

        Assert.Equal(Handle.Invalid, file);
        Assert.Equal(NtStatus.ProcessIsTerminating, fileStatus);
        Assert.Equal(Win32Error.AccessDenied, fileError);
        Assert.Equal(Handle.Null, eventHandle);
        Assert.Equal(NtStatus.ProcessIsTerminating, eventStatus);
        // The driver saw the open and, since no handle was made, its cleanup and close.
        Assert.Equal(
        [
            "dispatch IRP_MJ_CREATE at PASSIVE_LEVEL", "complete IRP_MJ_CREATE STATUS_SUCCESS",
            "dispatch IRP_MJ_CLEANUP at PASSIVE_LEVEL", "complete IRP_MJ_CLEANUP STATUS_SUCCESS",
            "dispatch IRP_MJ_CLOSE at PASSIVE_LEVEL", "complete IRP_MJ_CLOSE STATUS_SUCCESS",
        ], bed.Log);
        Assert.Equal(0, bed.Process.HandleCount);
    }
}
