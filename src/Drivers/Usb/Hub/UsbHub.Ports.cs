/*++

Module Name:

    UsbHub.Ports.cs

Abstract:

    What a hub's port change means (USB 2.0 11.24.2.7 and "USB device enumeration" in Microsoft's
    USB docs). One interrupt transfer is kept pending on the status-change pipe; when it completes
    (bit N of its bitmap: port N changed) a work item reads each port's GET_STATUS and acts:

      - C_PORT_CONNECTION: the change is cleared; a device the port had is gone (RemoveUsbDevice:
        its URBs complete with USBD_STATUS_DEVICE_GONE; the PDO is left out of the next BusRelations,
        so the PnP manager surprise-removes, then removes, its stacks); a device now connected gets
        SET_FEATURE(PORT_RESET);
      - C_PORT_RESET: the reset ended; a connected, enabled port gets a device: CreateUsbDevice
        (default address, bMaxPacketSize0), InitializeUsbDevice (SET_ADDRESS, descriptors), a PDO
        (UsbHub.Pdo.cs), SetDeviceHandleData;
      - C_PORT_ENABLE, C_PORT_SUSPEND, C_PORT_OVER_CURRENT: cleared.

    Then, if a device came or went, IoInvalidateDeviceRelations(BusRelations), and the transfer is
    sent again.

Environment:

    Kernel mode. The completion routine at DISPATCH_LEVEL; the work item at PASSIVE_LEVEL.

--*/

using System.Globalization;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Usb.Hub;

public static partial class UsbHub
{
    private static readonly IoCompletionRoutine StatusChangeDone = UsbHubStatusChangeDone;
    private static readonly IoWorkItemRoutine PortChangeWorker = UsbHubPortChangeWorker;

    /// <summary>Sends the status-change interrupt transfer (one byte, short transfer OK) to the root hub; it stays pending until a port changes.</summary>
    private static async ValueTask<NtStatus> UsbHubSubmitStatusChange(UsbHubFdoExtension hub)
    {
        if (hub.Removed)
        {
            KeSetEvent(hub.StatusChangeIdle, 0, false);
            return NtStatus.Success;
        }
        var irp = hub.StatusChangeIrp;
        if (irp is null)
        {
            irp = hub.StatusChangeIrp = IoAllocateIrp(hub.LowerDevice!.StackSize, false);
        }
        else
        {
            IoReuseIrp(irp, NtStatus.Success);
        }
        var urb = hub.StatusChangeUrb = Usbd.UsbBuildInterruptOrBulkTransferRequest(hub.StatusChangePipe!.PipeHandle!, hub.BitmapBuffer, null, 1,
            UsbdTransferFlags.DirectionIn | UsbdTransferFlags.ShortTransferOk);
        var next = IoGetNextIrpStackLocation(irp);
        next.MajorFunction = IrpMajorFunction.InternalDeviceControl;
        next.Parameters.DeviceIoControl.IoControlCode = UsbIoctl.SubmitUrb;
        next.Parameters.Others.Argument1 = urb;
        KeClearEvent(hub.StatusChangeIdle);
        IoSetCompletionRoutine(irp, StatusChangeDone, hub, true, true, true);
        await IoCallDriver(hub.LowerDevice!, irp);
        return NtStatus.Success;
    }

