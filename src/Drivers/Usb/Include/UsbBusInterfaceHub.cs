/*++

Module Name:

    UsbBusInterfaceHub.cs

Abstract:

    USB_BUS_INTERFACE_HUB_V5 (hubbusif.h), the direct-call interface the hub driver gets from the
    root hub's PDO with IRP_MN_QUERY_INTERFACE (InterfaceType USB_BUS_INTERFACE_HUB_GUID, version
    USB_BUSIF_HUB_VERSION_5) and through which it asks the port driver to create, initialize and
    remove the device handles of the devices attached to its ports.

    The query's parameters (Parameters.QueryInterface in NT) travel in Parameters.Others here:
    Argument1 = InterfaceType (a boxed Guid), Argument2 = the caller's UsbBusInterfaceHubV5 (Size
    and Version set; the bus fills the rest), Argument3 = InterfaceSpecificData.

    The routines run at PASSIVE_LEVEL in the caller's context; those that talk to the device
    (CreateUsbDevice, InitializeUsbDevice) wait for control transfers, so they are awaited.

    Left out: RestoreUsbDevice, QueryDeviceInformation, GetControllerInformation,
    ControllerSelectiveSuspend, GetExtendedHubInformation, GetRootHubSymbolicName,
    Initialize20Hub (no transaction translators), RootHubInitNotification, GetDeviceBusContext.

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

using System.Runtime.CompilerServices;
using ActorKernel.Actors;

namespace ActorKernel.Drivers.Usb;

/// <summary>PUSB_BUSIFFN_CREATE_USB_DEVICE: allocates a device handle for the device on <paramref name="portNumber"/> (at address 0, default pipe open) and reads its first 8 descriptor bytes to learn bMaxPacketSize0.</summary>
/// <param name="busContext">The interface's BusContext.</param>
/// <param name="newDeviceHandle">Receives the handle.</param>
/// <param name="hubDeviceHandle">The hub's own handle (the root hub's for a root port).</param>
/// <param name="portStatus">wPortStatus after the reset (the speed bits).</param>
/// <param name="portNumber">The 1-based port.</param>
/// <returns>STATUS_SUCCESS, STATUS_INSUFFICIENT_RESOURCES, or STATUS_DEVICE_NOT_CONNECTED / STATUS_UNSUCCESSFUL when the device does not answer.</returns>
public delegate ValueTask<NtStatus> UsbBusCreateUsbDevice(object busContext, StrongBox<UsbdDeviceHandle?> newDeviceHandle,
    UsbdDeviceHandle? hubDeviceHandle, UsbHubPortStatus portStatus, ushort portNumber);

/// <summary>PUSB_BUSIFFN_INITIALIZE_USB_DEVICE: SET_ADDRESS to a free address, then reads the device and configuration descriptors into the handle.</summary>
/// <param name="busContext">BusContext.</param>
/// <param name="deviceHandle">The handle CreateUsbDevice returned.</param>
/// <returns>STATUS_SUCCESS, or a failure after which the hub removes the handle.</returns>
public delegate ValueTask<NtStatus> UsbBusInitializeUsbDevice(object busContext, UsbdDeviceHandle deviceHandle);

/// <summary>PUSB_BUSIFFN_GET_USB_DESCRIPTORS: copies the cached device and configuration descriptors.</summary>
/// <param name="busContext">BusContext.</param>
/// <param name="deviceHandle">The handle.</param>
/// <param name="deviceDescriptor">Receives the device descriptor.</param>
/// <param name="configurationDescriptor">Receives the configuration (wTotalLength bytes).</param>
/// <returns>STATUS_SUCCESS or STATUS_NO_SUCH_DEVICE for a removed handle.</returns>
public delegate NtStatus UsbBusGetUsbDescriptors(object busContext, UsbdDeviceHandle deviceHandle,
    StrongBox<UsbDeviceDescriptor> deviceDescriptor, StrongBox<byte[]> configurationDescriptor);

/// <summary>PUSB_BUSIFFN_REMOVE_USB_DEVICE: aborts every pipe of the device (queued and in-flight URBs complete with USBD_STATUS_DEVICE_GONE), closes them and frees the address.</summary>
/// <param name="busContext">BusContext.</param>
/// <param name="deviceHandle">The handle.</param>
/// <param name="flags">USBD_KEEP_DEVICE_DATA / USBD_MARK_DEVICE_BUSY (<see cref="UsbBusInterfaceHubV5"/>).</param>
/// <returns>STATUS_SUCCESS.</returns>
public delegate ValueTask<NtStatus> UsbBusRemoveUsbDevice(object busContext, UsbdDeviceHandle deviceHandle, uint flags);

/// <summary>PUSB_BUSIFFN_SET_DEVHANDLE_DATA: records the PDO the hub created for the device.</summary>
/// <param name="busContext">BusContext.</param>
/// <param name="deviceHandle">The handle.</param>
/// <param name="usbDevicePdo">The PDO.</param>
public delegate void UsbBusSetDeviceHandleData(object busContext, UsbdDeviceHandle deviceHandle, DeviceObject usbDevicePdo);

/// <summary>USB_BUS_INTERFACE_HUB_V5 (hubbusif.h), as the bus fills it.</summary>
public sealed class UsbBusInterfaceHubV5
{
    /// <summary>USB_BUS_INTERFACE_HUB_GUID {B2BB8C0A-5AB4-11d3-A8CD-00C04F68747A}.</summary>
    public static readonly Guid InterfaceGuid = new(0xb2bb8c0a, 0x5ab4, 0x11d3, 0xa8, 0xcd, 0x00, 0xc0, 0x4f, 0x68, 0x74, 0x7a);

    /// <summary>USB_BUSIF_HUB_VERSION_5.</summary>
    public const ushort Version5 = 5;

    /// <summary>USBD_KEEP_DEVICE_DATA (0x1): RemoveUsbDevice keeps the handle for a later restore.</summary>
    public const uint KeepDeviceData = 0x00000001;

    /// <summary>USBD_MARK_DEVICE_BUSY (0x2): RemoveUsbDevice refuses new transfers but keeps the handle.</summary>
    public const uint MarkDeviceBusy = 0x00000002;

    /// <summary>Size (the caller sets it).</summary>
    public ushort Size { get; set; } = 0x90;

    /// <summary>Version (the caller sets it; the bus answers 5).</summary>
    public ushort Version { get; set; } = Version5;

    /// <summary>BusContext: the first argument of every routine.</summary>
    public object? BusContext { get; set; }

    /// <summary>InterfaceReference (counts the hub's reference).</summary>
    public Action<object>? InterfaceReference { get; set; }

    /// <summary>InterfaceDereference.</summary>
    public Action<object>? InterfaceDereference { get; set; }

    /// <summary>CreateUsbDevice.</summary>
    public UsbBusCreateUsbDevice? CreateUsbDevice { get; set; }

    /// <summary>InitializeUsbDevice.</summary>
    public UsbBusInitializeUsbDevice? InitializeUsbDevice { get; set; }

    /// <summary>GetUsbDescriptors.</summary>
    public UsbBusGetUsbDescriptors? GetUsbDescriptors { get; set; }

    /// <summary>RemoveUsbDevice.</summary>
    public UsbBusRemoveUsbDevice? RemoveUsbDevice { get; set; }

    /// <summary>SetDeviceHandleData.</summary>
    public UsbBusSetDeviceHandleData? SetDeviceHandleData { get; set; }
}
