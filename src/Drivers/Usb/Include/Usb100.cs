/*++

Module Name:

    Usb100.cs

Abstract:

    The USB 2.0 chapter 9 and chapter 11 definitions of usb100.h / usbspec.h in C#: descriptor
    types and their byte layouts (device 18 bytes, configuration 9, interface 9, endpoint 7, hub
    descriptor 0x29), the 8-byte setup packet, the standard request codes, feature selectors, and
    the hub class port status / port change bits (USB 2.0 11.24.2.7). Every layout reads and writes
    little-endian bytes, as they travel on the bus.

    Left out: string, device-qualifier, other-speed and BOS descriptors; SuperSpeed companions.

Environment:

    Kernel mode (shared by the host controller port driver, the hub driver and client drivers).

--*/

using System.Buffers.Binary;

namespace ActorKernel.Drivers.Usb;

/// <summary>USB_*_DESCRIPTOR_TYPE (usb100.h; USB 2.0 table 9-5, hub 11.23.2.1).</summary>
public enum UsbDescriptorType : byte
{
    /// <summary>USB_DEVICE_DESCRIPTOR_TYPE (0x01).</summary>
    Device = 0x01,

    /// <summary>USB_CONFIGURATION_DESCRIPTOR_TYPE (0x02).</summary>
    Configuration = 0x02,

    /// <summary>USB_STRING_DESCRIPTOR_TYPE (0x03).</summary>
    String = 0x03,

    /// <summary>USB_INTERFACE_DESCRIPTOR_TYPE (0x04).</summary>
    Interface = 0x04,

    /// <summary>USB_ENDPOINT_DESCRIPTOR_TYPE (0x05).</summary>
    Endpoint = 0x05,

    /// <summary>USB_20_HUB_DESCRIPTOR_TYPE (0x29): the hub class descriptor.</summary>
    Hub = 0x29,
}

/// <summary>USB_REQUEST_* (usb100.h; USB 2.0 table 9-4) and the hub class requests of table 11-16.</summary>
public enum UsbRequest : byte
{
    /// <summary>USB_REQUEST_GET_STATUS (0x00).</summary>
    GetStatus = 0x00,

    /// <summary>USB_REQUEST_CLEAR_FEATURE (0x01).</summary>
    ClearFeature = 0x01,

    /// <summary>USB_REQUEST_SET_FEATURE (0x03).</summary>
    SetFeature = 0x03,

    /// <summary>USB_REQUEST_SET_ADDRESS (0x05).</summary>
    SetAddress = 0x05,

    /// <summary>USB_REQUEST_GET_DESCRIPTOR (0x06).</summary>
    GetDescriptor = 0x06,

    /// <summary>USB_REQUEST_SET_DESCRIPTOR (0x07).</summary>
    SetDescriptor = 0x07,

    /// <summary>USB_REQUEST_GET_CONFIGURATION (0x08).</summary>
    GetConfiguration = 0x08,

    /// <summary>USB_REQUEST_SET_CONFIGURATION (0x09).</summary>
    SetConfiguration = 0x09,

    /// <summary>USB_REQUEST_GET_INTERFACE (0x0A).</summary>
    GetInterface = 0x0A,

    /// <summary>USB_REQUEST_SET_INTERFACE (0x0B).</summary>
    SetInterface = 0x0B,

    /// <summary>USB_REQUEST_SYNC_FRAME (0x0C).</summary>
    SyncFrame = 0x0C,
}

/// <summary>bmRequestType (usb100.h BMREQUEST_*; USB 2.0 table 9-2): direction, type, recipient.</summary>
public static class BmRequest
{
    /// <summary>BMREQUEST_HOST_TO_DEVICE (0) in bit 7.</summary>
    public const byte HostToDevice = 0x00;

    /// <summary>BMREQUEST_DEVICE_TO_HOST (1) in bit 7.</summary>
    public const byte DeviceToHost = 0x80;

    /// <summary>BMREQUEST_STANDARD (0) in bits 6..5.</summary>
    public const byte Standard = 0x00;

    /// <summary>BMREQUEST_CLASS (1) in bits 6..5.</summary>
    public const byte Class = 0x20;

    /// <summary>BMREQUEST_VENDOR (2) in bits 6..5.</summary>
    public const byte Vendor = 0x40;

    /// <summary>BMREQUEST_TO_DEVICE (0) in bits 4..0.</summary>
    public const byte ToDevice = 0x00;

