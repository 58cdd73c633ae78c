/*++

Module Name:

    UsbMassStorage.cs

Abstract:

    The USB Mass Storage Class Bulk-Only Transport 1.0 definitions a client (usbstor) needs: the
    interface class/subclass/protocol, the class requests, and the layouts of the Command Block
    Wrapper (31 bytes, signature 'USBC') and Command Status Wrapper (13 bytes, signature 'USBS').

Environment:

    Kernel mode.

--*/

using System.Buffers.Binary;

namespace ActorKernel.Drivers.Usb;

/// <summary>Bulk-Only Transport constants (USB MSC BOT 1.0).</summary>
public static class UsbMassStorage
{
    /// <summary>USB_DEVICE_CLASS_STORAGE (0x08).</summary>
    public const byte InterfaceClass = 0x08;

    /// <summary>SCSI transparent command set (0x06).</summary>
    public const byte SubClassScsi = 0x06;

    /// <summary>Bulk-Only Transport (0x50).</summary>
    public const byte ProtocolBulkOnly = 0x50;

    /// <summary>Bulk-Only Mass Storage Reset (class request 0xFF, to the interface, no data).</summary>
    public const byte RequestReset = 0xFF;

    /// <summary>Get Max LUN (class request 0xFE, to the interface, one byte in).</summary>
    public const byte RequestGetMaxLun = 0xFE;

    /// <summary>dCBWSignature 'USBC' (0x43425355, little-endian on the wire).</summary>
    public const uint CbwSignature = 0x43425355;

    /// <summary>dCSWSignature 'USBS' (0x53425355).</summary>
    public const uint CswSignature = 0x53425355;

    /// <summary>sizeof(CBW).</summary>
    public const int CbwSize = 31;

    /// <summary>sizeof(CSW).</summary>
    public const int CswSize = 13;

    /// <summary>bmCBWFlags bit 7: data from the device to the host.</summary>
    public const byte CbwFlagDataIn = 0x80;

    /// <summary>bCSWStatus: Command Passed (0x00).</summary>
    public const byte CswStatusPassed = 0x00;

    /// <summary>bCSWStatus: Command Failed (0x01): REQUEST SENSE says why.</summary>
    public const byte CswStatusFailed = 0x01;

    /// <summary>bCSWStatus: Phase Error (0x02): reset recovery follows.</summary>
    public const byte CswStatusPhaseError = 0x02;

    /// <summary>Writes a CBW.</summary>
    /// <param name="destination">31 bytes.</param>
    /// <param name="tag">dCBWTag (echoed in the CSW).</param>
    /// <param name="dataTransferLength">dCBWDataTransferLength.</param>
    /// <param name="dataIn">bmCBWFlags direction.</param>
    /// <param name="lun">bCBWLUN.</param>
    /// <param name="cdb">CBWCB (1..16 bytes).</param>
    public static void WriteCbw(Span<byte> destination, uint tag, uint dataTransferLength, bool dataIn, byte lun, ReadOnlySpan<byte> cdb)
    {
        if (cdb.Length is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(cdb), "A CDB is 1 to 16 bytes.");
        }
        destination[..CbwSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(destination, CbwSignature);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], tag);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], dataTransferLength);
        destination[12] = dataIn ? CbwFlagDataIn : (byte)0;
        destination[13] = (byte)(lun & 0x0F);
        destination[14] = (byte)cdb.Length;
        cdb.CopyTo(destination[15..]);
    }

    /// <summary>Reads a CSW.</summary>
    /// <param name="source">13 bytes.</param>
    /// <returns>Whether the signature is 'USBS', the tag, the residue and the status.</returns>
    public static (bool Valid, uint Tag, uint DataResidue, byte Status) ReadCsw(ReadOnlySpan<byte> source) =>
        source.Length < CswSize
            ? (false, 0, 0, CswStatusPhaseError)
            : (BinaryPrimitives.ReadUInt32LittleEndian(source) == CswSignature, BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
                BinaryPrimitives.ReadUInt32LittleEndian(source[8..]), source[12]);
}
