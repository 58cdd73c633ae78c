/*++

Module Name:

    StoragePort.Pnp.cs

Abstract:

    The port's Plug and Play: IRP_MN_START_DEVICE goes to the PDO first (the bus must be ready
    before the function driver touches the device), then the adapter comes up in the WDK's order:
    the miniport's HwFindAdapter over AllocatedResourcesTranslated, a bus-master scatter/gather
    DMA adapter (IoGetDmaAdapter) and its common buffer, the completion DPC, IoConnectInterrupt
    with the translated interrupt's vector, level, mode and affinity, and HwInitialize.
    Once started the disk's GUID_DEVINTERFACE_DISK instance is enabled. Every request holds the
    remove lock from dispatch to completion. IRP_MN_QUERY_REMOVE_DEVICE and
    IRP_MN_CANCEL_REMOVE_DEVICE succeed on the way down. IRP_MN_SURPRISE_REMOVAL disables the
    interface, fails the requests at the controller (it is gone and will not answer) and, as StartIo
    reaches them, the queued ones, and new ones, with STATUS_NO_SUCH_DEVICE; it detaches and deletes
    nothing. IRP_MN_REMOVE_DEVICE waits for the requests inside (IoReleaseRemoveLockAndWait: later
    ones get STATUS_DELETE_PENDING), stops the controller (the miniport's HwStopAdapter), disconnects
    the interrupt, frees the common buffer and the DMA adapter, passes the IRP down, detaches and
    deletes the device. Every other minor function goes down unchanged.

    Left out: stop/rebalance (IRP_MN_QUERY_STOP_DEVICE and IRP_MN_STOP_DEVICE go down unhandled).

Environment:

    Kernel mode, PASSIVE_LEVEL in a system thread (the PnP manager's).

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage;

public static partial class StoragePort
{
    /// <summary>IRP_MJ_PNP: one switch on the minor function, under the remove lock (IRP_MN_REMOVE_DEVICE waits for it).</summary>
    private static async ValueTask<NtStatus> PortPnp(DeviceObject deviceObject, Irp irp)
    {
        if (await PortLunPnp(deviceObject, irp) is { } lunStatus) return lunStatus; // the LUN PDO and BusRelations: StoragePort.Lun.cs
        var adapter = deviceObject.GetExtension<StorageAdapter>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var status = IoAcquireRemoveLock(adapter.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await PortCompleteUnlocked(irp, status);
        }
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.StartDevice:
                irp.IoStatus.Status = NtStatus.Success;
                status = await IoForwardIrpSynchronously(adapter.LowerDevice!, irp) ? irp.IoStatus.Status : NtStatus.InvalidDeviceRequest;
                if (status.IsSuccess())
                {
                    status = await PortStartAdapter(adapter, stack.Parameters.StartDevice.AllocatedResourcesTranslated);
                }
                if (status.IsSuccess())
                {
                    PortEnableInterface(adapter);
                }
                break;
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
                irp.IoStatus.Status = NtStatus.Success;
                status = await PortPassDown(deviceObject, irp);
                IoReleaseRemoveLock(adapter.RemoveLock, irp);
                return status;
            case PnpMinorFunction.SurpriseRemoval:
                // The device is gone: no new I/O, the requests at the controller fail now (it will never
                // answer them), the queued ones as StartIo reaches them. Nothing is detached or deleted here.
                adapter.SurpriseRemoved = true;
                PortDisableInterface(adapter);
                if (adapter.Interrupt is { } interrupt)
                {
                    await KeSynchronizeExecution(interrupt, PortAbortOutstanding, adapter);
                }
                irp.IoStatus.Status = NtStatus.Success;
                status = await PortPassDown(deviceObject, irp);
                IoReleaseRemoveLock(adapter.RemoveLock, irp);
                return status;
            case PnpMinorFunction.RemoveDevice:
                // Removing a Device in a Function Driver: fail what comes, wait for the requests inside
                // (IoReleaseRemoveLockAndWait), release the hardware, pass down, detach and delete.
                adapter.SurpriseRemoved = true;
                PortDisableInterface(adapter);
                PortDeleteLunPdo(adapter); // a child the PnP manager already removed: the bus driver deletes its PDO with the bus
                await IoReleaseRemoveLockAndWait(adapter.RemoveLock, irp);
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
                status = await PortPassDown(deviceObject, irp);
                IoReleaseRemoveLock(adapter.RemoveLock, irp);
                return status;
        }
        irp.IoStatus.Status = status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        IoReleaseRemoveLock(adapter.RemoveLock, irp);
        return status;
    }

    /// <summary>Registers and enables the disk's GUID_DEVINTERFACE_DISK instance (on a stack the PnP manager built).</summary>
    private static void PortEnableInterface(StorageAdapter adapter)
    {
        if (adapter.InterfaceName is null
            && IoRegisterDeviceInterface(adapter.PhysicalDeviceObject!, PnpGuids.DevInterfaceDisk, null, out var link).IsSuccess())
        {
            adapter.InterfaceName = link;
        }
        if (adapter.InterfaceName is { } name)
        {
            IoSetDeviceInterfaceState(name, enable: true);
        }
    }

    private static void PortDisableInterface(StorageAdapter adapter)
    {
        if (adapter.InterfaceName is { } name)
        {
            IoSetDeviceInterfaceState(name, enable: false);
        }
    }

    /// <summary>
    /// KSYNCHRONIZE_ROUTINE (the ISR cannot run): every request the controller holds that the ISR has not
    /// reported fails with SRB_STATUS_NO_DEVICE (STATUS_NO_SUCH_DEVICE); the port's DPC completes them.
    /// </summary>
    private static ValueTask<bool> PortAbortOutstanding(object? context)
    {
        StoragePortCompleteRequest((StorageAdapter)context!, SrbStatus.NoDevice);
        return ValueTask.FromResult(true);
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
