/*++

Module Name:

    UsbStor.Scsi.cs

Abstract:

    The SRB path of usbstor.sys: a logical unit's PDO takes disk.sys's SRB in IRP_MJ_SCSI exactly as
    a storage port's LUN PDO does, and the FDO's device queue runs the SRBs one at a time (the
    Bulk-Only Transport has one command on the wire per device, BOT 5.3). Each runs as three bulk
    transfers: the CBW on the bulk-out pipe, the data on the pipe of its direction (the SRB's piece of
    Irp->MdlAddress, a partial MDL when it does not start the MDL), the CSW on the bulk-in pipe. The
    same IRP carries the three URBs down (its next stack location becomes IRP_MJ_INTERNAL_DEVICE_CONTROL
    / IOCTL_INTERNAL_USB_SUBMIT_URB to the hub's PDO), as usbstor and ReactOS's usbstor do, so the
    request's path is disk -> usbstor -> usbhub -> the host controller's port.

    The CSW decides (BOT 5.3.3, 6.3): Command Passed -> SRB_STATUS_SUCCESS (a residue makes it
    SRB_STATUS_DATA_OVERRUN with the bytes moved); Command Failed -> REQUEST SENSE through the same
    three stages into the SRB's sense buffer, then SRB_STATUS_ERROR with SCSISTAT_CHECK_CONDITION and
    SRB_STATUS_AUTOSENSE_VALID; Phase Error, or a CSW that is not valid and meaningful -> reset
    recovery. A STALL is recovered in a work item (UsbStor.Recovery.cs). A device that is gone
    (USBD_STATUS_DEVICE_GONE, or the FDO surprise-removed) fails the SRB with SRB_STATUS_NO_DEVICE.

    Left out: SRB_FUNCTION_* other than EXECUTE_SCSI and FLUSH (a flush succeeds at once: the device
    has no cache the port could write back), tagged queueing, the hang timer of ReactOS's usbstor.

Environment:

    Kernel mode. IRP_MJ_SCSI at IRQL <= DISPATCH_LEVEL; StartIo and the completion routines at
    DISPATCH_LEVEL (the port's completion DPC).

--*/

using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Usb.Storage;

public static partial class UsbStor
{
    // Made once: a method group passed as a delegate allocates on every call.
    private static readonly IoCompletionRoutine TransferDone = UsbStorTransferDone;
    private static readonly Func<BotCommand, ValueTask> CompleteSrbIrp = UsbStorCompleteSrbIrp;

    /// <summary>SCSIOP_REQUEST_SENSE (0x03).</summary>
    internal const byte ScsiOpRequestSense = 0x03;

    /// <summary>SCSIOP_INQUIRY (0x12).</summary>
    internal const byte ScsiOpInquiry = 0x12;

    /// <summary>SRB_STATUS_AUTOSENSE_VALID (0x80): the sense buffer holds the REQUEST SENSE answer.</summary>
    internal const byte SrbStatusAutosenseValid = 0x80;

    /// <summary>SRB_STATUS_DATA_OVERRUN (0x12): fewer (or more) bytes moved than asked.</summary>
    internal const SrbStatus SrbStatusDataOverrun = (SrbStatus)0x12;

    /// <summary>SRB_STATUS_BUS_RESET (0x0E): the request was ended by a reset.</summary>
    internal const SrbStatus SrbStatusBusReset = (SrbStatus)0x0E;

    /// <summary>The stage of a command on the wire.</summary>
    internal enum BotPhase
    {
        Cbw,
        Data,
        Csw,
    }

    /// <summary>One SRB on the wire: its IRP, its stage, the URB it uses for every stage and the recovery it had.</summary>
    internal sealed class BotCommand
    {
        public required UsbStorFdoExtension Fdo { get; init; }

        public required Irp Irp { get; init; }

        /// <summary>The SRB the device runs now (the client's, or the REQUEST SENSE made for it).</summary>
        public required ScsiRequestBlock Srb { get; set; }

