using System.Buffers.Binary;
using System.Text;

namespace ActorKernel.Hardware;

/// <summary>
/// A USB flash disk: one configuration, one interface of class 0x08 (mass storage), subclass 0x06
/// (SCSI transparent), protocol 0x50 (Bulk-Only Transport), a bulk IN endpoint 0x81 and a bulk OUT
/// endpoint 0x02 of 512 bytes (high speed), over a <see cref="IDiskImage"/>.
/// </summary>
/// <remarks>
/// <para><b>Bulk-Only Transport (USB MSC BOT 1.0).</b> The host sends a 31-byte Command Block
/// Wrapper ('USBC', tag, dCBWDataTransferLength, direction, LUN, CDB) on the OUT endpoint; the
/// data stage follows in the CBW's direction (it may span several transfers); the device ends with a
/// 13-byte Command Status Wrapper ('USBS', the same tag, the residue, status 0 passed, 1 failed,
/// 2 phase error) on the IN endpoint. A CBW that is not 31 bytes or lacks the signature is not
/// meaningful (6.6.1): the device halts both bulk endpoints until Bulk-Only Mass Storage Reset and
/// CLEAR_FEATURE(ENDPOINT_HALT). When the device has less data than the host asked for (case 5,
/// Hi &gt; Di) it ends the data stage with a short packet and reports the residue; a command that
/// fails or moves nothing while the host expects data (cases 4 and 9) gets a zero-length IN
/// packet, or its OUT data taken and dropped, and the whole length as residue.</para>
/// <para><b>SCSI.</b> TEST UNIT READY, REQUEST SENSE (fixed format, 18 bytes), INQUIRY (36 bytes,
/// removable direct-access), MODE SENSE(6) (header only), READ CAPACITY(10), READ(10), WRITE(10).
/// Anything else fails with CHECK CONDITION and sense ILLEGAL REQUEST / INVALID COMMAND OPERATION
/// CODE; an LBA range past the medium with ILLEGAL REQUEST / LOGICAL BLOCK ADDRESS OUT OF RANGE.</para>
/// <para><b>Cost.</b> A READ or WRITE costs <see cref="CommandLatencyNs"/> when its CBW arrives.</para>
/// </remarks>
public sealed class UsbMassStorageDevice : UsbDeviceModel
{
    /// <summary>The bulk IN endpoint's address.</summary>
    public const byte BulkInEndpoint = 0x81;

    /// <summary>The bulk OUT endpoint's address.</summary>
    public const byte BulkOutEndpoint = 0x02;

    private const uint CbwSignature = 0x43425355; // 'USBC'
    private const uint CswSignature = 0x53425355; // 'USBS'

    private static readonly byte[] Device =
    [
        18, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 64, // bcdUSB 2.00, class per interface, bMaxPacketSize0 64
        0x34, 0x12, 0x5B, 0xB5, 0x00, 0x10, 1, 2, 3, 1, // idVendor 0x1234, idProduct 0xB55B, bcdDevice 10.00, strings, 1 configuration
    ];

    private static readonly byte[] Config =
    [
        9, 0x02, 32, 0, 1, 1, 0, 0x80, 50, // wTotalLength 32, 1 interface, value 1, bus powered, 100 mA
        9, 0x04, 0, 0, 2, 0x08, 0x06, 0x50, 0, // interface 0: mass storage, SCSI, bulk-only, 2 endpoints
        7, 0x05, BulkInEndpoint, 0x02, 0x00, 0x02, 0, // bulk IN 512
        7, 0x05, BulkOutEndpoint, 0x02, 0x00, 0x02, 0, // bulk OUT 512
    ];

    private readonly IDiskImage _image;
    private Phase _phase = Phase.Command;
    private uint _tag;
    private uint _expected;
    private byte[] _data = new byte[65536];
    private int _dataLength;
    private int _dataOffset;
    private long _writeLba;
    private bool _sink;
    private byte _status;
    private byte _senseKey;
    private byte _additionalSense;

    /// <summary>Creates the device over <paramref name="image"/>.</summary>
    /// <param name="image">The medium (512-byte sectors).</param>
    /// <param name="commandLatencyNs">The cost of each READ(10)/WRITE(10).</param>
    public UsbMassStorageDevice(IDiskImage image, long commandLatencyNs = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegative(commandLatencyNs);
        _image = image;
        CommandLatencyNs = commandLatencyNs;
    }

    private enum Phase
    {
        Command,
        DataIn,
        DataOut,
        Status,
        ResetRecovery,
    }

    /// <summary>The medium.</summary>
    public IDiskImage Image => _image;

