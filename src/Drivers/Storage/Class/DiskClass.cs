/*++

Module Name:

    DiskClass.cs

Abstract:

    disk.sys, the disk class driver (in the spirit of classpnp and the WDK's storage/class/disk
    sample). Its FDO attaches to a LUN PDO of a port driver (the PnP registry matches GenDisk):
    \Device\HarddiskN\DR0 with the links \Device\HarddiskN\Partition0 and \??\PhysicalDriveN. At
    IRP_MN_START_DEVICE, after the PDO started, it asks the port for the adapter and device
    descriptors (IOCTL_STORAGE_QUERY_PROPERTY: MaximumTransferLength and MaximumPhysicalPages give
    the largest piece of one SRB) and the capacity (IOCTL_STORAGE_READ_CAPACITY), then reads
    sector 0 with a READ(10) SRB and makes a PDO for each used entry of an MBR partition table,
    \Device\HarddiskN\PartitionK (\??\HarddiskNPartitionK), which it reports in BusRelations. The
    partition PDOs are raw (RawDeviceOK): disk.sys itself serves them. Reads and writes
    (DiskClass.ReadWrite.cs) and the disk IOCTLs (DiskClass.Ioctl.cs) work the same on the disk
    and on a partition, relative to the partition.

    Left out: GPT, IOCTL_DISK_SET_DRIVE_LAYOUT (partition changes at run time), retries of failed
    SRBs, removable media, the disk's own power management, WMI, failure prediction.

Environment:

    Kernel mode. PnP at PASSIVE_LEVEL in the PnP manager's thread; reads and writes at
    PASSIVE_LEVEL in the requester's context; transfer completion at DISPATCH_LEVEL.

--*/

using System.Buffers.Binary;
using System.Globalization;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage.Class;