    /// <summary>The status-change transfer completed: a work item reads the ports (a removal or an error stops the loop).</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    private static ValueTask<NtStatus> UsbHubStatusChangeDone(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = deviceObject;
        var hub = (UsbHubFdoExtension)context!;
        if (hub.Removed || !irp.IoStatus.Status.IsSuccess())
        {
            KeSetEvent(hub.StatusChangeIdle, 0, false);
            return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
        }
        var item = IoAllocateWorkItem(hub.Self!);
        IoQueueWorkItem(item, PortChangeWorker, WorkQueueType.DelayedWorkQueue, (hub, item));
        return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
    }

    /// <summary>USBH_ChangeIndicationWorker: each port's status and changes, acted on; BusRelations invalidated when a device came or went; the transfer sent again.</summary>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    private static async ValueTask UsbHubPortChangeWorker(object? deviceObject, object? context)
    {
        _ = deviceObject;
        var (hub, item) = ((UsbHubFdoExtension, IoWorkItem))context!;
        IoFreeWorkItem(item);
        if (hub.Removed)
        {
            KeSetEvent(hub.StatusChangeIdle, 0, false);
            return;
        }
        Interlocked.Increment(ref hub._statusChanges);
        var relationsChanged = false;
        for (ushort port = 1; port <= hub.NumberOfPorts && !hub.Removed; port++)
        {
            if (await UsbHubGetPortStatus(hub, port) is not var (status, change))
            {
                continue;
            }
            if ((change & UsbHubPortChange.Connect) != 0)
            {
                await UsbHubPortFeature(hub, port, UsbFeature.CPortConnection, set: false);
                if (UsbHubChildOnPort(hub, port) is { } gone)
                {
                    // Disconnected (or replaced in the same instant): the device on the port is gone.
                    await UsbHubDeviceGone(hub, gone);
                    relationsChanged = true;
                }
                if ((status & UsbHubPortStatus.Connect) != 0)
                {
                    await UsbHubPortFeature(hub, port, UsbFeature.PortReset, set: true); // C_PORT_RESET reports its end
                }
            }
            if ((change & UsbHubPortChange.Reset) != 0)
            {
                await UsbHubPortFeature(hub, port, UsbFeature.CPortReset, set: false);
                if ((status & (UsbHubPortStatus.Connect | UsbHubPortStatus.Enable)) == (UsbHubPortStatus.Connect | UsbHubPortStatus.Enable)
                    && UsbHubChildOnPort(hub, port) is null)
                {
                    relationsChanged |= await UsbHubCreateDevice(hub, port, status);
                }
            }
            if ((change & UsbHubPortChange.Enable) != 0)
            {
                await UsbHubPortFeature(hub, port, UsbFeature.CPortEnable, set: false);
            }
            if ((change & UsbHubPortChange.Suspend) != 0)
            {
                await UsbHubPortFeature(hub, port, UsbFeature.CPortSuspend, set: false);
            }
            if ((change & UsbHubPortChange.OverCurrent) != 0)
            {
                await UsbHubPortFeature(hub, port, UsbFeature.CPortOverCurrent, set: false);
            }
        }
        if (relationsChanged && !hub.Removed)
        {
            IoInvalidateDeviceRelations(hub.PhysicalDevice!, DeviceRelationType.BusRelations);
        }
        await UsbHubSubmitStatusChange(hub);
    }

    /// <summary>The device present on <paramref name="port"/>, or null.</summary>
    private static UsbHubPdoExtension? UsbHubChildOnPort(UsbHubFdoExtension hub, ushort port)
    {
        lock (hub.Children)
        {
            return hub.Children.Find(c => c.Present && c.PortNumber == port);
        }
    }

    /// <summary>
    /// A reset, enabled port with no device yet: the port driver makes the device handle
    /// (CreateUsbDevice, InitializeUsbDevice) and the hub its PDO, \Device\USBPDO-n.
    /// </summary>
    private static async ValueTask<bool> UsbHubCreateDevice(UsbHubFdoExtension hub, ushort port, UsbHubPortStatus portStatus)
    {
        var bus = hub.BusInterface!;
        var box = NewHandleBox();
        var status = await bus.CreateUsbDevice!(bus.BusContext!, box, null, portStatus, port);
        if (!status.IsSuccess() || box.Value is not { } handle)
        {
            return false;
        }
        status = await bus.InitializeUsbDevice!(bus.BusContext!, handle);
        if (!status.IsSuccess())
        {
            await bus.RemoveUsbDevice!(bus.BusContext!, handle, 0);
            return false;
        }
        var child = new UsbHubPdoExtension(hub, port, handle) { DeviceDescriptor = handle.DeviceDescriptor, ConfigurationDescriptor = handle.ConfigurationDescriptor };
        var driver = hub.Self!.DriverObject;
        var data = (UsbHubDriverData)driver.IoGetDriverObjectExtension(DriverDataKey)!;
        var name = string.Create(CultureInfo.InvariantCulture, $"\\Device\\USBPDO-{data.NextPdo++}");
        status = IoCreateDevice(driver, child, name, UsbIoctl.FileDeviceUsb, DeviceCharacteristics.AutogeneratedDeviceName, false, out var pdo);
        if (!status.IsSuccess())
        {
            await bus.RemoveUsbDevice!(bus.BusContext!, handle, 0);
            return false;
        }
        // One location more than the root hub's PDO: the client's URB IRP passes through this PDO to it.
        pdo!.StackSize = (sbyte)(hub.LowerDevice!.StackSize + 1);
        pdo.Flags |= DeviceObjectFlags.BusEnumeratedDevice | DeviceObjectFlags.DirectIo;
        pdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        child.Pdo = pdo;
        bus.SetDeviceHandleData?.Invoke(bus.BusContext!, handle, pdo);
        lock (hub.Children)
        {
            hub.Children.Add(child);
        }
        return true;
    }

    /// <summary>The device left its port: not present any more, and its handle removed (its URBs end with USBD_STATUS_DEVICE_GONE).</summary>
    private static async ValueTask UsbHubDeviceGone(UsbHubFdoExtension hub, UsbHubPdoExtension child)
    {
        lock (hub.Children)
        {
            child.Present = false;
        }
        await UsbHubRemoveDeviceHandle(hub, child);
    }

    /// <summary>RemoveUsbDevice, once per device.</summary>
    private static async ValueTask UsbHubRemoveDeviceHandle(UsbHubFdoExtension hub, UsbHubPdoExtension child)
    {
        if (Interlocked.Exchange(ref child._handleRemoved, 1) == 0 && hub.BusInterface is { BusContext: { } context, RemoveUsbDevice: { } remove })
        {
            await remove(context, child.DeviceHandle, 0);
        }
    }

    /// <summary>
    /// BusRelations: the devices attached, each referenced for the PnP manager, after any relations a
    /// filter above put in the IRP; a device that left is left out and from then on known to be
    /// reported missing (one the PnP manager never saw is deleted at once).
    /// </summary>
    private static DeviceRelations UsbHubBusRelations(UsbHubFdoExtension hub, DeviceRelations? above)
    {
        var children = new List<DeviceObject>(above?.Objects ?? []);
        var neverSeen = new List<UsbHubPdoExtension>();
        lock (hub.Children)
        {
            foreach (var child in hub.Children)
            {
                if (!child.Present)
                {
                    child.ReportedMissing = true;
                    if (!child.Reported)
                    {
                        neverSeen.Add(child);
                    }
                    continue;
                }
                child.Reported = true;
                child.Pdo!.ObReferenceObject(); // the PnP manager drops it, or keeps it for a new device node
                children.Add(child.Pdo);
            }
            hub.Children.RemoveAll(neverSeen.Contains);
        }
        foreach (var child in neverSeen)
        {
            if (child.Pdo is { } pdo)
            {
                child.Pdo = null;
                IoDeleteDevice(pdo);
            }
        }
        return new DeviceRelations(children);
    }
}
