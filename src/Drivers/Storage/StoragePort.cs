/*++

Module Name:

    StoragePort.cs

Abstract:

    A storage port driver (blkport, in the spirit of ScsiPort/StorPort): it owns the dispatch
    table of every miniport that calls StoragePortInitialize, creates the disk's device object
    (direct I/O), brings the adapter up on IRP_MN_START_DEVICE (the miniport's HwFindAdapter over
    the translated resources, a bus-master DMA adapter and common buffer, IoConnectInterrupt with
    the miniport's ISR, HwInitialize), checks each read and write, and queues them through StartIo
    (StoragePort.Io.cs) to the controller. Hardware-specific work is the miniport's.

    The port also reports its logical unit for disk.sys (StoragePort.Lun.cs: SRBs, storage IOCTLs)
    and is its device's power policy owner (StoragePort.Power.cs).

    Requests that stay at the controller past their timeout reset the bus (StoragePort.Timeout.cs).

    Left out: splitting transfers larger than the miniport's limit on the port's own read/write
    path (they fail with STATUS_INVALID_PARAMETER; disk.sys splits them above the LUN);
    stop/resource rebalance.

Environment:

    Kernel mode. Dispatch routines run at PASSIVE_LEVEL in the requester's context.

--*/

using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage;

/// <summary>Notifications a miniport gives the port (StorPortNotification's NotificationType).</summary>
public enum StorageNotification
{
    /// <summary>RequestComplete: the request's status is set; the port's DPC completes it.</summary>
    RequestComplete = 0,
}

/// <summary>The storage port driver's routines.</summary>
public static partial class StoragePort
{
    /// <summary>The port's image name (the routines below are charged to the miniport's driver object, as a port library's are).</summary>
    public const string PortImageName = "blkport.sys";

    // 'BlkP': the remove lock's tag.
    private const uint RemoveLockTag = 0x506B6C42;

    // The key of the driver-object extension holding the miniport's HW_INITIALIZATION_DATA.
    private static readonly object HwKey = new();

