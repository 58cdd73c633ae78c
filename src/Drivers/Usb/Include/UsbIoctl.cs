/*++

Module Name:

    UsbIoctl.cs

Abstract:

    The internal control codes of usbioctl.h / usbiodef.h (FILE_DEVICE_USB is FILE_DEVICE_UNKNOWN,
    0x22; METHOD_NEITHER; FILE_ANY_ACCESS) that client drivers, the hub driver and the host
    controller's port driver exchange in IRP_MJ_INTERNAL_DEVICE_CONTROL, how each carries its
    arguments in Parameters.Others, and the USBD_PORT_* bits of IOCTL_INTERNAL_USB_GET_PORT_STATUS.

      IOCTL_INTERNAL_USB_SUBMIT_URB     Argument1 = the Urb.
      IOCTL_INTERNAL_USB_GET_PORT_STATUS  Argument1 = StrongBox&lt;uint&gt; filled with USBD_PORT_*.
      IOCTL_INTERNAL_USB_RESET_PORT     no argument.
      IOCTL_INTERNAL_USB_GET_ROOTHUB_PDO  Argument1 = StrongBox&lt;DeviceObject?&gt; (root hub PDO),
                                          Argument2 = StrongBox&lt;DeviceObject?&gt; (top of the stack).

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Usb;

/// <summary>IOCTL_INTERNAL_USB_* (usbioctl.h), real values.</summary>
public static class UsbIoctl
{
    /// <summary>FILE_DEVICE_USB: FILE_DEVICE_UNKNOWN (0x22).</summary>
    public const DeviceType FileDeviceUsb = DeviceType.Unknown;

    /// <summary>IOCTL_INTERNAL_USB_SUBMIT_URB (0x220003): USB_CTL(USB_SUBMIT_URB = 0), METHOD_NEITHER.</summary>
    public static readonly IoControlCode SubmitUrb = Code(0);

    /// <summary>IOCTL_INTERNAL_USB_RESET_PORT (0x220007): USB_RESET_PORT = 1.</summary>
    public static readonly IoControlCode ResetPort = Code(1);

    /// <summary>IOCTL_INTERNAL_USB_GET_ROOTHUB_PDO (0x22000F): USB_GET_ROOTHUB_PDO = 3.</summary>
    public static readonly IoControlCode GetRootHubPdo = Code(3);

    /// <summary>IOCTL_INTERNAL_USB_GET_PORT_STATUS (0x220013): USB_GET_PORT_STATUS = 4.</summary>
    public static readonly IoControlCode GetPortStatus = Code(4);

    /// <summary>IOCTL_INTERNAL_USB_ENABLE_PORT (0x220017): USB_ENABLE_PORT = 5.</summary>
    public static readonly IoControlCode EnablePort = Code(5);

    /// <summary>IOCTL_INTERNAL_USB_GET_HUB_COUNT (0x22001B): USB_GET_HUB_COUNT = 6.</summary>
    public static readonly IoControlCode GetHubCount = Code(6);

    /// <summary>IOCTL_INTERNAL_USB_CYCLE_PORT (0x22001F): USB_CYCLE_PORT = 7.</summary>
    public static readonly IoControlCode CyclePort = Code(7);

    /// <summary>IOCTL_INTERNAL_USB_GET_DEVICE_HANDLE (0x220433): USB_GET_DEVICE_HANDLE = 268.</summary>
    public static readonly IoControlCode GetDeviceHandle = Code(268);

    /// <summary>USBD_PORT_ENABLED (0x1) in IOCTL_INTERNAL_USB_GET_PORT_STATUS's result.</summary>
    public const uint UsbdPortEnabled = 0x00000001;

    /// <summary>USBD_PORT_CONNECTED (0x2).</summary>
    public const uint UsbdPortConnected = 0x00000002;

    private static IoControlCode Code(ushort function) =>
        IoControlCode.CtlCode(FileDeviceUsb, function, TransferMethod.MethodNeither, IoctlAccess.FileAnyAccess);
}