        /// <summary>While REQUEST SENSE runs: the client's SRB it reads the sense of.</summary>
        public ScsiRequestBlock? SenseFor { get; set; }

        /// <summary>What ends the command: completing the client's IRP, or waking a start-up waiter.</summary>
        public required Func<BotCommand, ValueTask> Done { get; init; }

        public byte Lun { get; init; }

        public uint Tag { get; set; }

        public BotPhase Phase { get; set; }

        public UrbBulkOrInterruptTransfer Transfer { get; } = new();

        public Mdl? PartialMdl { get; set; }

        /// <summary>The bytes the data stage moved.</summary>
        public uint Transferred { get; set; }

        /// <summary>A stalled CSW was retried once (BOT 6.7.2: the host reads the CSW again after clearing the halt).</summary>
        public bool CswRetried { get; set; }

        /// <summary>The command was sent again once after a reset recovery.</summary>
        public bool Retried { get; set; }

        public KEvent? Waiter { get; init; }
    }

    /// <summary>
    /// IRP_MJ_SCSI at a LUN PDO: checks the SRB as the storage port does and queues it on the FDO's
    /// device queue; a flush, a device gone, or a malformed SRB completes here.
    /// </summary>
    private static async ValueTask<NtStatus> UsbStorPdoScsi(DeviceObject deviceObject, UsbStorPdoExtension pdo, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        var fdo = pdo.Fdo;
        NtStatus status;
        if (stack.Parameters.Others.Argument1 is not ScsiRequestBlock srb)
        {
            status = NtStatus.InvalidParameter;
        }
        else
        {
            srb.OriginalRequest = irp;
            srb.ScsiStatus = 0;
            srb.SenseInfoBufferLength = 0;
            if (fdo.Removed || !pdo.Started)
            {
                srb.SrbStatus = SrbStatus.NoDevice;
                srb.DataTransferLength = 0;
                status = NtStatus.DeviceDoesNotExist; // USBSTOR_SrbStatusToNtStatus: SRB_STATUS_NO_DEVICE
            }
            else if (srb.Function == SrbFunction.Flush)
            {
                srb.SrbStatus = SrbStatus.Success;
                status = NtStatus.Success;
            }
            else if (srb.Function != SrbFunction.ExecuteScsi || srb.CdbLength is < 1 or > 16
                || (srb.DataTransferLength > 0 && irp.MdlAddress is null)
                || srb.DataTransferLength > MaximumTransferLength)
            {
                srb.SrbStatus = SrbStatus.InvalidRequest;
                srb.DataTransferLength = 0;
                status = NtStatus.InvalidDeviceRequest;
            }
            else if (!IoAcquireRemoveLock(fdo.RemoveLock, irp).IsSuccess())
            {
                srb.SrbStatus = SrbStatus.NoDevice;
                srb.DataTransferLength = 0;
                status = NtStatus.DeviceDoesNotExist;
            }
            else
            {
                Interlocked.Increment(ref pdo._scsiRequests);
                IoMarkIrpPending(irp);
                await IoStartPacket(fdo.Self!, irp, null, null);
                return NtStatus.Pending;
            }
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        _ = deviceObject;
        return status;
    }

    /// <summary>DriverStartIo on the FDO: the next SRB goes on the wire (or fails at once if the device left while it waited).</summary>
    /// <remarks>IRQL = DISPATCH_LEVEL.</remarks>
    private static async ValueTask UsbStorStartIo(DeviceObject deviceObject, Irp irp)
    {
        var fdo = deviceObject.GetExtension<UsbStorFdoExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var srb = (ScsiRequestBlock)stack.Parameters.Others.Argument1!;
        var pdo = stack.DeviceObject!.GetExtension<UsbStorPdoExtension>();
        var command = new BotCommand { Fdo = fdo, Irp = irp, Srb = srb, Lun = pdo.Lun, Done = CompleteSrbIrp };
        if (fdo.Removed)
        {
            await UsbStorFinish(command, SrbStatus.NoDevice);
            return;
        }
        await UsbStorSendCbw(command);
    }

    /// <summary>Stage 1: the CBW (BOT 5.1) on the bulk-out pipe.</summary>
    internal static async ValueTask UsbStorSendCbw(BotCommand command)
    {
        var fdo = command.Fdo;
        var srb = command.Srb;
        command.Tag = fdo.NextTag();
        command.Phase = BotPhase.Cbw;
        command.Transferred = 0;
        Interlocked.Increment(ref fdo._commands);
        Span<byte> cbw = stackalloc byte[UsbMassStorage.CbwSize];
        UsbMassStorage.WriteCbw(cbw, command.Tag, srb.DataTransferLength, (srb.SrbFlags & SrbFlags.DataIn) != 0, command.Lun, srb.Cdb.AsSpan(0, srb.CdbLength));
        await RtlCopyMemory(fdo.CbwBuffer, cbw);
        await UsbStorSubmit(command, fdo.BulkOut!, UsbdTransferFlags.DirectionOut, fdo.CbwBuffer, null, UsbMassStorage.CbwSize);
    }

    /// <summary>Stage 2: the data on the pipe of the SRB's direction, over its piece of the IRP's MDL (or the start-up buffer).</summary>
    private static async ValueTask UsbStorSendData(BotCommand command)
    {
        var srb = command.Srb;
        var irp = command.Irp;
        var dataIn = (srb.SrbFlags & SrbFlags.DataIn) != 0;
        command.Phase = BotPhase.Data;
        Mdl? mdl = null;
        if (command.SenseFor is null && irp.MdlAddress is { } whole)
        {
            if (MmGetMdlVirtualAddress(whole) == srb.DataBuffer && whole.ByteCount == srb.DataTransferLength)
            {
                mdl = whole;
            }
            else
            {
                // The SRB is a piece of a larger transfer (disk.sys splits at MaximumTransferLength): a partial MDL over it.
                mdl = IoAllocateMdl(srb.DataBuffer, srb.DataTransferLength);
                if (mdl is null)
                {
                    await UsbStorFinish(command, SrbStatus.Error);
                    return;
                }
                IoBuildPartialMdl(whole, mdl, srb.DataBuffer, srb.DataTransferLength);
                command.PartialMdl = mdl;
            }
        }
        var flags = dataIn ? UsbdTransferFlags.DirectionIn | UsbdTransferFlags.ShortTransferOk : UsbdTransferFlags.DirectionOut;
        await UsbStorSubmit(command, dataIn ? command.Fdo.BulkIn! : command.Fdo.BulkOut!, flags, mdl is null ? srb.DataBuffer : 0, mdl, srb.DataTransferLength);
    }

    /// <summary>Stage 3: the CSW (BOT 5.2) from the bulk-in pipe.</summary>
    internal static ValueTask UsbStorSendCsw(BotCommand command)
    {
        command.Phase = BotPhase.Csw;
        return UsbStorSubmit(command, command.Fdo.BulkIn!, UsbdTransferFlags.DirectionIn | UsbdTransferFlags.ShortTransferOk, command.Fdo.CswBuffer, null, UsbMassStorage.CswSize);
    }

    /// <summary>USBSTOR_IssueBulkOrInterruptRequest: the command's IRP carries the transfer URB to the hub's PDO.</summary>
    private static async ValueTask UsbStorSubmit(BotCommand command, UsbdPipeInformation pipe, UsbdTransferFlags flags, ulong buffer, Mdl? mdl, uint length)
    {
        var urb = command.Transfer;
        urb.UrbHeader.Status = UsbdStatus.Success;
        urb.UrbHeader.UsbdDeviceHandle = null;
        urb.PipeHandle = pipe.PipeHandle;
        urb.TransferFlags = flags;
        urb.TransferBuffer = buffer;
        urb.TransferBufferMdl = mdl;
        urb.TransferBufferLength = length;
        var next = IoGetNextIrpStackLocation(command.Irp);
        next.MajorFunction = IrpMajorFunction.InternalDeviceControl;
        next.MinorFunction = 0;
        next.Parameters.DeviceIoControl.IoControlCode = UsbIoctl.SubmitUrb;
        next.Parameters.Others.Argument1 = urb;
        IoSetCompletionRoutine(command.Irp, TransferDone, command, true, true, true);
        await IoCallDriver(command.Fdo.LowerDevice!, command.Irp);
    }

    /// <summary>
    /// The completion routine of every stage (USBSTOR_CBWCompletionRoutine, _DataCompletionRoutine,
    /// _CSWCompletionRoutine): the next stage, the CSW's verdict, or recovery. The IRP stays usbstor's.
    /// </summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    private static async ValueTask<NtStatus> UsbStorTransferDone(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = deviceObject;
        var command = (BotCommand)context!;
        var urb = command.Transfer;
        var usbd = urb.UrbHeader.Status;
        var ok = irp.IoStatus.Status.IsSuccess() && usbd.IsSuccess();
        if (!ok && (usbd == UsbdStatus.DeviceGone || command.Fdo.Removed))
        {
            await UsbStorFinish(command, SrbStatus.NoDevice);
            return NtStatus.MoreProcessingRequired;
        }
        switch (command.Phase)
        {
            case BotPhase.Cbw when !ok:
                UsbStorQueueRecovery(command, RecoveryKind.ResetRecovery); // BOT 5.3.1: a CBW the device did not take
                break;
            case BotPhase.Cbw when command.Srb.DataTransferLength == 0:
                await UsbStorSendCsw(command);
                break;
            case BotPhase.Cbw:
                await UsbStorSendData(command);
                break;
            case BotPhase.Data:
                UsbStorFreePartialMdl(command);
                command.Transferred = urb.TransferBufferLength;
                if (ok)
                {
                    await UsbStorSendCsw(command);
                }
                else
                {
                    // BOT 6.7.2 / 6.7.3: the device stalled the data pipe: clear the halt, then read the CSW.
                    UsbStorQueueRecovery(command, usbd == UsbdStatus.StallPid || usbd.IsHalted() ? RecoveryKind.ClearDataHalt : RecoveryKind.ResetRecovery);
                }
                break;
            case BotPhase.Csw when !ok:
                // BOT 6.7.2: a stalled CSW is read once more after the halt is cleared; a second failure resets.
                UsbStorQueueRecovery(command, (usbd == UsbdStatus.StallPid || usbd.IsHalted()) && !command.CswRetried ? RecoveryKind.ClearCswHalt : RecoveryKind.ResetRecovery);
                break;
            case BotPhase.Csw:
                await UsbStorCswReceived(command, urb.TransferBufferLength);
                break;
        }
        return NtStatus.MoreProcessingRequired;
    }

