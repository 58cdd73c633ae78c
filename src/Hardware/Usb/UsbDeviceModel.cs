using System.Buffers.Binary;

namespace ActorKernel.Hardware;

/// <summary>The bus speed a device signals at reset (the PORTSC speed field).</summary>
public enum UsbBusSpeed
{
    /// <summary>Full speed (12 Mb/s).</summary>
    Full = 0,

    /// <summary>Low speed (1.5 Mb/s).</summary>
    Low = 1,

    /// <summary>High speed (480 Mb/s).</summary>
    High = 2,
}

/// <summary>What a device answered a transaction with.</summary>
public enum UsbHandshake
{
    /// <summary>ACK: the transfer went through (an IN may be short).</summary>
    Ack,

    /// <summary>STALL: the endpoint is halted or the request is not supported.</summary>
    Stall,
}

/// <summary>
/// A USB device on a root port, as the bus sees it (USB 2.0 chapter 9): the default, address and
/// configured states, the standard requests on endpoint 0 answered from its descriptors, and the
/// halt feature of each endpoint. A class model (<see cref="UsbMassStorageDevice"/>) adds its
/// class requests and its bulk/interrupt endpoints.
/// </summary>
/// <remarks>
/// The controller calls it on its own actor, holding its lock; a model keeps no other lock.
/// </remarks>
public abstract class UsbDeviceModel
{
    private readonly bool[] _haltedIn = new bool[16];
    private readonly bool[] _haltedOut = new bool[16];

    /// <summary>The speed the device signals.</summary>
    public virtual UsbBusSpeed Speed => UsbBusSpeed.High;

    /// <summary>The device's address (0 in the default state; SET_ADDRESS sets it, a bus reset clears it).</summary>
    public byte Address { get; private set; }

    /// <summary>bConfigurationValue of the active configuration (0: addressed, not configured).</summary>
    public byte Configuration { get; private set; }

    /// <summary>Control transfers answered since creation.</summary>
    public long ControlTransfers { get; private set; }

    /// <summary>The device descriptor's 18 bytes.</summary>
    protected abstract byte[] DeviceDescriptor { get; }

    /// <summary>The configuration descriptor with its interfaces and endpoints (wTotalLength bytes).</summary>
    protected abstract byte[] ConfigurationDescriptor { get; }

    /// <summary>Whether an endpoint is halted (USB 2.0 9.4.5).</summary>
    /// <param name="endpointAddress">bEndpointAddress (bit 7 for IN).</param>
    /// <returns>Halted or not.</returns>
    public bool IsHalted(byte endpointAddress) => (endpointAddress & 0x80) != 0 ? _haltedIn[endpointAddress & 0xF] : _haltedOut[endpointAddress & 0xF];

    /// <summary>Halts an endpoint: transactions to it are answered STALL until CLEAR_FEATURE(ENDPOINT_HALT).</summary>
    /// <param name="endpointAddress">bEndpointAddress.</param>
    protected void Halt(byte endpointAddress)
    {
        if ((endpointAddress & 0x80) != 0)
        {
            _haltedIn[endpointAddress & 0xF] = true;
        }
        else
        {
            _haltedOut[endpointAddress & 0xF] = true;
        }
    }

    /// <summary>Bus reset (SE0 for 10 ms): back to the default state at address 0, unconfigured, no halts (USB 2.0 9.1.1.3).</summary>
    internal void BusReset()
    {
        Address = 0;
        Configuration = 0;
        Array.Clear(_haltedIn);
        Array.Clear(_haltedOut);
        OnBusReset();
    }

    /// <summary>A class model's reset of its own state.</summary>
    protected virtual void OnBusReset()
    {
    }

