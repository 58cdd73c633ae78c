/*++

Module Name:

    DiskClass.Ioctl.cs

Abstract:

    The disk IOCTLs, on the disk (partition zero) and on each partition: one switch, one exit.
    IOCTL_DISK_GET_DRIVE_GEOMETRY_EX (the disk's geometry as classpnp fakes it for a fixed disk:
    255 tracks per cylinder, 63 sectors per track; its size; the MBR's DISK_PARTITION_INFO),
    IOCTL_DISK_GET_PARTITION_INFO_EX (PARTITION_INFORMATION_EX, MBR style; the whole disk for
    partition zero), IOCTL_DISK_GET_LENGTH_INFO (the partition's length) and
    IOCTL_STORAGE_QUERY_PROPERTY (the descriptors the port returned at start, as classpnp keeps them).
    A buffer too small for the structure fails with STATUS_BUFFER_TOO_SMALL; anything else with
    STATUS_INVALID_DEVICE_REQUEST.

    Left out: DISK_DETECTION_INFO in the geometry, GPT, the layout IOCTLs, IOCTL_DISK_VERIFY.

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

using System.Buffers.Binary;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage.Class;

public static partial class DiskClass
{
    private const uint TracksPerCylinder = 0xFF;
    private const uint SectorsPerTrack = 0x3F;

    /// <summary>IRP_MJ_DEVICE_CONTROL.</summary>
    private static async ValueTask<NtStatus> DiskDeviceControl(DeviceObject deviceObject, Irp irp)
    {
        var common = deviceObject.GetExtension<DiskCommonExtension>();
        var fdo = common.PartitionZero;
        var stack = IoGetCurrentIrpStackLocation(irp);
        var code = stack.Parameters.DeviceIoControl.IoControlCode;
        var output = stack.Parameters.DeviceIoControl.OutputBufferLength;
        var buffer = irp.SystemBuffer;
        NtStatus status;
        ulong information = 0;
        if (!fdo.Started || buffer is null)
        {
            status = fdo.Started ? NtStatus.InvalidParameter : NtStatus.DeviceNotReady;
        }
        else if (code == StorageIoctl.DiskGetDriveGeometryEx)
        {
            if (output < StorageIoctl.DiskGeometryExMinimum)
            {
                status = NtStatus.BufferTooSmall;
            }
            else
            {
                information = Math.Min(output, (uint)StorageIoctl.DiskGeometryExSize);
                DiskWriteGeometryEx(fdo, buffer.AsSpan(0, (int)information));
                status = NtStatus.Success;
            }
        }
        else if (code == StorageIoctl.DiskGetPartitionInfoEx)
        {
            if (output < StorageIoctl.PartitionInformationExSize)
            {
                status = NtStatus.BufferTooSmall;
            }
            else
            {
                DiskWritePartitionInfoEx(common, buffer);
                information = StorageIoctl.PartitionInformationExSize;
                status = NtStatus.Success;
            }
        }
        else if (code == StorageIoctl.DiskGetLengthInfo)
        {
            if (output < StorageIoctl.LengthInformationSize)
            {
                status = NtStatus.BufferTooSmall;
            }
            else
            {
                BinaryPrimitives.WriteInt64LittleEndian(buffer, common.PartitionLength);
                information = StorageIoctl.LengthInformationSize;
                status = NtStatus.Success;
            }
        }
        else if (code == StorageIoctl.QueryProperty)
        {
            var property = stack.Parameters.DeviceIoControl.InputBufferLength >= 8 ? BinaryPrimitives.ReadUInt32LittleEndian(buffer) : uint.MaxValue;
            var query = stack.Parameters.DeviceIoControl.InputBufferLength >= 8 ? BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(4)) : uint.MaxValue;
            var descriptor = property switch
            {
                StorageIoctl.StorageAdapterProperty => fdo.AdapterDescriptor,
                StorageIoctl.StorageDeviceProperty => fdo.DeviceDescriptor,
                _ => [],
            };
            if (property == uint.MaxValue)
            {
                status = NtStatus.InvalidParameter;
            }
            else if (descriptor.Length == 0 || query > StorageIoctl.PropertyExistsQuery)
            {
                status = NtStatus.InvalidDeviceRequest;
            }
            else if (query == StorageIoctl.PropertyExistsQuery)
            {
                status = NtStatus.Success;
            }
            else
            {
                // A caller may ask for the header only (Version and Size: 8 bytes) to learn the size.
                information = Math.Min(output, (uint)descriptor.Length);
                status = information >= 8 ? NtStatus.Success : NtStatus.BufferTooSmall;
                if (status.IsSuccess())
                {
                    descriptor.AsSpan(0, (int)information).CopyTo(buffer);
                }
                else
                {
                    information = 0;
                }
            }
        }
        else
        {
            status = NtStatus.InvalidDeviceRequest;
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = status.IsSuccess() ? information : 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>DISK_GEOMETRY_EX: Cylinders, MediaType, TracksPerCylinder, SectorsPerTrack, BytesPerSector, DiskSize, then DISK_PARTITION_INFO.</summary>
    private static void DiskWriteGeometryEx(DiskFdoExtension fdo, Span<byte> buffer)
    {
        Span<byte> all = stackalloc byte[StorageIoctl.DiskGeometryExSize];
        all.Clear();
        var cylinders = fdo.SectorCount / (TracksPerCylinder * SectorsPerTrack);
        BinaryPrimitives.WriteInt64LittleEndian(all, cylinders);
        BinaryPrimitives.WriteUInt32LittleEndian(all[8..], StorageIoctl.FixedMedia);
        BinaryPrimitives.WriteUInt32LittleEndian(all[12..], TracksPerCylinder);
        BinaryPrimitives.WriteUInt32LittleEndian(all[16..], SectorsPerTrack);
        BinaryPrimitives.WriteUInt32LittleEndian(all[20..], fdo.BytesPerSector);
        BinaryPrimitives.WriteInt64LittleEndian(all[24..], fdo.PartitionLength);
        // DISK_PARTITION_INFO: SizeOfPartitionInfo, PartitionStyle, Mbr.Signature, Mbr.CheckSum.
        BinaryPrimitives.WriteUInt32LittleEndian(all[32..], 24);
        BinaryPrimitives.WriteUInt32LittleEndian(all[36..], StorageIoctl.PartitionStyleMbr);
        BinaryPrimitives.WriteUInt32LittleEndian(all[40..], fdo.Signature);
        all[..buffer.Length].CopyTo(buffer);
    }

    /// <summary>PARTITION_INFORMATION_EX (MBR): style, StartingOffset, PartitionLength, PartitionNumber, then PARTITION_INFORMATION_MBR.</summary>
    private static void DiskWritePartitionInfoEx(DiskCommonExtension partition, Span<byte> buffer)
    {
        var info = buffer[..StorageIoctl.PartitionInformationExSize];
        info.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(info, StorageIoctl.PartitionStyleMbr);
        BinaryPrimitives.WriteInt64LittleEndian(info[8..], partition.StartingOffset);
        BinaryPrimitives.WriteInt64LittleEndian(info[16..], partition.PartitionLength);
        BinaryPrimitives.WriteUInt32LittleEndian(info[24..], (uint)partition.PartitionNumber);
        info[28] = 0;                                            // RewritePartition
        info[32] = partition.PartitionType;                      // Mbr.PartitionType
        info[33] = partition.BootIndicator ? (byte)1 : (byte)0;  // Mbr.BootIndicator
        info[34] = partition.PartitionType != 0 ? (byte)1 : (byte)0; // Mbr.RecognizedPartition
        BinaryPrimitives.WriteUInt32LittleEndian(info[36..], (uint)(partition.StartingOffset / partition.PartitionZero.BytesPerSector)); // Mbr.HiddenSectors
    }
}