    /// <summary>The CSW arrived: its validity (BOT 6.3), then Passed, Failed or Phase Error.</summary>
    private static async ValueTask UsbStorCswReceived(BotCommand command, uint received)
    {
        var bytes = new byte[Math.Min(received, (uint)UsbMassStorage.CswSize)];
        await RtlCopyMemory(bytes.AsSpan(), command.Fdo.CswBuffer);
        var srb = command.Srb;
        var csw = UsbStorCheckCsw(bytes, command.Tag, srb.DataTransferLength);
        if (!csw.Meaningful || csw.Status == UsbMassStorage.CswStatusPhaseError)
        {
            UsbStorQueueRecovery(command, RecoveryKind.ResetRecovery);
            return;
        }
        if (command.SenseFor is { } client)
        {
            // REQUEST SENSE ended: the client's SRB gets the sense bytes and its check condition.
            var sense = Math.Min(command.Transferred, (uint)client.SenseInfoBuffer.Length);
            await RtlCopyMemory(client.SenseInfoBuffer.AsSpan(0, (int)sense), command.Fdo.SenseBuffer);
            command.Srb = client;
            command.SenseFor = null;
            client.SenseInfoBufferLength = (byte)sense;
            client.ScsiStatus = ScsiSense.CheckCondition;
            client.DataTransferLength = 0;
            await UsbStorFinish(command, csw.Status == UsbMassStorage.CswStatusPassed && sense > 0 ? (SrbStatus)((byte)SrbStatus.Error | SrbStatusAutosenseValid) : SrbStatus.Error);
            return;
        }
        if (csw.Status == UsbMassStorage.CswStatusFailed)
        {
            await UsbStorRequestSense(command);
            return;
        }
        // Command Passed: dCSWDataResidue is what the device did not move (BOT 5.2).
        var moved = Math.Min(command.Transferred, srb.DataTransferLength - csw.DataResidue);
        var short_ = moved < srb.DataTransferLength;
        srb.DataTransferLength = moved;
        await UsbStorFinish(command, short_ ? SrbStatusDataOverrun : SrbStatus.Success);
    }