    /// <summary>
    /// StoragePortInitialize: called from the miniport's DriverEntry; keeps its routines and fills
    /// its driver object's dispatch table, StartIo and AddDevice with the port's.
    /// </summary>
    /// <param name="driverObject">The miniport's driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <param name="hwInitializationData">The miniport's routines and limits.</param>
    /// <returns>STATUS_SUCCESS, or STATUS_INVALID_PARAMETER for limits the port cannot work with.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NtStatus StoragePortInitialize(DriverObject driverObject, string registryPath, HwInitializationData hwInitializationData)
    {
        ArgumentNullException.ThrowIfNull(driverObject);
        ArgumentNullException.ThrowIfNull(hwInitializationData);
        _ = registryPath;
        if (hwInitializationData.QueueDepth is < 1 or > 4096 || hwInitializationData.MaximumSegments < 2)
        {
            return NtStatus.InvalidParameter;
        }
        driverObject.IoAllocateDriverObjectExtension(HwKey, hwInitializationData);
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = PortCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = PortCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Cleanup] = PortCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Read] = PortReadWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.Write] = PortReadWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.FlushBuffers] = PortFlush;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = PortPnp;
        driverObject.MajorFunction[(int)IrpMajorFunction.Power] = PortPower;
        driverObject.MajorFunction[(int)IrpMajorFunction.Scsi] = PortScsi;
        driverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = PortDeviceControl;
        driverObject.DriverStartIo = PortStartIo;
        driverObject.DriverExtension.AddDevice = PortAddDevice;
        driverObject.DriverUnload = PortUnload;
        return NtStatus.Success;
    }

    /// <summary>
    /// AddDevice: creates <c>\Device\{stem}N</c> (direct I/O), links <c>\??\{stem}N</c> to it and
    /// attaches it above the PDO. The adapter does nothing until IRP_MN_START_DEVICE.
    /// </summary>
    /// <param name="driverObject">The miniport's driver object.</param>
    /// <param name="physicalDeviceObject">The PDO the bus enumerated.</param>
    /// <returns>STATUS_SUCCESS, or the failure of IoCreateDevice / IoCreateSymbolicLink.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static ValueTask<NtStatus> PortAddDevice(DriverObject driverObject, DeviceObject physicalDeviceObject)
    {
        ArgumentNullException.ThrowIfNull(driverObject);
        var hw = (HwInitializationData)driverObject.IoGetDriverObjectExtension(HwKey)!;
        var number = driverObject.DeviceObjects.Count;
        var adapter = new StorageAdapter(hw) { PhysicalDeviceObject = physicalDeviceObject };
        var status = IoCreateDevice(driverObject, adapter, $"\\Device\\{hw.DeviceNameStem}{number}", DeviceType.Disk, 0, false, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        adapter.SymbolicLinkName = $"\\??\\{hw.DeviceNameStem}{number}";
        status = driverObject.Manager.Objects.IoCreateSymbolicLink(adapter.SymbolicLinkName, fdo!.Name!);
        if (!status.IsSuccess())
        {
            IoDeleteDevice(fdo);
            return ValueTask.FromResult(status);
        }
        adapter.Fdo = fdo;
        adapter.LowerDevice = IoAttachDeviceToDeviceStack(fdo, physicalDeviceObject);
        KeInitializeSpinLock(adapter.TagLock, "StorageAdapter.TagLock");
        IoInitializeTimer(fdo, PortTimer, adapter); // StoragePort.Timeout.cs
        IoInitializeRemoveLock(adapter.RemoveLock, RemoveLockTag, 0, 0);
        // Data moves by DMA into the requester's locked pages: the I/O manager builds Irp->MdlAddress.
        fdo.Flags |= DeviceObjectFlags.DirectIo;
        fdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE: nothing per open.</summary>
    private static async ValueTask<NtStatus> PortCreateClose(DeviceObject deviceObject, Irp irp)
    {
        _ = deviceObject;
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }

    /// <summary>
    /// IRP_MJ_READ and IRP_MJ_WRITE: a whole number of sectors inside the disk, no larger than the
    /// miniport's scatter/gather limit, is marked pending and queued to StartIo; anything else is
    /// completed here.
    /// </summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per request
    private static async ValueTask<NtStatus> PortReadWrite(DeviceObject deviceObject, Irp irp)
    {
        var adapter = deviceObject.GetExtension<StorageAdapter>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var length = stack.Parameters.Read.Length;
        var offset = stack.Parameters.Read.ByteOffset;
        var sector = adapter.SectorSize;
        // The remove lock stays acquired until the request completes (PortFinishRequest releases it).
        var status = IoAcquireRemoveLock(adapter.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await PortCompleteUnlocked(irp, status);
        }
        switch (adapter.Started)
        {
            case var _ when adapter.SurpriseRemoved:
                // Handling an IRP_MN_SURPRISE_REMOVAL Request: new I/O fails, the device is gone.
                status = NtStatus.NoSuchDevice;
                break;
            case false:
                status = NtStatus.DeviceNotReady;
                break;
            case true when offset < 0 || offset % sector != 0 || length % sector != 0
                || (offset / sector) + (length / sector) > adapter.SectorCount
                || length > (ulong)(adapter.Hw.MaximumSegments - 1) * MmLayout.PageSize:
                status = NtStatus.InvalidParameter;
                break;
            case true when length == 0:
                status = NtStatus.Success;
                break;
            default:
                IoMarkIrpPending(irp);
                if (!await PortHoldForPower(adapter, irp))
                {
                    await IoStartPacket(deviceObject, irp, null, null);
                    await PortPacketStarted(adapter);
                }
                return NtStatus.Pending;
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        IoReleaseRemoveLock(adapter.RemoveLock, irp);
        return status;
    }

    /// <summary>Completes a request that got no remove lock (STATUS_DELETE_PENDING: the device is being removed).</summary>
    private static async ValueTask<NtStatus> PortCompleteUnlocked(Irp irp, NtStatus status)
    {
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>DriverUnload: the last adapter was removed; the port keeps nothing per driver beyond its object extension.</summary>
    private static ValueTask PortUnload(DriverObject driverObject)
    {
        _ = driverObject;
        return ValueTask.CompletedTask;
    }

    /// <summary>IRP_MJ_FLUSH_BUFFERS: a FLUSH command through StartIo (the controller's write-back cache to the medium).</summary>
    private static async ValueTask<NtStatus> PortFlush(DeviceObject deviceObject, Irp irp)
    {
        var adapter = deviceObject.GetExtension<StorageAdapter>();
        var status = IoAcquireRemoveLock(adapter.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await PortCompleteUnlocked(irp, status);
        }
        if (!adapter.Started || adapter.SurpriseRemoved)
        {
            status = adapter.SurpriseRemoved ? NtStatus.NoSuchDevice : NtStatus.DeviceNotReady;
            await PortCompleteUnlocked(irp, status);
            IoReleaseRemoveLock(adapter.RemoveLock, irp);
            return status;
        }
        IoMarkIrpPending(irp);
        if (!await PortHoldForPower(deviceObject.GetExtension<StorageAdapter>(), irp))
        {
            await IoStartPacket(deviceObject, irp, null, null);
            await PortPacketStarted(deviceObject.GetExtension<StorageAdapter>());
        }
        return NtStatus.Pending;
    }

    /// <summary>Requests the port does not own go to the PDO.</summary>
    private static ValueTask<NtStatus> PortPassDown(DeviceObject deviceObject, Irp irp)
    {
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(deviceObject.GetExtension<StorageAdapter>().LowerDevice!, irp);
    }

    /// <summary>
    /// StoragePortNotification(RequestComplete): the miniport's ISR reports a finished request; the
    /// port's DPC completes it. The caller holds the interrupt spin lock (it is the ISR).
    /// </summary>
    /// <param name="notification">RequestComplete.</param>
    /// <param name="adapter">The adapter.</param>
    /// <param name="request">The finished request, its <see cref="StorageRequest.Status"/> set.</param>
    /// <remarks>IRQL = DIRQL, in HwInterrupt.</remarks>
    public static void StoragePortNotification(StorageNotification notification, StorageAdapter adapter, StorageRequest request)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(request);
        if (notification != StorageNotification.RequestComplete)
        {
            throw new ArgumentOutOfRangeException(nameof(notification));
        }
        request.NextCompleted = null;
        if (adapter.CompletedTail is { } tail)
        {
            tail.NextCompleted = request;
        }
        else
        {
            adapter.CompletedHead = request;
        }
        adapter.CompletedTail = request;
    }
}
