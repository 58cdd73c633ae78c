/*++

Module Name:

    ScsiRequestBlock.cs

Abstract:

    SCSI_REQUEST_BLOCK (srb.h) and the SCSI constants the class and port drivers share: the SRB
    function, status and flag values, the CDB operation codes of SBC-3 the disk class driver sends
    (READ(10), WRITE(10), SYNCHRONIZE CACHE(10)) and the sense keys and additional sense codes the
    port returns on a check condition. A class driver sends an SRB in Parameters.Scsi.Srb of an
    IRP_MJ_SCSI (IRP_MJ_INTERNAL_DEVICE_CONTROL) to the port's PDO for the logical unit.

    Left out: SRB_FUNCTION values other than EXECUTE_SCSI and FLUSH, tagged queueing attributes,
    auto request sense into a separate buffer (the sense bytes travel in the block itself).

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Storage;

/// <summary>SRB_FUNCTION_* (srb.h).</summary>
public enum SrbFunction : byte
{
    /// <summary>SRB_FUNCTION_EXECUTE_SCSI (0x00): run the CDB.</summary>
    ExecuteScsi = 0x00,

    /// <summary>SRB_FUNCTION_FLUSH (0x08): write the adapter's cache back.</summary>
    Flush = 0x08,
}

/// <summary>SRB_STATUS_* (srb.h), the port's result of a request.</summary>
public enum SrbStatus : byte
{
    /// <summary>SRB_STATUS_PENDING (0x00).</summary>
    Pending = 0x00,

    /// <summary>SRB_STATUS_SUCCESS (0x01).</summary>
    Success = 0x01,

    /// <summary>SRB_STATUS_ABORTED (0x02).</summary>
    Aborted = 0x02,

    /// <summary>SRB_STATUS_ERROR (0x04): the target reported a check condition (sense data valid).</summary>
    Error = 0x04,

    /// <summary>SRB_STATUS_INVALID_REQUEST (0x06): the port refused the request.</summary>
    InvalidRequest = 0x06,

    /// <summary>SRB_STATUS_NO_DEVICE (0x08).</summary>
    NoDevice = 0x08,

    /// <summary>SRB_STATUS_TIMEOUT (0x09): the request's TimeOutValue ran out at the adapter.</summary>
    Timeout = 0x09,

    /// <summary>SRB_STATUS_BUS_RESET (0x0E): the request was at the adapter when the bus was reset (HwResetBus completes every outstanding request so).</summary>
    BusReset = 0x0E,

    /// <summary>SRB_STATUS_QUEUE_FROZEN (0x40): a flag bit, not a status; SRB_STATUS() masks it off.</summary>
    QueueFrozen = 0x40,

    /// <summary>SRB_STATUS_AUTOSENSE_VALID (0x80): a flag bit, not a status: the sense buffer holds the REQUEST SENSE data; SRB_STATUS() masks it off.</summary>
    AutosenseValid = 0x80,
}

/// <summary>SRB_FLAGS_* (srb.h).</summary>
[Flags]
public enum SrbFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>SRB_FLAGS_DATA_IN (0x40): data moves from the device to memory.</summary>
    DataIn = 0x00000040,

    /// <summary>SRB_FLAGS_DATA_OUT (0x80): data moves from memory to the device.</summary>
    DataOut = 0x00000080,
}

/// <summary>SCSIOP_* (scsi.h): the CDB operation codes used here.</summary>
public enum ScsiOp : byte
{
    /// <summary>SCSIOP_READ_CAPACITY (0x25).</summary>
    ReadCapacity = 0x25,

    /// <summary>SCSIOP_READ (0x28): READ(10).</summary>
    Read = 0x28,

    /// <summary>SCSIOP_WRITE (0x2A): WRITE(10).</summary>
    Write = 0x2A,

    /// <summary>SCSIOP_SYNCHRONIZE_CACHE (0x35).</summary>
    SynchronizeCache = 0x35,
}

/// <summary>SCSI_SENSE_* keys and SCSI_ADSENSE_* codes (scsi.h) the port reports.</summary>
public static class ScsiSense
{
    /// <summary>SCSISTAT_CHECK_CONDITION (0x02).</summary>
    public const byte CheckCondition = 0x02;

    /// <summary>SCSI_SENSE_HARDWARE_ERROR (0x04).</summary>
    public const byte HardwareError = 0x04;

    /// <summary>SCSI_SENSE_ILLEGAL_REQUEST (0x05).</summary>
    public const byte IllegalRequest = 0x05;

    /// <summary>SCSI_ADSENSE_ILLEGAL_COMMAND (0x20).</summary>
    public const byte IllegalCommand = 0x20;

    /// <summary>SCSI_ADSENSE_ILLEGAL_BLOCK (0x21): logical block address out of range.</summary>
    public const byte IllegalBlock = 0x21;

    /// <summary>SCSI_ADSENSE_INVALID_CDB (0x24).</summary>
    public const byte InvalidCdb = 0x24;
}

/// <summary>
/// SCSI_REQUEST_BLOCK: one request of a class driver to a logical unit. The class driver fills
/// Function, the address (PathId, TargetId, Lun), the CDB, SrbFlags, DataTransferLength and
/// DataBuffer (a virtual address inside Irp-&gt;MdlAddress: the port builds the scatter/gather list
/// from the MDL at that offset, so one MDL serves many SRBs); the port returns SrbStatus,
/// ScsiStatus, the sense data and the bytes moved.
/// </summary>
public sealed class ScsiRequestBlock
{
    /// <summary>SRB_FUNCTION_*.</summary>
    public SrbFunction Function { get; set; }

    /// <summary>SRB_STATUS_*, set by the port (with the SRB_STATUS_AUTOSENSE_VALID and SRB_STATUS_QUEUE_FROZEN flag bits when they apply).</summary>
    public SrbStatus SrbStatus { get; set; }

    /// <summary>SRB_STATUS(Srb->SrbStatus): the status without its flag bits (<c>&amp; 0x3F</c>), what a class driver switches on.</summary>
    public SrbStatus Status => (SrbStatus)((byte)SrbStatus & 0x3F);

    /// <summary>The SCSI status byte (SCSISTAT_GOOD 0, SCSISTAT_CHECK_CONDITION 2).</summary>
    public byte ScsiStatus { get; set; }

    /// <summary>The bus (path) of the logical unit.</summary>
    public byte PathId { get; set; }

    /// <summary>The target ID.</summary>
    public byte TargetId { get; set; }

    /// <summary>The logical unit number.</summary>
    public byte Lun { get; set; }

    /// <summary>SRB_FLAGS_*.</summary>
    public SrbFlags SrbFlags { get; set; }

    /// <summary>Bytes to move; on return, bytes moved.</summary>
    public uint DataTransferLength { get; set; }

    /// <summary>The data's virtual address within Irp-&gt;MdlAddress (MmGetMdlVirtualAddress plus the offset of this piece).</summary>
    public ulong DataBuffer { get; set; }

    /// <summary>
    /// TimeOutValue: seconds the request may stay at the adapter before the port resets the bus
    /// (classpnp's default for a disk, SCSI_DISK_TIMEOUT, is 10; 0 is taken as 1, the port's tick).
    /// </summary>
    public uint TimeOutValue { get; set; } = 10;

    /// <summary>The IRP carrying this SRB (OriginalRequest).</summary>
    public Irp? OriginalRequest { get; set; }

    /// <summary>The command descriptor block (CdbLength bytes are valid).</summary>
    public byte[] Cdb { get; } = new byte[16];

    /// <summary>The CDB's length (10 for the commands here).</summary>
    public byte CdbLength { get; set; }

    /// <summary>Fixed-format sense data (SENSE_DATA, 18 bytes) after a check condition.</summary>
    public byte[] SenseInfoBuffer { get; } = new byte[18];

    /// <summary>Bytes of sense data returned.</summary>
    public byte SenseInfoBufferLength { get; set; }

    /// <summary>The sense key (SENSE_DATA.SenseKey) of the last check condition.</summary>
    public byte SenseKey => (byte)(SenseInfoBuffer[2] & 0x0F);

    /// <summary>The additional sense code (SENSE_DATA.AdditionalSenseCode).</summary>
    public byte AdditionalSenseCode => SenseInfoBuffer[12];

    /// <summary>Fills a 10-byte CDB for READ(10) or WRITE(10): big-endian LBA in bytes 2..5, transfer length in blocks in bytes 7..8.</summary>
    /// <param name="op">SCSIOP_READ or SCSIOP_WRITE.</param>
    /// <param name="lba">The first logical block.</param>
    /// <param name="blocks">Blocks to transfer.</param>
    public void SetCdb10(ScsiOp op, uint lba, ushort blocks)
    {
        Array.Clear(Cdb);
        CdbLength = 10;
        Cdb[0] = (byte)op;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(Cdb.AsSpan(2), lba);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(Cdb.AsSpan(7), blocks);
    }

    /// <summary>The LBA of a 10-byte CDB.</summary>
    public uint CdbLogicalBlock => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Cdb.AsSpan(2));

    /// <summary>The transfer length in blocks of a 10-byte CDB.</summary>
    public ushort CdbTransferBlocks => System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(Cdb.AsSpan(7));

    /// <summary>Sets a check condition with fixed-format sense (response code 0x70).</summary>
    /// <param name="senseKey">SCSI_SENSE_*.</param>
    /// <param name="additionalSenseCode">SCSI_ADSENSE_*.</param>
    public void SetCheckCondition(byte senseKey, byte additionalSenseCode)
    {
        Array.Clear(SenseInfoBuffer);
        SenseInfoBuffer[0] = 0x70;
        SenseInfoBuffer[2] = senseKey;
        SenseInfoBuffer[7] = 10; // additional sense length
        SenseInfoBuffer[12] = additionalSenseCode;
        SenseInfoBufferLength = 18;
        ScsiStatus = ScsiSense.CheckCondition;
        SrbStatus = SrbStatus.Error;
    }
}
