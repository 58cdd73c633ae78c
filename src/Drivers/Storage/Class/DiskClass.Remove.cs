/*++

Module Name:

    DiskClass.Remove.cs

Abstract:

    disk.sys's IRP_MN_REMOVE_DEVICE at its FDO (classpnp's ClassRemoveDevice / DiskRemoveDevice):
    the partition PDOs go with the disk (the PnP manager removed their stacks first, children before
    parents; the bus driver deletes a child's PDO with its own removal), their \??\HarddiskNPartitionK
    links, the disk's links \??\PhysicalDriveN and \Device\HarddiskN\Partition0 and its directory;
    the IRP goes down to the LUN's PDO, then the FDO detaches and is deleted, so that a removed disk
    leaves no device object and disk.sys can unload with its last disk.

    Left out: the remove lock (classpnp's ClassAcquireRemoveLock around every request): a request
    still inside disk.sys when the IRP comes is not waited for (its packets are at the port, which
    fails them).

Environment:

    Kernel mode, PASSIVE_LEVEL (the PnP manager's thread).

--*/

using System.Globalization;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage.Class;

public static partial class DiskClass
{
    /// <summary>DriverUnload: nothing to free (each disk's objects went with its removal); the PnP manager unloads disk.sys after its last disk.</summary>
    private static ValueTask DiskUnload(DriverObject driverObject)
    {
        _ = driverObject;
        return ValueTask.CompletedTask;
    }

    /// <summary>IRP_MN_REMOVE_DEVICE at the FDO: partitions deleted, links removed, passed down, detached, deleted.</summary>
    private static async ValueTask<NtStatus> DiskRemoveDevice(DeviceObject deviceObject, DiskFdoExtension fdo, Irp irp)
    {
        fdo.Started = false;
        var objects = deviceObject.DriverObject.Manager.Objects;
        foreach (var partition in fdo._partitions)
        {
            objects.IoDeleteSymbolicLink(string.Create(CultureInfo.InvariantCulture, $"\\??\\Harddisk{fdo.DiskNumber}Partition{partition.PartitionNumber}"));
            if (partition.DeviceObject is { } pdo)
            {
                partition.DeviceObject = null;
                IoDeleteDevice(pdo);
            }
        }
        fdo._partitions.Clear();
        var directory = string.Create(CultureInfo.InvariantCulture, $"\\Device\\Harddisk{fdo.DiskNumber}");
        objects.IoDeleteSymbolicLink(string.Create(CultureInfo.InvariantCulture, $"\\??\\PhysicalDrive{fdo.DiskNumber}"));
        objects.IoDeleteSymbolicLink(directory + "\\Partition0");
        irp.IoStatus.Status = NtStatus.Success;
        IoSkipCurrentIrpStackLocation(irp);
        var status = await IoCallDriver(fdo.LowerDevice!, irp);
        IoDetachDevice(fdo.LowerDevice!);
        IoDeleteDevice(deviceObject);
        objects.Remove(directory);
        return status;
    }
}