    /// <summary>BMREQUEST_TO_INTERFACE (1).</summary>
    public const byte ToInterface = 0x01;

    /// <summary>BMREQUEST_TO_ENDPOINT (2).</summary>
    public const byte ToEndpoint = 0x02;

    /// <summary>BMREQUEST_TO_OTHER (3): a hub's port.</summary>
    public const byte ToOther = 0x03;
}

/// <summary>Feature selectors (USB 2.0 table 9-6 and the hub port features of table 11-17).</summary>
public enum UsbFeature : ushort
{
    /// <summary>USB_FEATURE_ENDPOINT_STALL / ENDPOINT_HALT (0), to an endpoint.</summary>
    EndpointHalt = 0,

    /// <summary>USB_FEATURE_REMOTE_WAKEUP (1), to a device.</summary>
    RemoteWakeup = 1,

    /// <summary>PORT_CONNECTION (0), to a hub port (GET only).</summary>
    PortConnection = 0,

    /// <summary>PORT_ENABLE (1): clearing it disables the port.</summary>
    PortEnable = 1,

    /// <summary>PORT_SUSPEND (2).</summary>
    PortSuspend = 2,

    /// <summary>PORT_OVER_CURRENT (3).</summary>
    PortOverCurrent = 3,

    /// <summary>PORT_RESET (4): setting it resets and then enables the port.</summary>
    PortReset = 4,

    /// <summary>PORT_POWER (8).</summary>
    PortPower = 8,

    /// <summary>PORT_LOW_SPEED (9).</summary>
    PortLowSpeed = 9,

    /// <summary>C_PORT_CONNECTION (16): clears the connect change.</summary>
    CPortConnection = 16,

    /// <summary>C_PORT_ENABLE (17).</summary>
    CPortEnable = 17,

    /// <summary>C_PORT_SUSPEND (18).</summary>
    CPortSuspend = 18,

    /// <summary>C_PORT_OVER_CURRENT (19).</summary>
    CPortOverCurrent = 19,

    /// <summary>C_PORT_RESET (20): clears the reset-complete change.</summary>
    CPortReset = 20,
}

/// <summary>wPortStatus of a hub port's GET_STATUS (USB_PORT_STATUS; USB 2.0 table 11-21).</summary>
[Flags]
public enum UsbHubPortStatus : ushort
{
    /// <summary>No bit set.</summary>
    None = 0,

    /// <summary>PORT_CONNECTION (bit 0): a device is present.</summary>
    Connect = 0x0001,

    /// <summary>PORT_ENABLE (bit 1).</summary>
    Enable = 0x0002,

    /// <summary>PORT_SUSPEND (bit 2).</summary>
    Suspend = 0x0004,

    /// <summary>PORT_OVER_CURRENT (bit 3).</summary>
    OverCurrent = 0x0008,

    /// <summary>PORT_RESET (bit 4): reset signalling in progress.</summary>
    Reset = 0x0010,

    /// <summary>PORT_POWER (bit 8).</summary>
    Power = 0x0100,

    /// <summary>PORT_LOW_SPEED (bit 9).</summary>
    LowSpeed = 0x0200,

    /// <summary>PORT_HIGH_SPEED (bit 10).</summary>
    HighSpeed = 0x0400,
}

/// <summary>wPortChange of a hub port's GET_STATUS (USB_PORT_CHANGE; USB 2.0 table 11-22).</summary>
[Flags]
public enum UsbHubPortChange : ushort
{
    /// <summary>No change.</summary>
    None = 0,

    /// <summary>C_PORT_CONNECTION (bit 0): the connect status changed.</summary>
    Connect = 0x0001,

    /// <summary>C_PORT_ENABLE (bit 1): the port was disabled by an error.</summary>
    Enable = 0x0002,

    /// <summary>C_PORT_SUSPEND (bit 2).</summary>
    Suspend = 0x0004,

    /// <summary>C_PORT_OVER_CURRENT (bit 3).</summary>
    OverCurrent = 0x0008,

    /// <summary>C_PORT_RESET (bit 4): the reset completed.</summary>
    Reset = 0x0010,
}

/// <summary>USB_ENDPOINT_TYPE_* (bmAttributes bits 1..0 of an endpoint descriptor).</summary>
public enum UsbEndpointType : byte
{
    /// <summary>USB_ENDPOINT_TYPE_CONTROL (0).</summary>
    Control = 0,

    /// <summary>USB_ENDPOINT_TYPE_ISOCHRONOUS (1).</summary>
    Isochronous = 1,

