/*++

Module Name:

    UsbHub.Pdo.cs

Abstract:

    The PDO usbhub.sys makes for the device on one of its ports (\Device\USBPDO-n). Its IDs are
    the ones "Standard USB Identifiers" gives: device ID USB\VID_v&PID_p; hardware IDs
    USB\VID_v&PID_p&REV_r and USB\VID_v&PID_p; compatible IDs USB\Class_c&SubClass_s&Prot_p,
    USB\Class_c&SubClass_s and USB\Class_c from the device descriptor, or from the interface
    descriptor when the device's class is 0 (defined per interface) - so a mass-storage device
    gets USB\Class_08&SubClass_06&Prot_50, which usbstor.inf matches. Capabilities: removable,
    surprise removal OK, the port as Address and UINumber.

    Its client's URBs (IOCTL_INTERNAL_USB_SUBMIT_URB) go on to the root hub's PDO in the same IRP
    (IoSkipCurrentIrpStackLocation) with UrbHeader.UsbdDeviceHandle set to the port's device, as
    usbhub passes them; once the device has left they fail here with USBD_STATUS_DEVICE_GONE and
    STATUS_NO_SUCH_DEVICE. IOCTL_INTERNAL_USB_GET_PORT_STATUS is answered from the port.
    IRP_MN_REMOVE_DEVICE deletes the PDO once the device has been reported missing (or with the hub).

    Left out: IOCTL_INTERNAL_USB_RESET_PORT and CYCLE_PORT (refused with STATUS_NOT_SUPPORTED),
    serial-number instance IDs (no string descriptors), composite devices (one PDO per interface:
    usbccgp).

Environment:

    Kernel mode. PnP at PASSIVE_LEVEL; URBs at IRQL <= DISPATCH_LEVEL.

--*/

using System.Globalization;
using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Usb.Hub;

