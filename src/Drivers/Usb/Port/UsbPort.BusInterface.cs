/*++

Module Name:

    UsbPort.BusInterface.cs

Abstract:

    USB_BUS_INTERFACE_HUB_V5 as the port driver implements it for the root hub's PDO: device
    handles for devices on the root ports. CreateUsbDevice makes the handle at address 0 and reads
    the first 8 bytes of the device descriptor (bMaxPacketSize0); InitializeUsbDevice gives the
    device the lowest free address with SET_ADDRESS and caches its device descriptor and whole
    first configuration; RemoveUsbDevice marks the handle removed (new URBs fail with
    USBD_STATUS_DEVICE_GONE), ends its transfers waiting for the controller with DEVICE_GONE,
    waits for those at the controller to finish (a detached device's end with DEVICE_GONE too),
    closes its pipes and frees its address.

Environment:

    Kernel mode, PASSIVE_LEVEL (the routines wait for control transfers).

--*/

using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Usb;

public static partial class UsbPort
{
    private static readonly UsbBusCreateUsbDevice CreateUsbDevice = BusCreateUsbDevice;
    private static readonly UsbBusInitializeUsbDevice InitializeUsbDevice = BusInitializeUsbDevice;
    private static readonly UsbBusGetUsbDescriptors GetUsbDescriptors = BusGetUsbDescriptors;
    private static readonly UsbBusRemoveUsbDevice RemoveUsbDevice = BusRemoveUsbDevice;
    private static readonly UsbBusSetDeviceHandleData SetDeviceHandleData = BusSetDeviceHandleData;

    /// <summary>IRP_MN_QUERY_INTERFACE(USB_BUS_INTERFACE_HUB_GUID): fills the hub's interface and references it once for the caller.</summary>
    private static NtStatus RootHubFillHubInterface(UsbRootHubPdoExtension pdo, UsbBusInterfaceHubV5 hub)
    {
        if (hub.Version < UsbBusInterfaceHubV5.Version5)
        {
            return NtStatus.NotSupported;
        }
        hub.Version = UsbBusInterfaceHubV5.Version5;
        hub.BusContext = pdo.Controller;
        hub.InterfaceReference = _ => Interlocked.Increment(ref pdo._interfaceReferences);
        hub.InterfaceDereference = _ => Interlocked.Decrement(ref pdo._interfaceReferences);
        hub.CreateUsbDevice = CreateUsbDevice;
        hub.InitializeUsbDevice = InitializeUsbDevice;
        hub.GetUsbDescriptors = GetUsbDescriptors;
        hub.RemoveUsbDevice = RemoveUsbDevice;
        hub.SetDeviceHandleData = SetDeviceHandleData;
        hub.InterfaceReference(pdo.Controller);
        return NtStatus.Success;
    }

    private static async ValueTask<NtStatus> BusCreateUsbDevice(object busContext, StrongBox<UsbdDeviceHandle?> newDeviceHandle,
        UsbdDeviceHandle? hubDeviceHandle, UsbHubPortStatus portStatus, ushort portNumber)
    {
        _ = hubDeviceHandle;
        var controller = (UsbPortFdoExtension)busContext;
        newDeviceHandle.Value = null;
        if (!controller.Started || controller.Removed)
        {
            return NtStatus.NoSuchDevice;
        }
        var speed = (portStatus & UsbHubPortStatus.HighSpeed) != 0 ? UsbDeviceSpeed.High
            : (portStatus & UsbHubPortStatus.LowSpeed) != 0 ? UsbDeviceSpeed.Low : UsbDeviceSpeed.Full;
        var context = new UsbDeviceContext();
        KeInitializeEvent(context.Drained, EventType.NotificationEvent, false);
        var handle = new UsbdDeviceHandle(portNumber, speed, isRootHub: false) { PortContext = context };
        // The first 8 bytes at the default address: bMaxPacketSize0 (usbport reads them before SET_ADDRESS).
        var first = new byte[8];
        var status = await PortSyncUrb(controller, GetDescriptorUrb(handle, UsbDescriptorType.Device, 8), first);
        if (!status.IsSuccess())
        {
            return status == UsbdStatus.DeviceGone ? NtStatus.DeviceNotConnected : status.ToNtStatus();
        }
        newDeviceHandle.Value = handle;
        return NtStatus.Success;
    }

