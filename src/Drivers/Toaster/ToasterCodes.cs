/*++

Module Name:

    ToasterCodes.cs

Abstract:

    What the toaster family shares with the programs that drive it (the WDK sample's
    inc/public.h): the setup class GUID, the hardware and compatible IDs the bus driver gives its
    toasters, the bus driver's control codes (BUSENUM_IOCTL: FILE_DEVICE_BUS_EXTENDER,
    METHOD_BUFFERED, FILE_READ_DATA) and the layouts of BUSENUM_PLUGIN_HARDWARE,
    BUSENUM_UNPLUG_HARDWARE and BUSENUM_EJECT_HARDWARE, with helpers that build them as a user
    program lays them out in its buffer.

Environment:

    User and kernel.

--*/

using System.Buffers.Binary;
using System.Text;
using ActorKernel.Actors;

namespace ActorKernel.Drivers.Toaster;

/// <summary>The toaster family's shared declarations (public.h).</summary>
public static class ToasterCodes
{
    /// <summary>GUID_DEVCLASS_TOASTER: the setup class of toasters ({B85B7C50-6A01-11d2-B841-00C04FAD5171}).</summary>
    public static readonly Guid DevClassToaster = new("B85B7C50-6A01-11d2-B841-00C04FAD5171");

    /// <summary>GUID_DEVINTERFACE_TOASTER ({781EF630-72B2-11d2-B852-00C04FAD5171}).</summary>
    public static readonly Guid DevInterfaceToaster = new("781EF630-72B2-11d2-B852-00C04FAD5171");

    /// <summary>GUID_DEVINTERFACE_BUSENUM_TOASTER ({D35F7840-6A0C-11d2-B841-00C04FAD5171}).</summary>
    public static readonly Guid DevInterfaceBusEnumToaster = new("D35F7840-6A0C-11d2-B841-00C04FAD5171");

    /// <summary>The setup class name of the toaster INF (<c>Class=TOASTER</c>).</summary>
    public const string SetupClass = "TOASTER";

    /// <summary>BUS_HARDWARE_IDS: the hardware ID a user program plugs a toaster in with.</summary>
    public const string BusHardwareId = @"{B85B7C50-6A01-11d2-B841-00C04FAD5171}\MsToaster";

    /// <summary>BUSENUM_COMPATIBLE_IDS: the compatible ID every toaster PDO reports.</summary>
    public const string BusCompatibleId = @"{B85B7C50-6A01-11d2-B841-00C04FAD5171}\MsCompatibleToaster";

    /// <summary>The root-enumerated ID of the toaster bus (the sample INF installs busenum.sys on <c>root\busenum</c>).</summary>
    public const string BusEnumRootId = "busenum";

    /// <summary>FILE_DEVICE_BUSENUM: FILE_DEVICE_BUS_EXTENDER (0x2A).</summary>
    public const DeviceType FileDeviceBusEnum = DeviceType.BusExtender;

    /// <summary>IOCTL_BUSENUM_PLUGIN_HARDWARE: BUSENUM_IOCTL(0x0) = 0x002A4000.</summary>
    public static readonly IoControlCode IoctlBusEnumPluginHardware = BusEnumIoctl(0x0);

    /// <summary>IOCTL_BUSENUM_UNPLUG_HARDWARE: BUSENUM_IOCTL(0x1) = 0x002A4004.</summary>
    public static readonly IoControlCode IoctlBusEnumUnplugHardware = BusEnumIoctl(0x1);

    /// <summary>IOCTL_BUSENUM_EJECT_HARDWARE: BUSENUM_IOCTL(0x2) = 0x002A4008.</summary>
    public static readonly IoControlCode IoctlBusEnumEjectHardware = BusEnumIoctl(0x2);

    /// <summary>IOCTL_TOASTER_DONT_DISPLAY_IN_UI_DEVICE: BUSENUM_IOCTL(0x3) = 0x002A400C, sent to a toaster.</summary>
    public static readonly IoControlCode IoctlToasterDontDisplayInUiDevice = BusEnumIoctl(0x3);

    /// <summary>sizeof(BUSENUM_PLUGIN_HARDWARE): Size and SerialNo; the MULTI_SZ HardwareIDs follow.</summary>
    public const int PluginHardwareSize = 8;

    /// <summary>sizeof(BUSENUM_UNPLUG_HARDWARE) and sizeof(BUSENUM_EJECT_HARDWARE): Size, SerialNo, Reserved[2].</summary>
    public const int UnplugHardwareSize = 16;

    /// <summary>BUSENUM_IOCTL(index): CTL_CODE(FILE_DEVICE_BUSENUM, index, METHOD_BUFFERED, FILE_READ_DATA).</summary>
    /// <param name="index">The function number.</param>
    /// <returns>The control code.</returns>
    public static IoControlCode BusEnumIoctl(ushort index) =>
        IoControlCode.CtlCode(FileDeviceBusEnum, index, TransferMethod.MethodBuffered, IoctlAccess.FileReadAccess);

    /// <summary>A BUSENUM_PLUGIN_HARDWARE as a user program fills it: Size = 8, SerialNo, then the IDs as a UTF-16 MULTI_SZ.</summary>
    /// <param name="serialNo">The toaster's serial number (unique on the bus, not 0).</param>
    /// <param name="hardwareIds">Its hardware IDs (the first is also its device ID).</param>
    /// <returns>The bytes.</returns>
    public static byte[] PluginHardware(uint serialNo, params string[] hardwareIds)
    {
        ArgumentNullException.ThrowIfNull(hardwareIds);
        var multiSz = Encoding.Unicode.GetBytes(string.Concat(hardwareIds.Select(id => id + "\0")) + "\0");
        var buffer = new byte[PluginHardwareSize + multiSz.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, PluginHardwareSize);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(4), serialNo);
        multiSz.CopyTo(buffer, PluginHardwareSize);
        return buffer;
    }

    /// <summary>A BUSENUM_UNPLUG_HARDWARE (or BUSENUM_EJECT_HARDWARE): Size = 16, SerialNo (0: every toaster, for unplug), Reserved.</summary>
    /// <param name="serialNo">The serial number.</param>
    /// <returns>The bytes.</returns>
    public static byte[] UnplugHardware(uint serialNo)
    {
        var buffer = new byte[UnplugHardwareSize];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, UnplugHardwareSize);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(4), serialNo);
        return buffer;
    }
}