    /// <summary>USB_ENDPOINT_TYPE_BULK (2).</summary>
    Bulk = 2,

    /// <summary>USB_ENDPOINT_TYPE_INTERRUPT (3).</summary>
    Interrupt = 3,
}

/// <summary>USB_DEFAULT_PIPE_SETUP_PACKET: the 8 bytes of a control transfer's SETUP stage (USB 2.0 9.3).</summary>
/// <param name="BmRequestType">Direction, type and recipient (<see cref="BmRequest"/>).</param>
/// <param name="BRequest">The request code.</param>
/// <param name="WValue">wValue.</param>
/// <param name="WIndex">wIndex (interface, endpoint or port number).</param>
/// <param name="WLength">Bytes of the data stage.</param>
public readonly record struct UsbSetupPacket(byte BmRequestType, byte BRequest, ushort WValue, ushort WIndex, ushort WLength)
{
    /// <summary>sizeof(USB_DEFAULT_PIPE_SETUP_PACKET).</summary>
    public const int Size = 8;

    /// <summary>Whether the data stage moves from the device to the host (bit 7 of bmRequestType).</summary>
    public bool IsDeviceToHost => (BmRequestType & BmRequest.DeviceToHost) != 0;

    /// <summary>The packet as it goes on the bus.</summary>
    /// <param name="destination">At least 8 bytes.</param>
    public void Write(Span<byte> destination)
    {
        destination[0] = BmRequestType;
        destination[1] = BRequest;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], WValue);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], WIndex);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], WLength);
    }

    /// <summary>The packet's 8 bytes.</summary>
    /// <returns>A new array.</returns>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        Write(bytes);
        return bytes;
    }

    /// <summary>Reads a packet from its 8 bytes.</summary>
    /// <param name="source">At least 8 bytes.</param>
    /// <returns>The packet.</returns>
    public static UsbSetupPacket Read(ReadOnlySpan<byte> source) =>
        new(source[0], source[1], BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[4..]), BinaryPrimitives.ReadUInt16LittleEndian(source[6..]));
}

/// <summary>USB_DEVICE_DESCRIPTOR (18 bytes; USB 2.0 table 9-8).</summary>
/// <param name="BcdUsb">bcdUSB (0x0200 for USB 2.0).</param>
/// <param name="DeviceClass">bDeviceClass (0: per interface; 9: hub).</param>
/// <param name="DeviceSubClass">bDeviceSubClass.</param>
/// <param name="DeviceProtocol">bDeviceProtocol.</param>
/// <param name="MaxPacketSize0">bMaxPacketSize0 (64 for a high-speed device).</param>
/// <param name="IdVendor">idVendor.</param>
/// <param name="IdProduct">idProduct.</param>
/// <param name="BcdDevice">bcdDevice.</param>
/// <param name="Manufacturer">iManufacturer.</param>
/// <param name="Product">iProduct.</param>
/// <param name="SerialNumber">iSerialNumber.</param>
/// <param name="NumConfigurations">bNumConfigurations.</param>
public readonly record struct UsbDeviceDescriptor(ushort BcdUsb, byte DeviceClass, byte DeviceSubClass, byte DeviceProtocol, byte MaxPacketSize0,
    ushort IdVendor, ushort IdProduct, ushort BcdDevice, byte Manufacturer, byte Product, byte SerialNumber, byte NumConfigurations)
{
    /// <summary>bLength.</summary>
    public const int Size = 18;

    /// <summary>Reads the descriptor (bLength and bDescriptorType checked).</summary>
    /// <param name="source">At least 18 bytes.</param>
    /// <returns>The descriptor.</returns>
    /// <exception cref="FormatException">Not a device descriptor.</exception>
    public static UsbDeviceDescriptor Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size || source[0] < Size || source[1] != (byte)UsbDescriptorType.Device)
        {
            throw new FormatException("Not a USB device descriptor.");
        }
        return new(BinaryPrimitives.ReadUInt16LittleEndian(source[2..]), source[4], source[5], source[6], source[7],
            BinaryPrimitives.ReadUInt16LittleEndian(source[8..]), BinaryPrimitives.ReadUInt16LittleEndian(source[10..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[12..]), source[14], source[15], source[16], source[17]);
    }

    /// <summary>Writes the 18 bytes.</summary>
    /// <param name="destination">At least 18 bytes.</param>
    public void Write(Span<byte> destination)
    {
        destination[0] = Size;
        destination[1] = (byte)UsbDescriptorType.Device;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], BcdUsb);
        destination[4] = DeviceClass;
        destination[5] = DeviceSubClass;
        destination[6] = DeviceProtocol;
        destination[7] = MaxPacketSize0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], IdVendor);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], IdProduct);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[12..], BcdDevice);
        destination[14] = Manufacturer;
        destination[15] = Product;
        destination[16] = SerialNumber;
        destination[17] = NumConfigurations;
    }
}