    private static async ValueTask<NtStatus> BusInitializeUsbDevice(object busContext, UsbdDeviceHandle deviceHandle)
    {
        var controller = (UsbPortFdoExtension)busContext;
        byte address = 0;
        var old = await KeAcquireSpinLock(controller.Lock);
        for (byte a = 1; a < controller.AddressInUse.Length; a++)
        {
            if (!controller.AddressInUse[a])
            {
                controller.AddressInUse[a] = true;
                address = a;
                break;
            }
        }
        await KeReleaseSpinLock(controller.Lock, old);
        if (address == 0)
        {
            return NtStatus.InsufficientResources;
        }
        var setAddress = new UrbControlTransfer
        {
            UrbHeader = { UsbdDeviceHandle = deviceHandle },
            TransferFlags = UsbdTransferFlags.DefaultPipeTransfer,
            SetupPacket = new UsbSetupPacket(BmRequest.HostToDevice, (byte)UsbRequest.SetAddress, address, 0, 0),
        };
        var status = await PortSyncUrb(controller, setAddress);
        if (status.IsSuccess())
        {
            deviceHandle.DeviceAddress = address; // from the status stage on, the device answers at its address (9.4.6)
            var device = new byte[UsbDeviceDescriptor.Size];
            status = await PortSyncUrb(controller, GetDescriptorUrb(deviceHandle, UsbDescriptorType.Device, device.Length), device);
            if (status.IsSuccess())
            {
                deviceHandle.DeviceDescriptor = UsbDeviceDescriptor.Read(device);
                var header = new byte[UsbConfigurationDescriptor.Size];
                status = await PortSyncUrb(controller, GetDescriptorUrb(deviceHandle, UsbDescriptorType.Configuration, header.Length), header);
                if (status.IsSuccess())
                {
                    var whole = new byte[UsbConfigurationDescriptor.Read(header).TotalLength];
                    status = await PortSyncUrb(controller, GetDescriptorUrb(deviceHandle, UsbDescriptorType.Configuration, whole.Length), whole);
                    deviceHandle.ConfigurationDescriptor = whole;
                }
            }
        }
        if (!status.IsSuccess())
        {
            deviceHandle.DeviceAddress = 0;
            await PortFreeAddress(controller, address);
            return status == UsbdStatus.DeviceGone ? NtStatus.DeviceNotConnected : status.ToNtStatus();
        }
        return NtStatus.Success;
    }

    private static NtStatus BusGetUsbDescriptors(object busContext, UsbdDeviceHandle deviceHandle, StrongBox<UsbDeviceDescriptor> deviceDescriptor, StrongBox<byte[]> configurationDescriptor)
    {
        _ = busContext;
        if (deviceHandle.Removed)
        {
            return NtStatus.NoSuchDevice;
        }
        deviceDescriptor.Value = deviceHandle.DeviceDescriptor;
        configurationDescriptor.Value = (byte[])deviceHandle.ConfigurationDescriptor.Clone();
        return NtStatus.Success;
    }

    private static async ValueTask<NtStatus> BusRemoveUsbDevice(object busContext, UsbdDeviceHandle deviceHandle, uint flags)
    {
        _ = flags;
        var controller = (UsbPortFdoExtension)busContext;
        if (deviceHandle.IsRootHub || deviceHandle.PortContext is not UsbDeviceContext context || deviceHandle.Removed)
        {
            return NtStatus.Success;
        }
        deviceHandle.Removed = true;
        await PortEndWaiting(controller, t => t.Device == deviceHandle, UsbdStatus.DeviceGone);
        var old = await KeAcquireSpinLock(controller.Lock);
        var busy = context.Outstanding > 0;
        await KeReleaseSpinLock(controller.Lock, old);
        if (busy)
        {
            // usbport waits for the endpoint's transfers at the controller to drain before it closes it.
            await KeWaitForSingleObject(context.Drained, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        }
        foreach (var pipe in context.Pipes)
        {
            pipe.Open = false;
        }
        context.Pipes.Clear();
        if (deviceHandle.DeviceAddress != 0)
        {
            await PortFreeAddress(controller, deviceHandle.DeviceAddress);
        }
        return NtStatus.Success;
    }

    private static void BusSetDeviceHandleData(object busContext, UsbdDeviceHandle deviceHandle, DeviceObject usbDevicePdo)
    {
        _ = busContext;
        deviceHandle.DevicePdo = usbDevicePdo;
    }

    private static async ValueTask PortFreeAddress(UsbPortFdoExtension controller, byte address)
    {
        var old = await KeAcquireSpinLock(controller.Lock);
        controller.AddressInUse[address] = false;
        await KeReleaseSpinLock(controller.Lock, old);
    }

    private static UrbControlTransfer GetDescriptorUrb(UsbdDeviceHandle device, UsbDescriptorType type, int length) => new()
    {
        UrbHeader = { UsbdDeviceHandle = device },
        TransferFlags = UsbdTransferFlags.DefaultPipeTransfer | UsbdTransferFlags.DirectionIn | UsbdTransferFlags.ShortTransferOk,
        SetupPacket = new UsbSetupPacket(BmRequest.DeviceToHost, (byte)UsbRequest.GetDescriptor, (ushort)((int)type << 8), 0, (ushort)length),
    };
}
