/*++

Module Name:

    UsbPort.Pnp.cs

Abstract:

    The controller FDO's Plug and Play. IRP_MN_START_DEVICE goes to the PCI PDO first, then the
    controller comes up: a bus-master scatter/gather DMA adapter and the miniport's common buffer,
    the miniport's StartController over the translated resources (memory BAR, interrupt), the DPC,
    IoConnectInterrupt, the miniport's EnableInterrupts. IRP_MN_QUERY_DEVICE_RELATIONS
    (BusRelations) reports the root hub's PDO once the controller runs (as usbport does: the root
    hub is the controller's one child). IRP_MN_SURPRISE_REMOVAL ends every transfer with
    USBD_STATUS_DEVICE_GONE; IRP_MN_REMOVE_DEVICE waits for the requests inside, stops the
    controller, releases the interrupt, the common buffer and the adapter, deletes the root hub
    PDO, passes the IRP down, detaches and deletes the FDO.

    Left out: stop and resource rebalance (they go down unhandled).

Environment:

    Kernel mode, PASSIVE_LEVEL in the PnP manager's thread.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Usb;

public static partial class UsbPort
{
    /// <summary>IRP_MJ_PNP: the root hub PDO's (UsbPort.RootHubPdo.cs) or the FDO's.</summary>
    private static async ValueTask<NtStatus> PortPnp(DeviceObject deviceObject, Irp irp)
    {
        if (deviceObject.DeviceExtension is UsbRootHubPdoExtension pdo)
        {
            return await RootHubPdoPnp(pdo, irp);
        }
        var extension = deviceObject.GetExtension<UsbPortFdoExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await PortComplete(irp, status);
        }
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.StartDevice:
                irp.IoStatus.Status = NtStatus.Success;
                status = await IoForwardIrpSynchronously(extension.LowerDevice!, irp) ? irp.IoStatus.Status : NtStatus.InvalidDeviceRequest;
                if (status.IsSuccess())
                {
                    status = await PortStartController(extension, stack.Parameters.StartDevice.AllocatedResourcesTranslated);
                }
                break;
            case PnpMinorFunction.QueryDeviceRelations when stack.Parameters.QueryDeviceRelations.Type == DeviceRelationType.BusRelations:
                if (extension.Started && !extension.Removed)
                {
                    var root = extension.RootHubPdo ??= PortCreateRootHubPdo(deviceObject.DriverObject, extension);
                    root.ObReferenceObject(); // the PnP manager drops it, or keeps it for the root hub's node
                    irp.IoStatus.InformationPointer = new DeviceRelations([root]);
                    irp.IoStatus.Status = NtStatus.Success;
                }
                return await PortPassDownReleasing(extension, irp);
            case PnpMinorFunction.SurpriseRemoval:
                // The controller is gone: nothing at it will finish; every transfer ends as device gone.
                extension.Removed = true;
                await PortFlushAll(extension);
                irp.IoStatus.Status = NtStatus.Success;
                return await PortPassDownReleasing(extension, irp);
            case PnpMinorFunction.RemoveDevice:
                extension.Removed = true;
                await IoReleaseRemoveLockAndWait(extension.RemoveLock, irp);
                await PortFlushAll(extension);
                await PortStopController(extension);
                PortDeleteRootHubPdo(extension);
                irp.IoStatus.Status = NtStatus.Success;
                IoSkipCurrentIrpStackLocation(irp);
                status = await IoCallDriver(extension.LowerDevice!, irp);
                IoDetachDevice(extension.LowerDevice!);
                if (extension.SymbolicLinkName is { } link)
                {
                    deviceObject.DriverObject.Manager.Objects.IoDeleteSymbolicLink(link);
                }
                IoDeleteDevice(deviceObject);
                return status;
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
                irp.IoStatus.Status = NtStatus.Success;
                return await PortPassDownReleasing(extension, irp);
            default:
                return await PortPassDownReleasing(extension, irp);
        }
        irp.IoStatus.Status = status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return status;
    }

    private static async ValueTask<NtStatus> PortPassDownReleasing(UsbPortFdoExtension extension, Irp irp)
    {
        IoSkipCurrentIrpStackLocation(irp);
        var status = await IoCallDriver(extension.LowerDevice!, irp);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return status;
    }

    /// <summary>Brings the controller up once its PCI PDO has started.</summary>
    private static async ValueTask<NtStatus> PortStartController(UsbPortFdoExtension extension, CmResourceList? translated)
    {
        if (translated is null)
        {
            return NtStatus.InsufficientResources;
        }
        var packet = extension.Packet;
        var description = new DeviceDescription
        {
            Version = DeviceDescription.DeviceDescriptionVersion3,
            Master = true,
            ScatterGather = true,
            Dma64BitAddresses = true,
            InterfaceType = InterfaceType.PciBus,
            MaximumLength = packet.MaximumTransferSize + MmLayout.PageSize,
        };
        extension.DmaAdapter = IoGetDmaAdapter(extension.PhysicalDeviceObject!, description, out _);
        if (extension.DmaAdapter is null)
        {
            return NtStatus.InsufficientResources;
        }
        extension.CommonBuffer = extension.DmaAdapter.DmaOperations.AllocateCommonBuffer(extension.DmaAdapter, (uint)packet.CommonBufferBytes, out var logical, false);
        if (extension.CommonBuffer == 0)
        {
            return NtStatus.InsufficientResources;
        }
        extension.CommonBufferLogical = logical;
        var status = await packet.StartController(extension, translated);
        if (!status.IsSuccess())
        {
            return status;
        }
        if (extension.InterruptResource is not { } interrupt)
        {
            return NtStatus.InsufficientResources;
        }
        KeInitializeDpc(extension.Dpc, PortDpc, extension);
        var irql = (Irql)interrupt.u.Interrupt.Level;
        status = IoConnectInterrupt(out var interruptObject, PortInterruptService, extension, null, (int)interrupt.u.Interrupt.Vector, irql, irql,
            (interrupt.Flags & CmResourceFlags.InterruptLatched) != 0 ? KInterruptMode.Latched : KInterruptMode.LevelSensitive,
            interrupt.ShareDisposition == CmShareDisposition.Shared, interrupt.u.Interrupt.Affinity, false, "USBPORT_InterruptService");
        if (!status.IsSuccess())
        {
            return status;
        }
        extension.Interrupt = interruptObject;
        packet.EnableInterrupts(extension);
        extension.Started = true;
        return NtStatus.Success;
    }

    private static async ValueTask PortStopController(UsbPortFdoExtension extension)
    {
        if (extension.Started)
        {
            await extension.Packet.StopController(extension);
        }
        extension.Started = false;
        if (extension.Interrupt is { } interrupt)
        {
            IoDisconnectInterrupt(interrupt);
            extension.Interrupt = null;
        }
        if (extension.DmaAdapter is { } dma)
        {
            if (extension.CommonBuffer != 0)
            {
                dma.DmaOperations.FreeCommonBuffer(dma, (uint)extension.Packet.CommonBufferBytes, extension.CommonBufferLogical, extension.CommonBuffer, false);
                extension.CommonBuffer = 0;
            }
            dma.DmaOperations.PutDmaAdapter(dma);
            extension.DmaAdapter = null;
        }
    }
}