/// <summary>USB_CONFIGURATION_DESCRIPTOR (9 bytes; USB 2.0 table 9-10); wTotalLength covers the interfaces and endpoints after it.</summary>
/// <param name="TotalLength">wTotalLength.</param>
/// <param name="NumInterfaces">bNumInterfaces.</param>
/// <param name="ConfigurationValue">bConfigurationValue (the SET_CONFIGURATION argument).</param>
/// <param name="Configuration">iConfiguration.</param>
/// <param name="Attributes">bmAttributes (bit 7 set; bit 6 self-powered).</param>
/// <param name="MaxPower">MaxPower in 2 mA units.</param>
public readonly record struct UsbConfigurationDescriptor(ushort TotalLength, byte NumInterfaces, byte ConfigurationValue, byte Configuration, byte Attributes, byte MaxPower)
{
    /// <summary>bLength.</summary>
    public const int Size = 9;

    /// <summary>Reads the descriptor.</summary>
    /// <param name="source">At least 9 bytes.</param>
    /// <returns>The descriptor.</returns>
    /// <exception cref="FormatException">Not a configuration descriptor.</exception>
    public static UsbConfigurationDescriptor Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size || source[0] < Size || source[1] != (byte)UsbDescriptorType.Configuration)
        {
            throw new FormatException("Not a USB configuration descriptor.");
        }
        return new(BinaryPrimitives.ReadUInt16LittleEndian(source[2..]), source[4], source[5], source[6], source[7], source[8]);
    }

    /// <summary>Writes the 9 bytes.</summary>
    /// <param name="destination">At least 9 bytes.</param>
    public void Write(Span<byte> destination)
    {
        destination[0] = Size;
        destination[1] = (byte)UsbDescriptorType.Configuration;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], TotalLength);
        destination[4] = NumInterfaces;
        destination[5] = ConfigurationValue;
        destination[6] = Configuration;
        destination[7] = Attributes;
        destination[8] = MaxPower;
    }
}

/// <summary>USB_INTERFACE_DESCRIPTOR (9 bytes; USB 2.0 table 9-12).</summary>
/// <param name="InterfaceNumber">bInterfaceNumber.</param>
/// <param name="AlternateSetting">bAlternateSetting.</param>
/// <param name="NumEndpoints">bNumEndpoints (besides endpoint 0).</param>
/// <param name="InterfaceClass">bInterfaceClass (0x08 mass storage, 0x09 hub).</param>
/// <param name="InterfaceSubClass">bInterfaceSubClass (0x06 SCSI transparent).</param>
/// <param name="InterfaceProtocol">bInterfaceProtocol (0x50 bulk-only).</param>
/// <param name="Interface">iInterface.</param>
public readonly record struct UsbInterfaceDescriptor(byte InterfaceNumber, byte AlternateSetting, byte NumEndpoints, byte InterfaceClass,
    byte InterfaceSubClass, byte InterfaceProtocol, byte Interface)
{
    /// <summary>bLength.</summary>
    public const int Size = 9;

    /// <summary>Reads the descriptor.</summary>
    /// <param name="source">At least 9 bytes.</param>
    /// <returns>The descriptor.</returns>
    /// <exception cref="FormatException">Not an interface descriptor.</exception>
    public static UsbInterfaceDescriptor Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size || source[0] < Size || source[1] != (byte)UsbDescriptorType.Interface)
        {
            throw new FormatException("Not a USB interface descriptor.");
        }
        return new(source[2], source[3], source[4], source[5], source[6], source[7], source[8]);
    }

    /// <summary>Writes the 9 bytes.</summary>
    /// <param name="destination">At least 9 bytes.</param>
    public void Write(Span<byte> destination)
    {
        destination[0] = Size;
        destination[1] = (byte)UsbDescriptorType.Interface;
        destination[2] = InterfaceNumber;
        destination[3] = AlternateSetting;
        destination[4] = NumEndpoints;
        destination[5] = InterfaceClass;
        destination[6] = InterfaceSubClass;
        destination[7] = InterfaceProtocol;
        destination[8] = Interface;
    }
}