/// <summary>The disk class driver (<c>disk.sys</c>).</summary>
public static partial class DiskClass
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "disk";

    /// <summary>The image name.</summary>
    public const string ImageName = "disk.sys";

    /// <summary>The hardware ID of a partition PDO.</summary>
    public const string PartitionHardwareId = "STORAGE\\Partition";

    private const uint DiskPoolTag = 0x6B736944; // "Disk"

    // The driver-object extension key: the next disk number.
    private static readonly object DriverDataKey = new();

    private sealed class DiskDriverData
    {
        public int NextDiskNumber;
    }

    /// <summary>DriverEntry: the dispatch table and AddDevice.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>STATUS_SUCCESS.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        ArgumentNullException.ThrowIfNull(driverObject);
        _ = registryPath;
        driverObject.IoAllocateDriverObjectExtension(DriverDataKey, new DiskDriverData());
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = DiskCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = DiskCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Cleanup] = DiskCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Read] = DiskReadWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.Write] = DiskReadWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = DiskDeviceControl;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = DiskPnp;
        driverObject.MajorFunction[(int)IrpMajorFunction.Power] = DiskPower;
        driverObject.DriverExtension.AddDevice = DiskAddDevice;
        driverObject.DriverUnload = DiskUnload; // DiskClass.Remove.cs
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>
    /// AddDevice (DiskCreateFdo): the directory \Device\HarddiskN, the FDO \Device\HarddiskN\DR0
    /// (direct I/O, its sector alignment from the port), the links Partition0 and PhysicalDriveN,
    /// attached above the LUN PDO.
    /// </summary>
    private static ValueTask<NtStatus> DiskAddDevice(DriverObject driverObject, DeviceObject physicalDeviceObject)
    {
        var data = (DiskDriverData)driverObject.IoGetDriverObjectExtension(DriverDataKey)!;
        var number = data.NextDiskNumber++;
        var objects = driverObject.Manager.Objects;
        var directory = string.Create(CultureInfo.InvariantCulture, $"\\Device\\Harddisk{number}");
        var status = objects.Insert(directory, new ObjectDirectory());
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        var extension = new DiskFdoExtension { DiskNumber = number, PhysicalDevice = physicalDeviceObject, DeviceName = directory + "\\DR" + number.ToString(CultureInfo.InvariantCulture) };
        status = IoCreateDevice(driverObject, extension, extension.DeviceName, DeviceType.Disk, 0, false, out var fdo);
        if (!status.IsSuccess())
        {
            objects.Remove(directory);
            return ValueTask.FromResult(status);
        }
        extension.DeviceObject = fdo;
        objects.IoCreateSymbolicLink(directory + "\\Partition0", extension.DeviceName);
        objects.IoCreateSymbolicLink(string.Create(CultureInfo.InvariantCulture, $"\\??\\PhysicalDrive{number}"), extension.DeviceName);
        extension.LowerDevice = IoAttachDeviceToDeviceStack(fdo!, physicalDeviceObject);
        fdo!.Flags |= DeviceObjectFlags.DirectIo;
        fdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE: nothing per open (a disk not started refuses opens).</summary>
    private static async ValueTask<NtStatus> DiskCreateClose(DeviceObject deviceObject, Irp irp)
    {
        var common = deviceObject.GetExtension<DiskCommonExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var status = stack.MajorFunction == IrpMajorFunction.Create && !common.PartitionZero.Started ? NtStatus.DeviceNotReady : NtStatus.Success;
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>IRP_MJ_POWER: the FDO passes it down; a partition PDO completes it with its status.</summary>
    private static async ValueTask<NtStatus> DiskPower(DeviceObject deviceObject, Irp irp)
    {
        if (deviceObject.DeviceExtension is DiskFdoExtension fdo)
        {
            IoSkipCurrentIrpStackLocation(irp);
            return await IoCallDriver(fdo.LowerDevice!, irp);
        }
        var status = irp.IoStatus.Status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>IRP_MJ_PNP: the FDO's (start, BusRelations) or a partition PDO's.</summary>
    private static async ValueTask<NtStatus> DiskPnp(DeviceObject deviceObject, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        if (deviceObject.DeviceExtension is not DiskFdoExtension fdo)
        {
            return await DiskPartitionPnp(deviceObject.GetExtension<DiskCommonExtension>(), irp);
        }
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.StartDevice:
                irp.IoStatus.Status = NtStatus.Success;
                var status = await IoForwardIrpSynchronously(fdo.LowerDevice!, irp) ? irp.IoStatus.Status : NtStatus.InvalidDeviceRequest;
                if (status.IsSuccess())
                {
                    status = await DiskStartFdo(fdo);
                }
                irp.IoStatus.Status = status;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return status;
            case PnpMinorFunction.QueryDeviceRelations when stack.Parameters.QueryDeviceRelations.Type == DeviceRelationType.BusRelations:
                var children = new List<DeviceObject>();
                foreach (var partition in fdo.Partitions)
                {
                    partition.DeviceObject!.ObReferenceObject(); // the PnP manager drops it, or keeps it for a new device node
                    children.Add(partition.DeviceObject);
                }
                irp.IoStatus.InformationPointer = new DeviceRelations(children);
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.RemoveDevice:
                return await DiskRemoveDevice(deviceObject, fdo, irp); // DiskClass.Remove.cs
        }
        IoSkipCurrentIrpStackLocation(irp);
        return await IoCallDriver(fdo.LowerDevice!, irp);
    }

    /// <summary>
    /// DiskStartFdo: the descriptors and capacity from the port, then the partition table from
    /// sector 0 (a disk without the 0x55AA signature has no partitions, only partition zero).
    /// </summary>
    private static async ValueTask<NtStatus> DiskStartFdo(DiskFdoExtension fdo)
    {
        var adapter = new byte[StorageIoctl.AdapterDescriptorSize];
        var status = await DiskQueryProperty(fdo, StorageIoctl.StorageAdapterProperty, adapter);
        if (!status.IsSuccess())
        {
            return status;
        }
        fdo.AdapterDescriptor = adapter;
        var device = new byte[StorageIoctl.DeviceDescriptorSize];
        if ((await DiskQueryProperty(fdo, StorageIoctl.StorageDeviceProperty, device)).IsSuccess())
        {
            fdo.DeviceDescriptor = device;
        }
        // classpnp's HwMaxXferLen: a buffer that does not start on a page needs one page more than its length.
        var pages = StorageIoctl.ReadMaximumPhysicalPages(adapter);
        fdo.MaximumTransferLength = Math.Min(StorageIoctl.ReadMaximumTransferLength(adapter), pages > 1 ? (pages - 1) * MmLayout.PageSize : MmLayout.PageSize);

        var capacity = new byte[StorageIoctl.ReadCapacitySize];
        status = await DiskSynchronousIoctl(fdo, StorageIoctl.ReadCapacity, null, capacity);
        if (!status.IsSuccess())
        {
            return status;
        }
        fdo.BytesPerSector = BinaryPrimitives.ReadUInt32LittleEndian(capacity.AsSpan(8));
        fdo.SectorCount = BinaryPrimitives.ReadInt64LittleEndian(capacity.AsSpan(16));
        fdo.PartitionLength = fdo.SectorCount * fdo.BytesPerSector;
        fdo.MaximumTransferLength -= fdo.MaximumTransferLength % fdo.BytesPerSector;

        var sector = new byte[fdo.BytesPerSector];
        status = await DiskReadSectorZero(fdo, sector);
        if (!status.IsSuccess())
        {
            return status;
        }
        fdo.Started = true;
        return DiskCreatePartitions(fdo, sector);
    }

    /// <summary>ClassGetDescriptor: IOCTL_STORAGE_QUERY_PROPERTY (PropertyStandardQuery) to the device below.</summary>
    private static ValueTask<NtStatus> DiskQueryProperty(DiskFdoExtension fdo, uint propertyId, byte[] output)
    {
        var query = new byte[StorageIoctl.PropertyQuerySize];
        BinaryPrimitives.WriteUInt32LittleEndian(query, propertyId);
        BinaryPrimitives.WriteUInt32LittleEndian(query.AsSpan(4), StorageIoctl.PropertyStandardQuery);
        return DiskSynchronousIoctl(fdo, StorageIoctl.QueryProperty, query, output);
    }

    /// <summary>A buffered IOCTL to the device below, waited for (PASSIVE_LEVEL).</summary>
    private static async ValueTask<NtStatus> DiskSynchronousIoctl(DiskFdoExtension fdo, IoControlCode code, byte[]? input, byte[] output)
    {
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var iosb = new IoStatusBlock();
        var inputBuffer = input is null ? null : new UserBuffer(0, input);
        var irp = IoBuildDeviceIoControlRequest(code, fdo.LowerDevice!, inputBuffer, (uint)(input?.Length ?? 0), new UserBuffer(0, output), (uint)output.Length, false, done.IoSignal, iosb);
        if (irp is null)
        {
            return NtStatus.InsufficientResources;
        }
        var status = await IoCallDriver(fdo.LowerDevice!, irp);
        if (status == NtStatus.Pending)
        {
            await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            status = iosb.Status;
        }
        return status;
    }
}
