/*++

Module Name:

    DiskClass.ReadWrite.cs

Abstract:

    Reads and writes on the disk (partition zero) and on its partitions. DiskReadWriteVerification's
    rule: an offset or length that is not a whole number of sectors, or a negative offset, fails
    with STATUS_INVALID_PARAMETER; an aligned request that runs past the partition is sent on
    anyway and the device decides (past the end of the medium the port reports ILLEGAL REQUEST /
    LOGICAL BLOCK ADDRESS OUT OF RANGE, which the class turns into STATUS_NONEXISTENT_SECTOR, as
    ClassInterpretSenseInfo does). The partition's StartingOffset is added, then the transfer is cut
    into transfer packets of at most the adapter's maximum (classpnp's ServiceTransferRequest): each
    its own IRP_MJ_SCSI IRP and SRB over the original IRP's MDL, its DataBuffer the piece's place in
    it. The original IRP completes when the last packet has, with the first failure if any (then
    Information 0), else the full length.

    Left out: retries (classpnp retries a failed packet up to NUM_IO_RETRIES times), the limit on
    packets in flight, the low-memory single-packet path.

Environment:

    Kernel mode. DiskReadWrite at PASSIVE_LEVEL (or DISPATCH_LEVEL from a driver above);
    DiskTransferPacketDone at DISPATCH_LEVEL.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage.Class;

public static partial class DiskClass
{
    // Made once: a method group passed as a delegate allocates on every call.
    private static readonly IoCompletionRoutine TransferPacketDone = DiskTransferPacketDone;
    private static readonly IoCompletionRoutine SignalDone = DiskSignalDone;

    /// <summary>The state of one original read or write while its packets are out.</summary>
    private sealed class DiskRequest
    {
        public required Irp Original { get; init; }

        public required uint Length { get; init; }

        public int Remaining;

        public int FirstError;
    }

    /// <summary>One transfer packet: its SRB and the request it is a piece of.</summary>
    private sealed class TransferPacket
    {
        public required DiskRequest Request { get; init; }

        public ScsiRequestBlock Srb { get; } = new();
    }

    /// <summary>IRP_MJ_READ / IRP_MJ_WRITE on the disk or a partition.</summary>
    private static async ValueTask<NtStatus> DiskReadWrite(DeviceObject deviceObject, Irp irp)
    {
        var common = deviceObject.GetExtension<DiskCommonExtension>();
        var fdo = common.PartitionZero;
        var stack = IoGetCurrentIrpStackLocation(irp);
        var length = stack.Parameters.Read.Length;
        var offset = stack.Parameters.Read.ByteOffset;
        var sector = fdo.BytesPerSector;
        NtStatus status;
        if (!fdo.Started)
        {
            status = NtStatus.DeviceNotReady;
        }
        else if (offset < 0 || offset % sector != 0 || length % sector != 0)
        {
            status = NtStatus.InvalidParameter; // DiskReadWriteVerification
        }
        else if (length == 0)
        {
            status = NtStatus.Success;
        }
        else
        {
            IoMarkIrpPending(irp);
            await DiskServiceTransfer(fdo, irp, stack.MajorFunction == IrpMajorFunction.Write, common.StartingOffset + offset, length);
            return NtStatus.Pending;
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>ServiceTransferRequest: one packet per piece of at most MaximumTransferLength, all sent before the first may complete the original.</summary>
    private static async ValueTask DiskServiceTransfer(DiskFdoExtension fdo, Irp original, bool write, long diskOffset, uint length)
    {
        var pieces = (int)((length + fdo.MaximumTransferLength - 1) / fdo.MaximumTransferLength);
        var request = new DiskRequest { Original = original, Length = length, Remaining = pieces };
        var va = MmGetMdlVirtualAddress(original.MdlAddress!);
        for (uint done = 0; done < length;)
        {
            var piece = Math.Min(fdo.MaximumTransferLength, length - done);
            var packet = new TransferPacket { Request = request };
            var srb = packet.Srb;
            srb.Function = SrbFunction.ExecuteScsi;
            srb.SetCdb10(write ? ScsiOp.Write : ScsiOp.Read, (uint)((diskOffset + done) / fdo.BytesPerSector), (ushort)(piece / fdo.BytesPerSector));
            srb.SrbFlags = write ? SrbFlags.DataOut : SrbFlags.DataIn;
            srb.DataTransferLength = piece;
            srb.DataBuffer = va + done;
            var irp = IoAllocateIrp(fdo.LowerDevice!.StackSize, false);
            irp.MdlAddress = original.MdlAddress; // shared: the packet only borrows the original's locked pages
            var next = IoGetNextIrpStackLocation(irp);
            next.MajorFunction = IrpMajorFunction.Scsi;
            next.Parameters.Others.Argument1 = srb;
            IoSetCompletionRoutine(irp, TransferPacketDone, packet, true, true, true);
            Interlocked.Increment(ref fdo._transferPackets);
            done += piece;
            await IoCallDriver(fdo.LowerDevice!, irp);
        }
    }

    /// <summary>
    /// A packet finished: its status from the SRB (ClassInterpretSenseInfo), the first failure kept;
    /// the packet's IRP freed; after the last, the original completed.
    /// </summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    private static async ValueTask<NtStatus> DiskTransferPacketDone(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = deviceObject;
        var packet = (TransferPacket)context!;
        var request = packet.Request;
        var status = DiskInterpretSrb(packet.Srb, irp.IoStatus.Status);
        if (!status.IsSuccess())
        {
            Interlocked.CompareExchange(ref request.FirstError, (int)status, 0);
        }
        irp.MdlAddress = null; // the MDL is the original's: the I/O manager unlocks and frees it with the original
        IoFreeIrp(irp);
        if (Interlocked.Decrement(ref request.Remaining) == 0)
        {
            var original = request.Original;
            var first = (NtStatus)Volatile.Read(ref request.FirstError);
            original.IoStatus.Status = first == 0 ? NtStatus.Success : first;
            original.IoStatus.Information = first == 0 ? request.Length : 0;
            await IoCompleteRequest(original, PriorityBoost.IoDiskIncrement);
        }
        return NtStatus.MoreProcessingRequired;
    }

    /// <summary>ClassInterpretSenseInfo, the part the ports here produce (SRB_STATUS(): the queue-frozen and autosense-valid bits masked off, as usbstor sets SRB_STATUS_AUTOSENSE_VALID).</summary>
    private static NtStatus DiskInterpretSrb(ScsiRequestBlock srb, NtStatus irpStatus) => (SrbStatus)((byte)srb.SrbStatus & 0x3F) switch
    {
        SrbStatus.Success => NtStatus.Success,
        SrbStatus.Error when srb.ScsiStatus == ScsiSense.CheckCondition => srb.SenseKey switch
        {
            ScsiSense.IllegalRequest when srb.AdditionalSenseCode == ScsiSense.IllegalBlock => NtStatus.NonexistentSector,
            ScsiSense.IllegalRequest => NtStatus.InvalidDeviceRequest,
            ScsiSense.HardwareError => NtStatus.IoDeviceError,
            _ => NtStatus.IoDeviceError,
        },
        SrbStatus.InvalidRequest => NtStatus.InvalidDeviceRequest,
        SrbStatus.NoDevice => NtStatus.NoSuchDevice,
        _ => irpStatus.IsSuccess() ? NtStatus.IoDeviceError : irpStatus,
    };

    /// <summary>Reads sector 0 into <paramref name="sector"/> through a READ(10) SRB into nonpaged pool, waited for (PASSIVE_LEVEL).</summary>
    private static async ValueTask<NtStatus> DiskReadSectorZero(DiskFdoExtension fdo, byte[] sector)
    {
        var length = (uint)sector.Length;
        var buffer = ExAllocatePoolWithTag(PoolType.NonPagedPool, length, DiskPoolTag);
        if (buffer == 0)
        {
            return NtStatus.InsufficientResources;
        }
        var mdl = IoAllocateMdl(buffer, length);
        if (mdl is null)
        {
            ExFreePoolWithTag(buffer, DiskPoolTag);
            return NtStatus.InsufficientResources;
        }
        MmBuildMdlForNonPagedPool(mdl);
        var srb = new ScsiRequestBlock { Function = SrbFunction.ExecuteScsi, SrbFlags = SrbFlags.DataIn, DataTransferLength = length, DataBuffer = buffer };
        srb.SetCdb10(ScsiOp.Read, 0, (ushort)(length / fdo.BytesPerSector));
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var irp = IoAllocateIrp(fdo.LowerDevice!.StackSize, false);
        irp.MdlAddress = mdl;
        var next = IoGetNextIrpStackLocation(irp);
        next.MajorFunction = IrpMajorFunction.Scsi;
        next.Parameters.Others.Argument1 = srb;
        IoSetCompletionRoutine(irp, SignalDone, done, true, true, true);
        await IoCallDriver(fdo.LowerDevice!, irp);
        await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        var status = DiskInterpretSrb(srb, irp.IoStatus.Status);
        irp.MdlAddress = null;
        IoFreeIrp(irp);
        if (status.IsSuccess())
        {
            await RtlCopyMemory(sector.AsSpan(), buffer);
        }
        IoFreeMdl(mdl);
        ExFreePoolWithTag(buffer, DiskPoolTag);
        return status;
    }

    /// <summary>Completion routine of a waited-for IRP: signals the event and keeps the IRP.</summary>
    private static ValueTask<NtStatus> DiskSignalDone(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = deviceObject;
        _ = irp;
        KeSetEvent((KEvent)context!, 0, false);
        return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
    }
}