/// <summary>USB_ENDPOINT_DESCRIPTOR (7 bytes; USB 2.0 table 9-13).</summary>
/// <param name="EndpointAddress">bEndpointAddress: number in bits 3..0, bit 7 set for IN (USB_ENDPOINT_DIRECTION_IN).</param>
/// <param name="Attributes">bmAttributes: the transfer type in bits 1..0 (<see cref="UsbEndpointType"/>).</param>
/// <param name="MaxPacketSize">wMaxPacketSize (512 for a high-speed bulk endpoint).</param>
/// <param name="Interval">bInterval.</param>
public readonly record struct UsbEndpointDescriptor(byte EndpointAddress, byte Attributes, ushort MaxPacketSize, byte Interval)
{
    /// <summary>bLength.</summary>
    public const int Size = 7;

    /// <summary>USB_ENDPOINT_DIRECTION_MASK (0x80).</summary>
    public const byte DirectionIn = 0x80;

    /// <summary>Whether the endpoint moves data to the host (USB_ENDPOINT_DIRECTION_IN).</summary>
    public bool IsIn => (EndpointAddress & DirectionIn) != 0;

    /// <summary>The transfer type.</summary>
    public UsbEndpointType Type => (UsbEndpointType)(Attributes & 0x03);

    /// <summary>Reads the descriptor.</summary>
    /// <param name="source">At least 7 bytes.</param>
    /// <returns>The descriptor.</returns>
    /// <exception cref="FormatException">Not an endpoint descriptor.</exception>
    public static UsbEndpointDescriptor Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size || source[0] < Size || source[1] != (byte)UsbDescriptorType.Endpoint)
        {
            throw new FormatException("Not a USB endpoint descriptor.");
        }
        return new(source[2], source[3], BinaryPrimitives.ReadUInt16LittleEndian(source[4..]), source[6]);
    }

    /// <summary>Writes the 7 bytes.</summary>
    /// <param name="destination">At least 7 bytes.</param>
    public void Write(Span<byte> destination)
    {
        destination[0] = Size;
        destination[1] = (byte)UsbDescriptorType.Endpoint;
        destination[2] = EndpointAddress;
        destination[3] = Attributes;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], MaxPacketSize);
        destination[6] = Interval;
    }
}

/// <summary>
/// The parts of a whole configuration (GET_DESCRIPTOR(CONFIGURATION) with wTotalLength bytes):
/// what USBD_ParseConfigurationDescriptorEx walks.
/// </summary>
public static class UsbConfiguration
{
    /// <summary>The interface descriptors of a configuration, each with the endpoint descriptors that follow it.</summary>
    /// <param name="configuration">The configuration descriptor and what follows it.</param>
    /// <returns>The interfaces in the order the device lists them.</returns>
    /// <exception cref="FormatException">A descriptor's bLength runs past the buffer or is below 2.</exception>
    public static IReadOnlyList<(UsbInterfaceDescriptor Interface, IReadOnlyList<UsbEndpointDescriptor> Endpoints)> Parse(ReadOnlySpan<byte> configuration)
    {
        var header = UsbConfigurationDescriptor.Read(configuration);
        var total = Math.Min(header.TotalLength, configuration.Length);
        var result = new List<(UsbInterfaceDescriptor, IReadOnlyList<UsbEndpointDescriptor>)>();
        List<UsbEndpointDescriptor>? endpoints = null;
        UsbInterfaceDescriptor current = default;
        for (var offset = (int)configuration[0]; offset + 2 <= total;)
        {
            var length = configuration[offset];
            if (length < 2 || offset + length > total)
            {
                throw new FormatException($"Descriptor at {offset} has bLength {length}.");
            }
            var descriptor = configuration.Slice(offset, length);
            switch ((UsbDescriptorType)descriptor[1])
            {
                case UsbDescriptorType.Interface:
                    if (endpoints is not null)
                    {
                        result.Add((current, endpoints));
                    }
                    current = UsbInterfaceDescriptor.Read(descriptor);
                    endpoints = [];
                    break;
                case UsbDescriptorType.Endpoint when endpoints is not null:
                    endpoints.Add(UsbEndpointDescriptor.Read(descriptor));
                    break;
                default:
                    break; // class-specific descriptors are the class driver's business
            }
            offset += length;
        }
        if (endpoints is not null)
        {
            result.Add((current, endpoints));
        }
        return result;
    }
}