    /// <summary>The cost of a READ or WRITE command.</summary>
    public long CommandLatencyNs { get; }

    /// <summary>Command Block Wrappers accepted since creation.</summary>
    public long Commands { get; private set; }

    /// <inheritdoc />
    protected override byte[] DeviceDescriptor => Device;

    /// <inheritdoc />
    protected override byte[] ConfigurationDescriptor => Config;

    /// <inheritdoc />
    protected override void OnBusReset()
    {
        _phase = Phase.Command;
        _senseKey = 0;
        _additionalSense = 0;
    }

    /// <inheritdoc />
    protected override UsbHandshake ClassOrVendorRequest(byte requestType, byte request, ushort value, ushort index, Span<byte> data, out int actual, out long costNs)
    {
        actual = 0;
        costNs = 0;
        switch (request)
        {
            case 0xFF when requestType == 0x21: // Bulk-Only Mass Storage Reset (3.1): ready for a CBW; halts stay until cleared
                _phase = Phase.Command;
                return UsbHandshake.Ack;
            case 0xFE when requestType == 0xA1 && data.Length >= 1: // Get Max LUN (3.2): one LUN
                data[0] = 0;
                actual = 1;
                return UsbHandshake.Ack;
            default:
                return UsbHandshake.Stall;
        }
    }

    /// <inheritdoc />
    protected override UsbHandshake DataOut(int endpoint, ReadOnlySpan<byte> data, out long costNs)
    {
        costNs = 0;
        if (endpoint != (BulkOutEndpoint & 0xF))
        {
            return UsbHandshake.Stall;
        }
        switch (_phase)
        {
            case Phase.Command:
                return Command(data, out costNs);
            case Phase.DataOut:
                var take = Math.Min(data.Length, _dataLength - _dataOffset);
                if (!_sink)
                {
                    data[..take].CopyTo(_data.AsSpan(_dataOffset));
                }
                _dataOffset += take;
                if (_dataOffset == _dataLength)
                {
                    if (!_sink)
                    {
                        _image.WriteSectors(_writeLba, _data.AsSpan(0, _dataLength));
                    }
                    _phase = Phase.Status;
                }
                return UsbHandshake.Ack;
            default:
                // Data the device does not expect: halt the OUT endpoint (BOT 6.7.3, case 10/13).
                Halt(BulkOutEndpoint);
                return UsbHandshake.Stall;
        }
    }

    /// <inheritdoc />
    protected override UsbHandshake DataIn(int endpoint, Span<byte> buffer, out int actual, out long costNs)
    {
        costNs = 0;
        actual = 0;
        if (endpoint != (BulkInEndpoint & 0xF))
        {
            return UsbHandshake.Stall;
        }
        switch (_phase)
        {
            case Phase.DataIn:
                actual = Math.Min(buffer.Length, _dataLength - _dataOffset);
                _data.AsSpan(_dataOffset, actual).CopyTo(buffer);
                _dataOffset += actual;
                if (_dataOffset == _dataLength)
                {
                    _phase = Phase.Status; // a short transfer here ends the data stage (case 5: Hi > Di)
                }
                return UsbHandshake.Ack;
            case Phase.Status when buffer.Length >= 13:
                BinaryPrimitives.WriteUInt32LittleEndian(buffer, CswSignature);
                BinaryPrimitives.WriteUInt32LittleEndian(buffer[4..], _tag);
                // dCSWDataResidue: what the host expected less what the device processed (none for data it dropped).
                BinaryPrimitives.WriteUInt32LittleEndian(buffer[8..], _expected - (uint)Math.Min(_expected, _sink ? 0u : (uint)_dataOffset));
                buffer[12] = _status;
                actual = 13;
                _phase = Phase.Command;
                return UsbHandshake.Ack;
            default:
                Halt(BulkInEndpoint);
                return UsbHandshake.Stall;
        }
    }

