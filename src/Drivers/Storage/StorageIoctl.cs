/*++

Module Name:

    StorageIoctl.cs

Abstract:

    The storage and disk control codes of ntddstor.h and ntdddisk.h that the port and the disk
    class driver answer, with the byte layouts (x64) of the structures they return, so a user
    program reads them as it would on Windows.

Environment:

    Kernel and user mode.

--*/

using System.Buffers.Binary;
using ActorKernel.Actors;

namespace ActorKernel.Drivers.Storage;

/// <summary>Control codes (CTL_CODE as in ntddstor.h / ntdddisk.h).</summary>
public static class StorageIoctl
{
    /// <summary>IOCTL_STORAGE_QUERY_PROPERTY (0x2D1400): CTL_CODE(IOCTL_STORAGE_BASE, 0x0500, METHOD_BUFFERED, FILE_ANY_ACCESS).</summary>
    public static readonly IoControlCode QueryProperty = IoControlCode.CtlCode(DeviceType.MassStorage, 0x0500, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    /// <summary>IOCTL_STORAGE_READ_CAPACITY (0x2D5140): CTL_CODE(IOCTL_STORAGE_BASE, 0x0450, METHOD_BUFFERED, FILE_READ_ACCESS).</summary>
    public static readonly IoControlCode ReadCapacity = IoControlCode.CtlCode(DeviceType.MassStorage, 0x0450, TransferMethod.MethodBuffered, IoctlAccess.FileReadAccess);

    /// <summary>IOCTL_DISK_GET_PARTITION_INFO_EX (0x70048): CTL_CODE(IOCTL_DISK_BASE, 0x0012, METHOD_BUFFERED, FILE_ANY_ACCESS).</summary>
    public static readonly IoControlCode DiskGetPartitionInfoEx = IoControlCode.CtlCode(DeviceType.Disk, 0x0012, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    /// <summary>IOCTL_DISK_GET_LENGTH_INFO (0x7405C): CTL_CODE(IOCTL_DISK_BASE, 0x0017, METHOD_BUFFERED, FILE_READ_ACCESS).</summary>
    public static readonly IoControlCode DiskGetLengthInfo = IoControlCode.CtlCode(DeviceType.Disk, 0x0017, TransferMethod.MethodBuffered, IoctlAccess.FileReadAccess);

    /// <summary>IOCTL_DISK_GET_DRIVE_GEOMETRY_EX (0x700A0): CTL_CODE(IOCTL_DISK_BASE, 0x0028, METHOD_BUFFERED, FILE_ANY_ACCESS).</summary>
    public static readonly IoControlCode DiskGetDriveGeometryEx = IoControlCode.CtlCode(DeviceType.Disk, 0x0028, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    /// <summary>StorageDeviceProperty (0), STORAGE_PROPERTY_ID.</summary>
    public const uint StorageDeviceProperty = 0;

    /// <summary>StorageAdapterProperty (1).</summary>
    public const uint StorageAdapterProperty = 1;

    /// <summary>PropertyStandardQuery (0), STORAGE_QUERY_TYPE.</summary>
    public const uint PropertyStandardQuery = 0;

    /// <summary>PropertyExistsQuery (1).</summary>
    public const uint PropertyExistsQuery = 1;

    /// <summary>sizeof(STORAGE_PROPERTY_QUERY): PropertyId, QueryType, AdditionalParameters[1] (padded).</summary>
    public const int PropertyQuerySize = 12;

    /// <summary>sizeof(STORAGE_ADAPTER_DESCRIPTOR) (x64): through AddressType at offset 27, padded to 32.</summary>
    public const int AdapterDescriptorSize = 32;

    /// <summary>sizeof(STORAGE_DEVICE_DESCRIPTOR) (x64), without the raw properties.</summary>
    public const int DeviceDescriptorSize = 40;

    /// <summary>sizeof(STORAGE_READ_CAPACITY).</summary>
    public const int ReadCapacitySize = 32;

    /// <summary>sizeof(GET_LENGTH_INFORMATION).</summary>
    public const int LengthInformationSize = 8;

    /// <summary>sizeof(PARTITION_INFORMATION_EX) (x64).</summary>
    public const int PartitionInformationExSize = 144;

    /// <summary>FIELD_OFFSET(DISK_GEOMETRY_EX, Data): DISK_GEOMETRY (24 bytes) and DiskSize.</summary>
    public const int DiskGeometryExMinimum = 32;

    /// <summary>sizeof(DISK_GEOMETRY_EX) with DISK_PARTITION_INFO (MBR) after it, as disk.sys returns it.</summary>
    public const int DiskGeometryExSize = 32 + 24;

    /// <summary>FixedMedia (12), MEDIA_TYPE.</summary>
    public const uint FixedMedia = 12;

    /// <summary>BusTypeScsi (1), STORAGE_BUS_TYPE.</summary>
    public const byte BusTypeScsi = 1;

    /// <summary>PARTITION_STYLE_MBR (0).</summary>
    public const uint PartitionStyleMbr = 0;

    /// <summary>Writes STORAGE_ADAPTER_DESCRIPTOR.</summary>
    /// <param name="buffer">The output buffer (at least <see cref="AdapterDescriptorSize"/> bytes).</param>
    /// <param name="maximumTransferLength">MaximumTransferLength.</param>
    /// <param name="maximumPhysicalPages">MaximumPhysicalPages.</param>
    /// <param name="alignmentMask">AlignmentMask.</param>
    public static void WriteAdapterDescriptor(Span<byte> buffer, uint maximumTransferLength, uint maximumPhysicalPages, uint alignmentMask)
    {
        buffer[..AdapterDescriptorSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, AdapterDescriptorSize);          // Version
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[4..], AdapterDescriptorSize);     // Size
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[8..], maximumTransferLength);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[12..], maximumPhysicalPages);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[16..], alignmentMask);
        buffer[20] = 0;            // AdapterUsesPio: a bus master
        buffer[21] = 0;            // AdapterScansDown
        buffer[22] = 1;            // CommandQueueing: tagged requests
        buffer[23] = 0;            // AcceleratedTransfer
        buffer[24] = BusTypeScsi;  // BusType
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[26..], 1); // BusMajorVersion
    }

    /// <summary>STORAGE_ADAPTER_DESCRIPTOR.MaximumTransferLength.</summary>
    /// <param name="descriptor">The descriptor's bytes.</param>
    /// <returns>The value.</returns>
    public static uint ReadMaximumTransferLength(ReadOnlySpan<byte> descriptor) => BinaryPrimitives.ReadUInt32LittleEndian(descriptor[8..]);

    /// <summary>STORAGE_ADAPTER_DESCRIPTOR.MaximumPhysicalPages.</summary>
    /// <param name="descriptor">The descriptor's bytes.</param>
    /// <returns>The value.</returns>
    public static uint ReadMaximumPhysicalPages(ReadOnlySpan<byte> descriptor) => BinaryPrimitives.ReadUInt32LittleEndian(descriptor[12..]);
}
