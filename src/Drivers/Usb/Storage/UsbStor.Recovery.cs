/*++

Module Name:

    UsbStor.Recovery.cs

Abstract:

    usbstor.sys's error recovery (BOT 5.3.4 and 6.7), in a work item because it waits for control
    transfers: a STALL of the data stage clears the pipe's halt (URB_FUNCTION_SYNC_RESET_PIPE_AND_CLEAR_STALL)
    and goes on to the CSW; a stalled CSW clears the bulk-in halt and is read once more; anything else
    (a CBW not taken, a second CSW failure, a Phase Error, a CSW that is not valid and meaningful) is
    a reset recovery: Bulk-Only Mass Storage Reset to the interface, then CLEAR_FEATURE(ENDPOINT_HALT)
    on the bulk-in and bulk-out pipes, and the command is sent once more (ReactOS's
    USBSTOR_HandleTransferError); its second failure ends the SRB with SRB_STATUS_BUS_RESET.

Environment:

    Kernel mode. The worker runs at PASSIVE_LEVEL in a system worker thread; the synchronous URBs
    wait there.

--*/

using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Usb.Storage;

public static partial class UsbStor
{
    private static readonly IoWorkItemRoutine RecoveryWorker = UsbStorRecoveryWorker;
    private static readonly IoCompletionRoutine SyncUrbDone = UsbStorSyncUrbDone;

    /// <summary>What a failed stage needs.</summary>
    internal enum RecoveryKind
    {
        /// <summary>The data pipe stalled: clear its halt, then read the CSW.</summary>
        ClearDataHalt,

        /// <summary>The CSW stalled: clear the bulk-in halt, then read the CSW again.</summary>
        ClearCswHalt,

        /// <summary>Reset recovery (BOT 5.3.4).</summary>
        ResetRecovery,
    }

    private sealed record RecoveryWork(BotCommand Command, RecoveryKind Kind, IoWorkItem Item);

    /// <summary>Queues the recovery to a worker thread (the completion routine runs at DISPATCH_LEVEL and cannot wait).</summary>
    internal static void UsbStorQueueRecovery(BotCommand command, RecoveryKind kind)
    {
        var item = IoAllocateWorkItem(command.Fdo.Self!);
        IoQueueWorkItem(item, RecoveryWorker, WorkQueueType.DelayedWorkQueue, new RecoveryWork(command, kind, item));
    }

    /// <summary>ErrorHandlerWorkItemRoutine: the recovery, then the command goes on or ends.</summary>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    private static async ValueTask UsbStorRecoveryWorker(object? deviceObject, object? context)
    {
        _ = deviceObject;
        var (command, kind, item) = (RecoveryWork)context!;
        IoFreeWorkItem(item);
        var fdo = command.Fdo;
        var srb = command.Srb;
        NtStatus status;
        switch (kind)
        {
            case RecoveryKind.ClearDataHalt:
                Interlocked.Increment(ref fdo._stallRecoveries);
                status = await UsbStorResetPipe(fdo, (srb.SrbFlags & SrbFlags.DataIn) != 0 ? fdo.BulkIn! : fdo.BulkOut!);
                if (status.IsSuccess())
                {
                    await UsbStorSendCsw(command);
                    return;
                }
                break;
            case RecoveryKind.ClearCswHalt:
                Interlocked.Increment(ref fdo._stallRecoveries);
                command.CswRetried = true;
                status = await UsbStorResetPipe(fdo, fdo.BulkIn!);
                if (status.IsSuccess())
                {
                    await UsbStorSendCsw(command);
                    return;
                }
                break;
            default:
                status = NtStatus.Success;
                break;
        }
        if (fdo.Removed || status == NtStatus.NoSuchDevice)
        {
            await UsbStorFinish(command, SrbStatus.NoDevice);
            return;
        }
        status = await UsbStorResetRecovery(fdo);
        if (fdo.Removed || status == NtStatus.NoSuchDevice)
        {
            await UsbStorFinish(command, SrbStatus.NoDevice);
        }
        else if (status.IsSuccess() && !command.Retried)
        {
            command.Retried = true;
            command.CswRetried = false;
            await UsbStorSendCbw(command);
        }
        else
        {
            await UsbStorFinish(command, SrbStatusBusReset);
        }
    }

    /// <summary>
    /// Reset recovery (BOT 5.3.4): Bulk-Only Mass Storage Reset (class request 0xFF to the interface),
    /// then CLEAR_FEATURE(ENDPOINT_HALT) on bulk-in, then on bulk-out.
    /// </summary>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    internal static async ValueTask<NtStatus> UsbStorResetRecovery(UsbStorFdoExtension fdo)
    {
        Interlocked.Increment(ref fdo._resetRecoveries);
        var reset = new UrbControlVendorOrClassRequest(UrbFunction.ClassInterface)
        {
            TransferFlags = UsbdTransferFlags.DirectionOut,
            Request = UsbMassStorage.RequestReset,
            Value = 0,
            Index = fdo.Interface.InterfaceNumber,
        };
        var status = await UsbStorSyncUrb(fdo, reset);
        if (status.IsSuccess())
        {
            status = await UsbStorResetPipe(fdo, fdo.BulkIn!);
        }
        if (status.IsSuccess())
        {
            status = await UsbStorResetPipe(fdo, fdo.BulkOut!);
        }
        return status;
    }

    /// <summary>USBSTOR_ResetPipeWithHandle: URB_FUNCTION_SYNC_RESET_PIPE_AND_CLEAR_STALL.</summary>
    private static ValueTask<NtStatus> UsbStorResetPipe(UsbStorFdoExtension fdo, UsbdPipeInformation pipe) =>
        UsbStorSyncUrb(fdo, new UrbPipeRequest(UrbFunction.SyncResetPipeAndClearStall, pipe.PipeHandle!));

    /// <summary>USBSTOR_SyncUrbRequest: a URB in an IRP of its own to the hub's PDO, waited for.</summary>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    internal static async ValueTask<NtStatus> UsbStorSyncUrb(UsbStorFdoExtension fdo, Urb urb)
    {
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var irp = IoAllocateIrp(fdo.LowerDevice!.StackSize, false);
        var next = IoGetNextIrpStackLocation(irp);
        next.MajorFunction = IrpMajorFunction.InternalDeviceControl;
        next.Parameters.DeviceIoControl.IoControlCode = UsbIoctl.SubmitUrb;
        next.Parameters.Others.Argument1 = urb;
        IoSetCompletionRoutine(irp, SyncUrbDone, done, true, true, true);
        await IoCallDriver(fdo.LowerDevice!, irp);
        await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        var status = irp.IoStatus.Status;
        IoFreeIrp(irp);
        return status;
    }

    private static ValueTask<NtStatus> UsbStorSyncUrbDone(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = deviceObject;
        _ = irp;
        KeSetEvent((KEvent)context!, 0, false);
        return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
    }
}