    private UsbHandshake Command(ReadOnlySpan<byte> cbw, out long costNs)
    {
        costNs = 0;
        if (cbw.Length != 31 || BinaryPrimitives.ReadUInt32LittleEndian(cbw) != CbwSignature || cbw[14] is < 1 or > 16)
        {
            // Not a meaningful CBW (6.6.1): stall both bulk endpoints until reset recovery.
            _phase = Phase.ResetRecovery;
            Halt(BulkInEndpoint);
            Halt(BulkOutEndpoint);
            return UsbHandshake.Stall;
        }
        Commands++;
        _tag = BinaryPrimitives.ReadUInt32LittleEndian(cbw[4..]);
        _expected = BinaryPrimitives.ReadUInt32LittleEndian(cbw[8..]);
        var dataIn = (cbw[12] & 0x80) != 0;
        var cdb = cbw.Slice(15, cbw[14]);
        _dataLength = 0;
        _dataOffset = 0;
        _status = 0;
        _sink = false;
        var want = Scsi(cdb, dataIn, ref costNs);
        if (_status != 0 || want == 0)
        {
            EmptyDataStage(dataIn);
        }
        else if (want > _expected || (cdb[0] == 0x2A) == dataIn)
        {
            // The host expects less than the command moves, or the other direction (cases 7, 8, 10, 13): phase error.
            _status = 2;
            EmptyDataStage(dataIn);
        }
        else
        {
            _dataLength = want;
            _phase = dataIn ? Phase.DataIn : Phase.DataOut;
        }
        return UsbHandshake.Ack;
    }

    /// <summary>
    /// The device has no data for the host's data stage (BOT 6.7.2 cases 4 and 9): an IN stage ends
    /// with a zero-length packet, an OUT stage's data is taken and dropped; no stage, straight to the CSW.
    /// </summary>
    private void EmptyDataStage(bool dataIn)
    {
        if (_expected == 0)
        {
            _phase = Phase.Status;
        }
        else if (dataIn)
        {
            _dataLength = 0;
            _phase = Phase.DataIn;
        }
        else
        {
            _dataLength = (int)Math.Min(_expected, int.MaxValue);
            _sink = true;
            _phase = Phase.DataOut;
        }
    }

    /// <returns>The data stage's length (IN: bytes staged in _data; OUT: bytes to collect).</returns>
    private int Scsi(ReadOnlySpan<byte> cdb, bool dataIn, ref long costNs)
    {
        _ = dataIn;
        switch (cdb[0])
        {
            case 0x00: // TEST UNIT READY
                return 0;
            case 0x03: // REQUEST SENSE: fixed format; the sense is consumed
                Array.Clear(_data, 0, 18);
                _data[0] = 0x70;
                _data[2] = _senseKey;
                _data[7] = 10;
                _data[12] = _additionalSense;
                _senseKey = 0;
                _additionalSense = 0;
                return Math.Min(18, cdb.Length > 4 && cdb[4] != 0 ? cdb[4] : 18);
            case 0x12: // INQUIRY: removable direct-access, SPC-2, "AKSIM   USB DISK        1000"
                Array.Clear(_data, 0, 36);
                _data[1] = 0x80;
                _data[2] = 0x04;
                _data[3] = 0x02;
                _data[4] = 31;
                Encoding.ASCII.GetBytes("AKSIM   USB DISK        1000", _data.AsSpan(8));
                return Math.Min(36, cdb.Length > 4 && cdb[4] != 0 ? cdb[4] : 36);
            case 0x1A: // MODE SENSE(6): a header, no block descriptor, not write-protected
                _data[0] = 3;
                _data[1] = 0;
                _data[2] = 0;
                _data[3] = 0;
                return Math.Min(4, cdb.Length > 4 && cdb[4] != 0 ? cdb[4] : 4);
            case 0x25: // READ CAPACITY(10): last LBA and block length, big-endian
                BinaryPrimitives.WriteUInt32BigEndian(_data, (uint)Math.Min(_image.SectorCount - 1, uint.MaxValue));
                BinaryPrimitives.WriteUInt32BigEndian(_data.AsSpan(4), (uint)_image.SectorSize);
                return 8;
            case 0x28 or 0x2A when cdb.Length >= 10: // READ(10) / WRITE(10)
                var lba = BinaryPrimitives.ReadUInt32BigEndian(cdb[2..]);
                var blocks = BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]);
                if (lba + (long)blocks > _image.SectorCount)
                {
                    return Fail(0x05, 0x21);
                }
                var bytes = blocks * _image.SectorSize;
                if (_data.Length < bytes)
                {
                    _data = new byte[bytes];
                }
                costNs = CommandLatencyNs;
                if (cdb[0] == 0x28)
                {
                    _image.ReadSectors(lba, _data.AsSpan(0, bytes));
                }
                else
                {
                    _writeLba = lba;
                }
                return bytes;
            default:
                return Fail(0x05, 0x20);
        }
    }

    /// <summary>CHECK CONDITION: CSW status 1 with the sense REQUEST SENSE returns.</summary>
    private int Fail(byte senseKey, byte additionalSense)
    {
        _status = 1;
        _senseKey = senseKey;
        _additionalSense = additionalSense;
        return 0;
    }
}
