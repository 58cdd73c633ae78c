using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using ActorKernel.Conformance.Tests.UserMode;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Rules.IoRules;

/// <summary>
/// A legacy device <c>\\.\Failing</c>: <see cref="FailingDevice.FailNow"/> completes at once with
/// STATUS_INVALID_PARAMETER; <see cref="FailingDevice.PendThenFail"/> pends and a system thread completes
/// it 1 ms later with STATUS_DEVICE_NOT_CONNECTED.
/// </summary>
internal static class UserFailingDevice
{
    public static void Create(ActorKernel.Actors.IoManager io)
    {
        IoTestBed.Run(io.LoadDriverAsync("Failing", "failing.sys", (d, _) =>
        {
            for (var major = 0; major < d.MajorFunction.Length; major++)
            {
                d.MajorFunction[major] = Dispatch;
            }
            var status = Wdm.IoCreateDevice(d, null, "\\Device\\Failing", DeviceType.Unknown, 0, false, out var device);
            device!.Flags |= DeviceObjectFlags.BufferedIo;
            device.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            d.Manager.Objects.IoCreateSymbolicLink("\\??\\Failing", "\\Device\\Failing");
            return ValueTask.FromResult(status);
        }));
    }

    private static async ValueTask<NtStatus> Dispatch(DeviceObject device, Irp irp)
    {
        var stack = Wdm.IoGetCurrentIrpStackLocation(irp);
        if (stack.MajorFunction != IrpMajorFunction.DeviceControl)
        {
            irp.IoStatus.Status = NtStatus.Success;
            await Wdm.IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        }
        if (stack.Parameters.DeviceIoControl.IoControlCode == FailingDevice.PendThenFail)
        {
            Wdm.IoMarkIrpPending(irp);
            Wdm.PsCreateSystemThread(out _, async _ =>
            {
                await Wdm.KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000);
                irp.IoStatus.Status = NtStatus.DeviceNotConnected;
                await Wdm.IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            }, null, "FailingCompleter");
            return NtStatus.Pending;
        }
        irp.IoStatus.Status = NtStatus.InvalidParameter;
        await Wdm.IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.InvalidParameter;
    }
}

/// <summary>
/// What the I/O manager writes for a request on a synchronous handle (FO_SYNCHRONOUS_IO; ReactOS
/// IopCompleteRequest and IopSynchronousServiceTail): a failure without STATUS_PENDING writes no status
/// block and signals no event; a failure after STATUS_PENDING sets only the file object's FinalStatus and
/// event, which the waiting service returns; success writes the status block and signals the caller's event.
/// </summary>
[Trait("Area", "Conformance")]
public sealed class SynchronousHandleStatusRuleTests
{
    private static ValueTask<Handle> OpenFailing() =>
        CreateFile("\\\\.\\Failing", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);

    [Fact]
    public void Synchronous_handle_request_failed_without_pending_writes_no_status_block_and_signals_no_event()
    {
        var (result, wait, overlapped) = IssueOnSynchronousHandle(FailingDevice.FailNow);

        Assert.Equal(new IoResult(false, 0, NtStatus.InvalidParameter, Win32Error.InvalidParameter), result);
        Assert.Equal(WaitTimeout, wait);
        // kernel32 set Internal to STATUS_PENDING before the call; the kernel wrote nothing.
        Assert.Equal(NtStatus.Pending, overlapped.Internal);
    }

    [Fact]
    public void Synchronous_handle_request_that_pended_then_failed_returns_the_final_status_without_writing_the_callers_status_block_or_event()
    {
        var (result, wait, overlapped) = IssueOnSynchronousHandle(FailingDevice.PendThenFail);

        Assert.Equal(new IoResult(false, 0, NtStatus.DeviceNotConnected, Win32Error.DeviceNotConnected), result);
        Assert.Equal(WaitTimeout, wait);
        Assert.Equal(NtStatus.Pending, overlapped.Internal);
    }

    /// <summary>DeviceIoControl(<paramref name="ioctl"/>) on a synchronous handle with an OVERLAPPED and its event, then a zero-timeout wait on the event.</summary>
    private static (IoResult Result, uint Wait, Overlapped Overlapped) IssueOnSynchronousHandle(IoControlCode ioctl)
    {
        using var bed = new UserModeBed();
        UserFailingDevice.Create(bed.Io);
        var overlapped = new Overlapped();
        IoResult result = default;
        uint wait = 0;
        bed.Run(async () =>
        {
            var file = await OpenFailing();
            overlapped.Event = CreateEvent(true, false);
            result = await DeviceIoControl(file, ioctl, 0, 0, 0, 0, overlapped);
            wait = await WaitForSingleObject(overlapped.Event, 0);
        });
        return (result, wait, overlapped);
    }

    [Fact]
    public void Synchronous_handle_request_that_succeeds_writes_the_status_block_and_signals_the_callers_event()
    {
        using var bed = new UserModeBed();
        UserFailingDevice.Create(bed.Io);
        var overlapped = new Overlapped();
        uint wait = 1;
        bed.Run(async () =>
        {
            var file = await OpenFailing();
            overlapped.Event = CreateEvent(true, false);
            var buffer = bed.Process.VirtualAlloc(4096);
            Assert.True((await ReadFile(file, buffer, 16, overlapped)).Succeeded);
            wait = await WaitForSingleObject(overlapped.Event, 0);
        });

        Assert.Equal(WaitObject0, wait);
        Assert.Equal(NtStatus.Success, overlapped.Internal);
    }
}
