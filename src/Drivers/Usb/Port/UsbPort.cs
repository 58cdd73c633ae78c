/*++

Module Name:

    UsbPort.cs

Abstract:

    The USB host controller port driver (usbport.sys in spirit): the miniport's DriverEntry calls
    USBPORT_RegisterUSBPortDriver with its registration packet, and the port fills the miniport's
    dispatch table and AddDevice with its own. The port creates the controller's FDO on its PCI PDO
    (UsbPort.Pnp.cs), reports the root hub's PDO as its one child (UsbPort.RootHubPdo.cs), and
    services IOCTL_INTERNAL_USB_SUBMIT_URB from the hub driver and the devices' drivers: root hub
    requests from the controller's port registers (UsbPort.RootHub.cs), requests for devices as
    transfers the miniport puts on the controller (UsbPort.Urb.cs, UsbPort.Transfer.cs); device
    handles come and go through USB_BUS_INTERFACE_HUB_V5 (UsbPort.BusInterface.cs).

    Left out: isochronous transfers, bandwidth and split transactions (no transaction translators),
    selective suspend and wake, the companion controllers, the user-mode HCD IOCTLs.

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Usb;

/// <summary>The USB port driver's routines.</summary>
public static partial class UsbPort
{
    /// <summary>The port's image name (its routines are charged to the miniport's driver object, as a port library's are).</summary>
    public const string PortImageName = "usbport.sys";

    // 'UsbP': the remove lock's tag.
    private const uint RemoveLockTag = 0x50627355;

    private static readonly object PacketKey = new();

    /// <summary>
    /// USBPORT_RegisterUSBPortDriver: called from the miniport's DriverEntry; keeps its registration
    /// packet and fills its driver object's dispatch table and AddDevice with the port's.
    /// </summary>
    /// <param name="driverObject">The miniport's driver object.</param>
    /// <param name="hciVersion">USB_MINIPORT_HCI_VERSION_2 (200) for a USB 2.0 controller.</param>
    /// <param name="packet">The miniport's routines.</param>
    /// <returns>STATUS_SUCCESS, or STATUS_INVALID_PARAMETER for a packet the port cannot use.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NtStatus USBPORT_RegisterUSBPortDriver(DriverObject driverObject, uint hciVersion, UsbPortRegistrationPacket packet)
    {
        ArgumentNullException.ThrowIfNull(driverObject);
        ArgumentNullException.ThrowIfNull(packet);
        if (hciVersion < 200 || packet.CommonBufferBytes <= 0 || packet.MaximumTransferSize < 512)
        {
            return NtStatus.InvalidParameter;
        }
        driverObject.IoAllocateDriverObjectExtension(PacketKey, packet);
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = PortCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = PortCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = PortPnp;
        driverObject.MajorFunction[(int)IrpMajorFunction.Power] = PortPower;
        driverObject.MajorFunction[(int)IrpMajorFunction.InternalDeviceControl] = PortInternalDeviceControl;
        driverObject.DriverExtension.AddDevice = PortAddDevice;
        driverObject.DriverUnload = PortUnload;
        return NtStatus.Success;
    }

    /// <summary>AddDevice: the controller's FDO <c>\Device\USBFDO-N</c> (with <c>\??\HCDN</c>) above the PCI PDO.</summary>
    /// <param name="driverObject">The miniport's driver object.</param>
    /// <param name="physicalDeviceObject">The controller's PCI PDO.</param>
    /// <returns>STATUS_SUCCESS or IoCreateDevice's failure.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static ValueTask<NtStatus> PortAddDevice(DriverObject driverObject, DeviceObject physicalDeviceObject)
    {
        ArgumentNullException.ThrowIfNull(driverObject);
        var packet = (UsbPortRegistrationPacket)driverObject.IoGetDriverObjectExtension(PacketKey)!;
        var number = driverObject.DeviceObjects.Count(d => d.DeviceExtension is UsbPortFdoExtension);
        var extension = new UsbPortFdoExtension(packet) { PhysicalDeviceObject = physicalDeviceObject };
        var status = IoCreateDevice(driverObject, extension, $"\\Device\\{packet.DeviceNameStem}{number}", DeviceType.Controller, 0, false, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        extension.SymbolicLinkName = $"\\??\\HCD{number}";
        if (!driverObject.Manager.Objects.IoCreateSymbolicLink(extension.SymbolicLinkName, fdo!.Name!).IsSuccess())
        {
            extension.SymbolicLinkName = null;
        }
        extension.Fdo = fdo;
        extension.LowerDevice = IoAttachDeviceToDeviceStack(fdo, physicalDeviceObject);
        KeInitializeSpinLock(extension.Lock, "UsbPortFdoExtension.Lock");
        IoInitializeRemoveLock(extension.RemoveLock, RemoveLockTag, 0, 0);
        fdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>IRP_MJ_CREATE / IRP_MJ_CLOSE: nothing per open.</summary>
    private static async ValueTask<NtStatus> PortCreateClose(DeviceObject deviceObject, Irp irp)
    {
        _ = deviceObject;
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }

    /// <summary>DriverUnload: every controller was removed; nothing is kept per driver beyond the packet.</summary>
    private static ValueTask PortUnload(DriverObject driverObject)
    {
        _ = driverObject;
        return ValueTask.CompletedTask;
    }

    /// <summary>IRP_MJ_POWER: the root hub PDO answers as a bus driver's PDO; the FDO passes it to the PCI PDO.</summary>
    private static async ValueTask<NtStatus> PortPower(DeviceObject deviceObject, Irp irp)
    {
        if (deviceObject.DeviceExtension is UsbRootHubPdoExtension)
        {
            var stack = IoGetCurrentIrpStackLocation(irp);
            var status = irp.IoStatus.Status;
            switch ((PowerMinorFunction)stack.MinorFunction)
            {
                case PowerMinorFunction.SetPower when stack.Parameters.Power.Type == PowerStateType.DevicePowerState:
                    PoSetPowerState(deviceObject, PowerStateType.DevicePowerState, stack.Parameters.Power.State);
                    status = NtStatus.Success;
                    break;
                case PowerMinorFunction.SetPower:
                case PowerMinorFunction.QueryPower:
                    status = NtStatus.Success;
                    break;
            }
            PoStartNextPowerIrp(irp);
            irp.IoStatus.Status = status;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return status;
        }
        PoStartNextPowerIrp(irp);
        IoSkipCurrentIrpStackLocation(irp);
        return await PoCallDriver(deviceObject.GetExtension<UsbPortFdoExtension>().LowerDevice!, irp);
    }

    /// <summary>Completes <paramref name="irp"/> with <paramref name="status"/>.</summary>
    private static async ValueTask<NtStatus> PortComplete(Irp irp, NtStatus status, ulong information = 0)
    {
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }
}