    /// <summary>A whole control transfer on endpoint 0: SETUP, DATA (to or from <paramref name="data"/>), STATUS.</summary>
    /// <param name="setup">The 8 setup bytes.</param>
    /// <param name="data">OUT: the data stage's bytes; IN: room for them.</param>
    /// <param name="actual">IN: bytes returned; OUT: bytes taken.</param>
    /// <param name="costNs">The device's own time for it.</param>
    /// <returns>ACK, or STALL for a request the device refuses (the default pipe's stall clears at the next SETUP).</returns>
    internal UsbHandshake Control(ReadOnlySpan<byte> setup, Span<byte> data, out int actual, out long costNs)
    {
        ControlTransfers++;
        costNs = 0;
        actual = 0;
        var requestType = setup[0];
        var request = setup[1];
        var value = BinaryPrimitives.ReadUInt16LittleEndian(setup[2..]);
        var index = BinaryPrimitives.ReadUInt16LittleEndian(setup[4..]);
        var length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(setup[6..]), data.Length);
        if ((requestType & 0x60) != 0)
        {
            return ClassOrVendorRequest(requestType, request, value, index, data[..length], out actual, out costNs);
        }
        switch (request)
        {
            case 0x06 when (requestType & 0x80) != 0: // GET_DESCRIPTOR: truncated to wLength (9.4.3)
                var descriptor = (value >> 8) switch
                {
                    0x01 => DeviceDescriptor,
                    0x02 when (value & 0xFF) == 0 => ConfigurationDescriptor,
                    _ => null,
                };
                if (descriptor is null)
                {
                    return UsbHandshake.Stall;
                }
                actual = Math.Min(length, descriptor.Length);
                descriptor.AsSpan(0, actual).CopyTo(data);
                return UsbHandshake.Ack;
            case 0x05 when requestType == 0x00 && value is > 0 and < 128 && Configuration == 0: // SET_ADDRESS: effective after the status stage (9.4.6)
                Address = (byte)value;
                return UsbHandshake.Ack;
            case 0x09 when requestType == 0x00: // SET_CONFIGURATION: 0 or the one configuration's value (9.4.7)
                if (Address == 0 || (value != 0 && value != ConfigurationDescriptor[5]))
                {
                    return UsbHandshake.Stall;
                }
                Configuration = (byte)value;
                Array.Clear(_haltedIn);
                Array.Clear(_haltedOut);
                return UsbHandshake.Ack;
            case 0x08 when requestType == 0x80 && length >= 1: // GET_CONFIGURATION
                data[0] = Configuration;
                actual = 1;
                return UsbHandshake.Ack;
            case 0x00 when (requestType & 0x80) != 0 && length >= 2: // GET_STATUS: an endpoint's bit 0 is its halt (9.4.5)
                data[0] = (requestType & 0x1F) == 2 && IsHalted((byte)index) ? (byte)1 : (byte)0;
                data[1] = 0;
                actual = 2;
                return UsbHandshake.Ack;
            case 0x01 when requestType == 0x02 && value == 0: // CLEAR_FEATURE(ENDPOINT_HALT): clears the halt and resets the toggle (9.4.1)
                SetHalt((byte)index, false);
                OnHaltCleared((byte)index);
                return UsbHandshake.Ack;
            case 0x03 when requestType == 0x02 && value == 0: // SET_FEATURE(ENDPOINT_HALT)
                SetHalt((byte)index, true);
                return UsbHandshake.Ack;
            default:
                return UsbHandshake.Stall;
        }
    }

    /// <summary>A bulk or interrupt OUT transfer of <paramref name="data"/> to <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">The endpoint number.</param>
    /// <param name="data">The bytes.</param>
    /// <param name="costNs">The device's time for it.</param>
    /// <returns>ACK or STALL.</returns>
    internal UsbHandshake Out(int endpoint, ReadOnlySpan<byte> data, out long costNs)
    {
        costNs = 0;
        if (Configuration == 0 || _haltedOut[endpoint & 0xF])
        {
            return UsbHandshake.Stall;
        }
        return DataOut(endpoint, data, out costNs);
    }

    /// <summary>A bulk or interrupt IN transfer from <paramref name="endpoint"/> into <paramref name="buffer"/>.</summary>
    /// <param name="endpoint">The endpoint number.</param>
    /// <param name="buffer">Room for the data.</param>
    /// <param name="actual">Bytes returned (fewer than the buffer: a short packet ended it).</param>
    /// <param name="costNs">The device's time for it.</param>
    /// <returns>ACK or STALL.</returns>
    internal UsbHandshake In(int endpoint, Span<byte> buffer, out int actual, out long costNs)
    {
        costNs = 0;
        actual = 0;
        if (Configuration == 0 || _haltedIn[endpoint & 0xF])
        {
            return UsbHandshake.Stall;
        }
        return DataIn(endpoint, buffer, out actual, out costNs);
    }

    /// <summary>A class or vendor request on endpoint 0 (STALL unless the class answers it).</summary>
    /// <param name="requestType">bmRequestType.</param>
    /// <param name="request">bRequest.</param>
    /// <param name="value">wValue.</param>
    /// <param name="index">wIndex.</param>
    /// <param name="data">The data stage (truncated to wLength).</param>
    /// <param name="actual">Bytes moved.</param>
    /// <param name="costNs">The device's time.</param>
    /// <returns>ACK or STALL.</returns>
    protected virtual UsbHandshake ClassOrVendorRequest(byte requestType, byte request, ushort value, ushort index, Span<byte> data, out int actual, out long costNs)
    {
        actual = 0;
        costNs = 0;
        return UsbHandshake.Stall;
    }

    /// <summary>The class's OUT data.</summary>
    /// <param name="endpoint">The endpoint number.</param>
    /// <param name="data">The bytes.</param>
    /// <param name="costNs">The device's time.</param>
    /// <returns>ACK or STALL.</returns>
    protected abstract UsbHandshake DataOut(int endpoint, ReadOnlySpan<byte> data, out long costNs);

    /// <summary>The class's IN data.</summary>
    /// <param name="endpoint">The endpoint number.</param>
    /// <param name="buffer">Room.</param>
    /// <param name="actual">Bytes given.</param>
    /// <param name="costNs">The device's time.</param>
    /// <returns>ACK or STALL.</returns>
    protected abstract UsbHandshake DataIn(int endpoint, Span<byte> buffer, out int actual, out long costNs);

    /// <summary>CLEAR_FEATURE(ENDPOINT_HALT) reached an endpoint.</summary>
    /// <param name="endpointAddress">bEndpointAddress.</param>
    protected virtual void OnHaltCleared(byte endpointAddress)
    {
    }

    private void SetHalt(byte endpointAddress, bool halted)
    {
        if ((endpointAddress & 0x80) != 0)
        {
            _haltedIn[endpointAddress & 0xF] = halted;
        }
        else
        {
            _haltedOut[endpointAddress & 0xF] = halted;
        }
    }
}