    /// <summary>Command Failed: REQUEST SENSE (6-byte CDB, 18 bytes of fixed-format sense) through the same three stages.</summary>
    private static ValueTask UsbStorRequestSense(BotCommand command)
    {
        var sense = new ScsiRequestBlock
        {
            Function = SrbFunction.ExecuteScsi,
            SrbFlags = SrbFlags.DataIn,
            DataTransferLength = SenseLength,
            DataBuffer = command.Fdo.SenseBuffer,
            CdbLength = 6,
        };
        sense.Cdb[0] = ScsiOpRequestSense;
        sense.Cdb[4] = SenseLength;
        command.SenseFor = command.Srb;
        command.Srb = sense;
        command.CswRetried = false;
        return UsbStorSendCbw(command);
    }

    private static void UsbStorFreePartialMdl(BotCommand command)
    {
        if (command.PartialMdl is { } mdl)
        {
            command.PartialMdl = null;
            IoFreeMdl(mdl);
        }
    }

    /// <summary>Ends the command with <paramref name="srbStatus"/> (the SRB's DataTransferLength already set on success).</summary>
    internal static ValueTask UsbStorFinish(BotCommand command, SrbStatus srbStatus)
    {
        UsbStorFreePartialMdl(command);
        if (command.SenseFor is { } client)
        {
            command.Srb = client; // REQUEST SENSE itself failed: the client's SRB fails without sense
            command.SenseFor = null;
        }
        var srb = command.Srb;
        srb.SrbStatus = srbStatus;
        if (((byte)srbStatus & 0x3F) is not ((byte)SrbStatus.Success or (byte)SrbStatusDataOverrun))
        {
            srb.DataTransferLength = 0;
        }
        return command.Done(command);
    }

