/*++

Module Name:

    DiskClass.Partition.cs

Abstract:

    The partitions of a disk: the PDOs disk.sys makes from the MBR's primary entries at start
    (\Device\HarddiskN\PartitionK, linked as \??\HarddiskNPartitionK) and their PnP: hardware ID
    STORAGE\Partition, RawDeviceOK (no function driver: disk.sys serves them), instance
    HarddiskNPartitionK.

    Left out: extended partitions, GPT, a partition table that changes at run time.

Environment:

    Kernel mode, PASSIVE_LEVEL in the PnP manager's thread.

--*/

using System.Buffers.Binary;
using System.Globalization;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage.Class;

public static partial class DiskClass
{
    /// <summary>A partition PDO's PnP: IDs, raw capabilities, start; every other request completes with the status it came with.</summary>
    private static async ValueTask<NtStatus> DiskPartitionPnp(DiskCommonExtension partition, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.QueryId:
                object? id = stack.Parameters.QueryId.IdType switch
                {
                    BusQueryIdType.DeviceId => PartitionHardwareId,
                    BusQueryIdType.HardwareIds => new[] { PartitionHardwareId },
                    BusQueryIdType.CompatibleIds => Array.Empty<string>(),
                    BusQueryIdType.InstanceId => string.Create(CultureInfo.InvariantCulture, $"Harddisk{partition.PartitionZero.DiskNumber}Partition{partition.PartitionNumber}"),
                    _ => null,
                };
                if (id is not null)
                {
                    irp.IoStatus.InformationPointer = id;
                    irp.IoStatus.Status = NtStatus.Success;
                }
                break;
            case PnpMinorFunction.QueryCapabilities:
                if (stack.Parameters.DeviceCapabilities.Capabilities is { } capabilities)
                {
                    capabilities.RawDeviceOk = true; // disk.sys serves the partition itself
                    capabilities.SilentInstall = true;
                    capabilities.UniqueId = true;
                    capabilities.Address = (uint)partition.PartitionNumber;
                }
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.StartDevice:
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
            case PnpMinorFunction.RemoveDevice:
                irp.IoStatus.Status = NtStatus.Success; // the PDO stays while its table entry does
                break;
            case PnpMinorFunction.QueryDeviceRelations when stack.Parameters.QueryDeviceRelations.Type == DeviceRelationType.TargetDeviceRelation:
                partition.DeviceObject!.ObReferenceObject();
                irp.IoStatus.InformationPointer = new DeviceRelations([partition.DeviceObject]);
                irp.IoStatus.Status = NtStatus.Success;
                break;
        }
        var status = irp.IoStatus.Status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>An MBR's four primary entries: a PDO for each used one (type not 0), numbered in table order.</summary>
    private static NtStatus DiskCreatePartitions(DiskFdoExtension fdo, ReadOnlySpan<byte> mbr)
    {
        if (fdo.Partitions.Count > 0 || mbr.Length < 512 || mbr[510] != 0x55 || mbr[511] != 0xAA)
        {
            return NtStatus.Success;
        }
        fdo.Signature = BinaryPrimitives.ReadUInt32LittleEndian(mbr[0x1B8..]);
        var objects = fdo.DeviceObject!.DriverObject.Manager.Objects;
        for (var entry = 0; entry < 4; entry++)
        {
            var e = mbr.Slice(0x1BE + (16 * entry), 16);
            var type = e[4];
            var first = BinaryPrimitives.ReadUInt32LittleEndian(e[8..]);
            var count = BinaryPrimitives.ReadUInt32LittleEndian(e[12..]);
            if (type == 0 || count == 0)
            {
                continue;
            }
            var number = fdo.Partitions.Count + 1;
            var partition = new DiskCommonExtension(fdo)
            {
                PartitionNumber = number,
                PartitionType = type,
                BootIndicator = e[0] == 0x80,
                StartingOffset = (long)first * fdo.BytesPerSector,
                PartitionLength = (long)count * fdo.BytesPerSector,
                DeviceName = string.Create(CultureInfo.InvariantCulture, $"\\Device\\Harddisk{fdo.DiskNumber}\\Partition{number}"),
            };
            var status = IoCreateDevice(fdo.DeviceObject.DriverObject, partition, partition.DeviceName, DeviceType.Disk, 0, false, out var pdo);
            if (!status.IsSuccess())
            {
                return status;
            }
            partition.DeviceObject = pdo;
            objects.IoCreateSymbolicLink(string.Create(CultureInfo.InvariantCulture, $"\\??\\Harddisk{fdo.DiskNumber}Partition{number}"), partition.DeviceName);
            pdo!.Flags |= DeviceObjectFlags.DirectIo | DeviceObjectFlags.BusEnumeratedDevice;
            pdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            fdo._partitions.Add(partition);
        }
        return NtStatus.Success;
    }
}
