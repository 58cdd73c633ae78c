/*++

Module Name:

    StoragePort.Pnp.cs

Abstract:

    The port's Plug and Play: IRP_MN_START_DEVICE goes to the PDO first (the bus must be ready
    before the function driver touches the device), then the adapter comes up in the WDK's order:
    the miniport's HwFindAdapter over AllocatedResourcesTranslated, a bus-master scatter/gather
    DMA adapter (IoGetDmaAdapter) and its common buffer, the completion DPC, IoConnectInterrupt
    with the translated interrupt's vector, level, mode and affinity, and HwInitialize.
    IRP_MN_QUERY_REMOVE_DEVICE and IRP_MN_CANCEL_REMOVE_DEVICE succeed on the way down;
    IRP_MN_REMOVE_DEVICE stops the controller (the miniport's HwStopAdapter), disconnects the
    interrupt, frees the common buffer and the DMA adapter and deletes the device. Every other
    minor function goes down unchanged.

    Left out: a remove lock (requests still at the controller when the device is removed are not
    waited for), stop/rebalance and surprise removal.

Environment:

    Kernel mode, PASSIVE_LEVEL in a system thread (the PnP manager's).

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage;

public static partial class StoragePort
{
    /// <summary>IRP_MJ_PNP: one switch on the minor function.</summary>
    private static async ValueTask<NtStatus> PortPnp(DeviceObject deviceObject, Irp irp)
    {
        if (await PortLunPnp(deviceObject, irp) is { } lunStatus) return lunStatus; // the LUN PDO and BusRelations: StoragePort.Lun.cs
        var adapter = deviceObject.GetExtension<StorageAdapter>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        NtStatus status;
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.StartDevice:
                irp.IoStatus.Status = NtStatus.Success;
                status = await IoForwardIrpSynchronously(adapter.LowerDevice!, irp) ? irp.IoStatus.Status : NtStatus.InvalidDeviceRequest;
                if (status.IsSuccess())
                {
                    status = await PortStartAdapter(adapter, stack.Parameters.StartDevice.AllocatedResourcesTranslated);
                }
                break;
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
                irp.IoStatus.Status = NtStatus.Success;
                return await PortPassDown(deviceObject, irp);
            case PnpMinorFunction.RemoveDevice:
                await PortStopAdapter(adapter);
                irp.IoStatus.Status = NtStatus.Success;
                IoSkipCurrentIrpStackLocation(irp);
                status = await IoCallDriver(adapter.LowerDevice!, irp);
                IoDetachDevice(adapter.LowerDevice!);
                if (adapter.SymbolicLinkName is { } link)
                {
                    deviceObject.DriverObject.Manager.Objects.IoDeleteSymbolicLink(link);
                }
                IoDeleteDevice(deviceObject);
                return status;
            default:
                return await PortPassDown(deviceObject, irp);
        }
        irp.IoStatus.Status = status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>Brings the adapter up once the PDO has started.</summary>
    private static async ValueTask<NtStatus> PortStartAdapter(StorageAdapter adapter, CmResourceList? translated)
    {
        if (translated is null)
        {
            return NtStatus.InsufficientResources;
        }
        var hw = adapter.Hw;
        var status = await hw.HwFindAdapter(adapter, translated);
        if (!status.IsSuccess())
        {
            return status;
        }
        var description = new DeviceDescription
        {
            Version = DeviceDescription.DeviceDescriptionVersion3,
            Master = true,
            ScatterGather = true,
            Dma64BitAddresses = true,
            InterfaceType = InterfaceType.PciBus,
            MaximumLength = (uint)((hw.MaximumSegments - 1) * MmLayout.PageSize),
        };
        adapter.DmaAdapter = IoGetDmaAdapter(adapter.PhysicalDeviceObject!, description, out _);
        if (adapter.DmaAdapter is null)
        {
            return NtStatus.InsufficientResources;
        }
        adapter.CommonBuffer = adapter.DmaAdapter.DmaOperations.AllocateCommonBuffer(adapter.DmaAdapter, (uint)hw.CommonBufferLength, out var logical, false);
        if (adapter.CommonBuffer == 0)
        {
            return NtStatus.InsufficientResources;
        }
        adapter.CommonBufferLogical = logical;
        KeInitializeDpc(adapter.CompletionDpc, PortCompletionDpc, adapter);
        var interrupt = adapter.InterruptResource!;
        var irql = (Irql)interrupt.u.Interrupt.Level;
        status = IoConnectInterrupt(out var interruptObject, PortServiceRoutine, adapter, null, (int)interrupt.u.Interrupt.Vector, irql, irql,
            (interrupt.Flags & CmResourceFlags.InterruptLatched) != 0 ? KInterruptMode.Latched : KInterruptMode.LevelSensitive,
            interrupt.ShareDisposition == CmShareDisposition.Shared, interrupt.u.Interrupt.Affinity, false, hw.HwInterrupt.Method.Name);
        if (!status.IsSuccess())
        {
            return status;
        }
        adapter.Interrupt = interruptObject;
        status = await hw.HwInitialize(adapter);
        adapter.Started = status.IsSuccess();
        return status;
    }

    /// <summary>KSERVICE_ROUTINE: the miniport's HwInterrupt is the ISR.</summary>
    private static ValueTask<bool> PortServiceRoutine(KInterrupt interrupt, object? serviceContext)
    {
        _ = interrupt;
        var adapter = (StorageAdapter)serviceContext!;
        return adapter.Hw.HwInterrupt(adapter);
    }

    private static async ValueTask PortStopAdapter(StorageAdapter adapter)
    {
        if (adapter.Started)
        {
            await adapter.Hw.HwStopAdapter(adapter);
        }
        adapter.Started = false;
        if (adapter.Interrupt is { } interrupt)
        {
            IoDisconnectInterrupt(interrupt);
            adapter.Interrupt = null;
        }
        if (adapter.DmaAdapter is { } dma)
        {
            if (adapter.CommonBuffer != 0)
            {
                dma.DmaOperations.FreeCommonBuffer(dma, (uint)adapter.Hw.CommonBufferLength, adapter.CommonBufferLogical, adapter.CommonBuffer, false);
                adapter.CommonBuffer = 0;
            }
            dma.DmaOperations.PutDmaAdapter(dma);
            adapter.DmaAdapter = null;
        }
    }
}
