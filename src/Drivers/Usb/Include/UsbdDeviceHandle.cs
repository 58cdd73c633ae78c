/*++

Module Name:

    UsbdDeviceHandle.cs

Abstract:

    USB_DEVICE_HANDLE (the port driver's per-device record, opaque to clients): created by the
    hub through USB_BUS_INTERFACE_HUB_V5.CreateUsbDevice for a newly attached, reset port; given
    its address and descriptors by InitializeUsbDevice; destroyed by RemoveUsbDevice, which
    completes everything still queued for it with USBD_STATUS_DEVICE_GONE. The root hub has one
    too, which the port makes when it creates the root hub's PDO.

Environment:

    Kernel mode.

--*/

namespace ActorKernel.Drivers.Usb;

/// <summary>USB_DEVICE_SPEED (usbspec.h).</summary>
public enum UsbDeviceSpeed
{
    /// <summary>UsbLowSpeed (0): 1.5 Mb/s.</summary>
    Low = 0,

    /// <summary>UsbFullSpeed (1): 12 Mb/s.</summary>
    Full = 1,

    /// <summary>UsbHighSpeed (2): 480 Mb/s.</summary>
    High = 2,
}

/// <summary>USB_DEVICE_HANDLE: what UrbHeader.UsbdDeviceHandle names.</summary>
public sealed class UsbdDeviceHandle
{
    internal UsbdDeviceHandle(ushort portNumber, UsbDeviceSpeed speed, bool isRootHub)
    {
        PortNumber = portNumber;
        Speed = speed;
        IsRootHub = isRootHub;
    }

    /// <summary>The root port (1-based) the device sits on; 0 for the root hub.</summary>
    public ushort PortNumber { get; }

    /// <summary>The speed the port reported at reset.</summary>
    public UsbDeviceSpeed Speed { get; }

    /// <summary>Whether this is the root hub's handle (its requests are answered by the port driver from the controller's registers).</summary>
    public bool IsRootHub { get; }

    /// <summary>The USB address SET_ADDRESS gave it (0 until InitializeUsbDevice).</summary>
    public byte DeviceAddress { get; internal set; }

    /// <summary>The device descriptor read by CreateUsbDevice / InitializeUsbDevice.</summary>
    public UsbDeviceDescriptor DeviceDescriptor { get; internal set; }

    /// <summary>The whole first configuration (wTotalLength bytes), read by InitializeUsbDevice.</summary>
    public byte[] ConfigurationDescriptor { get; internal set; } = [];

    /// <summary>The PDO the hub made for the device (SetDeviceHandleData), or null.</summary>
    public Actors.DeviceObject? DevicePdo { get; internal set; }

    /// <summary>True once RemoveUsbDevice ran: new URBs fail with USBD_STATUS_DEVICE_GONE.</summary>
    public bool Removed { get; internal set; }

    /// <summary>The port driver's state for the device (pipes, transfers in flight).</summary>
    internal object? PortContext { get; set; }

    /// <inheritdoc />
    public override string ToString() => IsRootHub ? "root hub" : $"device {DeviceAddress} on port {PortNumber}";
}