public static partial class UsbHub
{
    /// <summary>A port PDO's PnP: IDs, capabilities, start, removal; every other request completes with the status it came with.</summary>
    private static async ValueTask<NtStatus> UsbHubPdoPnp(DeviceObject deviceObject, UsbHubPdoExtension child, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        var delete = false;
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.QueryId:
                if (UsbHubQueryId(child, stack.Parameters.QueryId.IdType) is { } id)
                {
                    irp.IoStatus.InformationPointer = id;
                    irp.IoStatus.Status = NtStatus.Success;
                }
                break;
            case PnpMinorFunction.QueryCapabilities:
                if (stack.Parameters.DeviceCapabilities.Capabilities is { } capabilities)
                {
                    capabilities.Removable = true;
                    capabilities.SurpriseRemovalOk = true;
                    capabilities.UniqueId = false; // no serial number string
                    capabilities.Address = child.PortNumber;
                    capabilities.UiNumber = child.PortNumber;
                }
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.QueryDeviceRelations when stack.Parameters.QueryDeviceRelations.Type == DeviceRelationType.TargetDeviceRelation:
                deviceObject.ObReferenceObject();
                irp.IoStatus.InformationPointer = new DeviceRelations([deviceObject]);
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.StartDevice:
                child.Started = child.Present;
                irp.IoStatus.Status = child.Present ? NtStatus.Success : NtStatus.NoSuchDevice;
                break;
            case PnpMinorFunction.QueryStopDevice:
            case PnpMinorFunction.CancelStopDevice:
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.StopDevice:
            case PnpMinorFunction.SurpriseRemoval:
                child.Started = false;
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.RemoveDevice:
                child.Started = false;
                irp.IoStatus.Status = NtStatus.Success;
                lock (child.Hub.Children)
                {
                    // Still on its port: the device stays (a later enumeration starts it again); gone: the PDO goes.
                    delete = child.ReportedMissing && child.Hub.Children.Remove(child);
                }
                break;
        }
        var status = irp.IoStatus.Status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        if (delete && child.Pdo is { } pdo)
        {
            child.Pdo = null;
            IoDeleteDevice(pdo);
        }
        return status;
    }

    /// <summary>The standard USB identifiers of the device on the port.</summary>
    private static object? UsbHubQueryId(UsbHubPdoExtension child, BusQueryIdType type)
    {
        var d = child.DeviceDescriptor;
        var vidPid = string.Create(CultureInfo.InvariantCulture, $"USB\\VID_{d.IdVendor:X4}&PID_{d.IdProduct:X4}");
        return type switch
        {
            BusQueryIdType.DeviceId => vidPid,
            BusQueryIdType.HardwareIds => new[] { string.Create(CultureInfo.InvariantCulture, $"{vidPid}&REV_{d.BcdDevice:X4}"), vidPid },
            BusQueryIdType.CompatibleIds => UsbHubCompatibleIds(child),
            BusQueryIdType.InstanceId => string.Create(CultureInfo.InvariantCulture, $"{child.Hub.HubNumber}&0&{child.PortNumber}"),
            _ => null,
        };
    }

    /// <summary>USB\Class_c&amp;SubClass_s&amp;Prot_p, USB\Class_c&amp;SubClass_s, USB\Class_c: the device's class, or its first interface's when the device's is 0.</summary>
    private static string[] UsbHubCompatibleIds(UsbHubPdoExtension child)
    {
        var d = child.DeviceDescriptor;
        var (c, s, p) = (d.DeviceClass, d.DeviceSubClass, d.DeviceProtocol);
        if (c == 0 && child.ConfigurationDescriptor.Length >= UsbConfigurationDescriptor.Size
            && UsbConfiguration.Parse(child.ConfigurationDescriptor) is { Count: > 0 } interfaces)
        {
            var first = interfaces[0].Interface;
            (c, s, p) = (first.InterfaceClass, first.InterfaceSubClass, first.InterfaceProtocol);
        }
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"USB\\Class_{c:X2}&SubClass_{s:X2}&Prot_{p:X2}"),
            string.Create(CultureInfo.InvariantCulture, $"USB\\Class_{c:X2}&SubClass_{s:X2}"),
            string.Create(CultureInfo.InvariantCulture, $"USB\\Class_{c:X2}"),
        ];
    }

    /// <summary>
    /// IRP_MJ_INTERNAL_DEVICE_CONTROL: at a port PDO, the client's URB goes to the root hub's PDO with
    /// the port's device handle; the port's status is answered here. At the hub FDO it passes down.
    /// </summary>
    private static async ValueTask<NtStatus> UsbHubInternalDeviceControl(DeviceObject deviceObject, Irp irp)
    {
        if (deviceObject.DeviceExtension is UsbHubFdoExtension hub)
        {
            IoSkipCurrentIrpStackLocation(irp);
            return await IoCallDriver(hub.LowerDevice!, irp);
        }
        var child = deviceObject.GetExtension<UsbHubPdoExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var code = stack.Parameters.DeviceIoControl.IoControlCode;
        NtStatus status;
        if (code == UsbIoctl.SubmitUrb && stack.Parameters.Others.Argument1 is Urb urb)
        {
            if (child.Present && !child.Hub.Removed)
            {
                urb.UrbHeader.UsbdDeviceHandle ??= child.DeviceHandle;
                Interlocked.Increment(ref child._urbsForwarded);
                IoSkipCurrentIrpStackLocation(irp);
                return await IoCallDriver(child.Hub.LowerDevice!, irp);
            }
            urb.UrbHeader.Status = UsbdStatus.DeviceGone;
            status = UsbdStatus.DeviceGone.ToNtStatus();
        }
        else if (code == UsbIoctl.GetPortStatus && stack.Parameters.Others.Argument1 is StrongBox<uint> portStatus)
        {
            portStatus.Value = child.Present ? UsbIoctl.UsbdPortConnected | UsbIoctl.UsbdPortEnabled : 0;
            status = NtStatus.Success;
        }
        else if (code == UsbIoctl.ResetPort || code == UsbIoctl.CyclePort)
        {
            status = NtStatus.NotSupported;
        }
        else
        {
            status = NtStatus.InvalidDeviceRequest;
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }
}