    /// <summary>USBSTOR_SrbStatusToNtStatus: the IRP_MJ_SCSI IRP's status from the SRB's.</summary>
    internal static NtStatus UsbStorSrbStatusToNtStatus(SrbStatus srbStatus) => (SrbStatus)((byte)srbStatus & 0x3F) switch
    {
        SrbStatus.Success => NtStatus.Success,
        SrbStatusDataOverrun => NtStatus.BufferOverflow,
        SrbStatus.InvalidRequest => NtStatus.InvalidDeviceRequest,
        SrbStatus.NoDevice => NtStatus.DeviceDoesNotExist,
        SrbStatusBusReset => NtStatus.DeviceNotConnected,
        _ => NtStatus.IoDeviceError,
    };

    /// <summary>A client SRB ended: the IRP completes with the SRB's status, the remove lock is released and the next SRB starts.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL (the next packet is started at DISPATCH_LEVEL, as IoStartNextPacket requires).</remarks>
    private static async ValueTask UsbStorCompleteSrbIrp(BotCommand command)
    {
        var irp = command.Irp;
        var fdo = command.Fdo;
        irp.IoStatus.Status = UsbStorSrbStatusToNtStatus(command.Srb.SrbStatus);
        irp.IoStatus.Information = command.Srb.DataTransferLength;
        await IoCompleteRequest(irp, PriorityBoost.IoDiskIncrement);
        IoReleaseRemoveLock(fdo.RemoveLock, irp);
        var old = KeRaiseIrql(Irql.DispatchLevel);
        await IoStartNextPacket(fdo.Self!, false);
        await KeLowerIrql(old);
    }
}
