/*++

Module Name:

    BulkOnly.cs

Abstract:

    The wire format of the USB Mass Storage Class Bulk-Only Transport (BOT, revision 1.0) that
    usbstor.sys speaks: the 31-byte Command Block Wrapper sent on the bulk-out pipe before each
    command, the 13-byte Command Status Wrapper read from the bulk-in pipe after it, the class
    requests (Bulk-Only Mass Storage Reset, Get Max LUN) and the rules of section 6.3 that decide
    whether a CSW is valid and meaningful. The SCSI command set (SPC/SBC) rides inside the CBW.

    Left out: the CBI transport (UFI floppies), UAS.

Environment:

    Kernel mode, any IRQL (pure data).

--*/

using System.Buffers.Binary;

namespace ActorKernel.Drivers.Usb.Storage;

/// <summary>bCSWStatus (BOT 5.2, table 5.3).</summary>
public enum CswStatus : byte
{
    /// <summary>Command Passed (0x00).</summary>
    CommandPassed = 0x00,

    /// <summary>Command Failed (0x01): the host reads the sense data with REQUEST SENSE.</summary>
    CommandFailed = 0x01,

    /// <summary>Phase Error (0x02): the host performs a reset recovery.</summary>
    PhaseError = 0x02,
}

/// <summary>The Bulk-Only Transport's wrappers and class requests.</summary>
public static class BulkOnly
{
    /// <summary>dCBWSignature: 'USBC' little-endian (0x43425355).</summary>
    public const uint CbwSignature = 0x43425355;

    /// <summary>dCSWSignature: 'USBS' little-endian (0x53425355).</summary>
    public const uint CswSignature = 0x53425355;

    /// <summary>Size of a CBW: exactly 31 bytes (BOT 5.1).</summary>
    public const int CbwLength = 31;

    /// <summary>Size of a CSW: exactly 13 bytes (BOT 5.2).</summary>
    public const int CswLength = 13;

    /// <summary>bmCBWFlags bit 7: Direction, 1 = data-in (device to host).</summary>
    public const byte CbwFlagDataIn = 0x80;

    /// <summary>Bulk-Only Mass Storage Reset: bRequest 0xFF, bmRequestType 0x21 (class, interface, host to device) (BOT 3.1).</summary>
    public const byte RequestMassStorageReset = 0xFF;

    /// <summary>Get Max LUN: bRequest 0xFE, bmRequestType 0xA1 (class, interface, device to host), one byte (BOT 3.2).</summary>
    public const byte RequestGetMaxLun = 0xFE;

    /// <summary>bInterfaceClass of mass storage (0x08).</summary>
    public const byte InterfaceClassMassStorage = 0x08;

    /// <summary>bInterfaceSubClass SCSI transparent command set (0x06).</summary>
    public const byte SubClassScsiTransparent = 0x06;

    /// <summary>bInterfaceProtocol Bulk-Only Transport (0x50).</summary>
    public const byte ProtocolBulkOnly = 0x50;

    /// <summary>Writes a CBW into <paramref name="cbw"/> (31 bytes).</summary>
    /// <param name="cbw">The buffer.</param>
    /// <param name="tag">dCBWTag: echoed in the CSW.</param>
    /// <param name="dataTransferLength">dCBWDataTransferLength: the bytes the host expects to move.</param>
    /// <param name="dataIn">bmCBWFlags.Direction.</param>
    /// <param name="lun">bCBWLUN (0..15).</param>
    /// <param name="cdb">The command block (1..16 bytes).</param>
    public static void WriteCbw(Span<byte> cbw, uint tag, uint dataTransferLength, bool dataIn, byte lun, ReadOnlySpan<byte> cdb)
    {
        if (cdb.Length is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(cdb), "bCBWCBLength is 1 to 16 (BOT 5.1)");
        }
        cbw[..CbwLength].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(cbw, CbwSignature);
        BinaryPrimitives.WriteUInt32LittleEndian(cbw[4..], tag);
        BinaryPrimitives.WriteUInt32LittleEndian(cbw[8..], dataTransferLength);
        cbw[12] = dataIn ? CbwFlagDataIn : (byte)0;
        cbw[13] = (byte)(lun & 0x0F);
        cbw[14] = (byte)cdb.Length;
        cdb.CopyTo(cbw[15..]);
    }

    /// <summary>A CSW read from the device.</summary>
    /// <param name="Signature">dCSWSignature.</param>
    /// <param name="Tag">dCSWTag.</param>
    /// <param name="DataResidue">dCSWDataResidue: expected minus processed bytes.</param>
    /// <param name="Status">bCSWStatus.</param>
    public readonly record struct Csw(uint Signature, uint Tag, uint DataResidue, byte Status);

    /// <summary>Reads a CSW.</summary>
    /// <param name="csw">The 13 bytes.</param>
    /// <returns>The fields.</returns>
    public static Csw ReadCsw(ReadOnlySpan<byte> csw) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(csw),
        BinaryPrimitives.ReadUInt32LittleEndian(csw[4..]),
        BinaryPrimitives.ReadUInt32LittleEndian(csw[8..]),
        csw[12]);

    /// <summary>
    /// BOT 6.3.1 "Valid CSW": received as 13 bytes, the signature 'USBS', the tag of the CBW it answers.
    /// BOT 6.3.2 "Meaningful CSW": status 0 or 1 with a residue not above the length asked, or status 2.
    /// A CSW that is not valid and meaningful makes the host perform a reset recovery (BOT 5.3.3, 6.6.1).
    /// </summary>
    /// <param name="csw">The CSW.</param>
    /// <param name="received">Bytes the bulk-in transfer brought.</param>
    /// <param name="tag">The CBW's tag.</param>
    /// <param name="expected">The CBW's dCBWDataTransferLength.</param>
    /// <returns>Whether the host may act on the status.</returns>
    public static bool IsValidAndMeaningful(in Csw csw, uint received, uint tag, uint expected) =>
        received == CswLength && csw.Signature == CswSignature && csw.Tag == tag &&
        (csw.Status == (byte)CswStatus.PhaseError || (csw.Status <= (byte)CswStatus.CommandFailed && csw.DataResidue <= expected));
}
