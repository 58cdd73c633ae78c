/*++

Module Name:

    StoragePort.Ioctl.cs

Abstract:

    The port's answers to the storage IOCTLs a class driver asks at start: IOCTL_STORAGE_QUERY_PROPERTY
    (STORAGE_ADAPTER_DESCRIPTOR at the adapter FDO and the LUN PDO: MaximumTransferLength and
    MaximumPhysicalPages from the miniport's scatter/gather limit; STORAGE_DEVICE_DESCRIPTOR at the
    LUN PDO) and IOCTL_STORAGE_READ_CAPACITY at the LUN PDO (the capacity HwFindAdapter read).

    Left out: the other STORAGE_PROPERTY_IDs, IOCTL_SCSI_PASS_THROUGH, IOCTL_SCSI_GET_ADDRESS.

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

using System.Buffers.Binary;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage;

public static partial class StoragePort
{
    /// <summary>
    /// IRP_MJ_DEVICE_CONTROL: IOCTL_STORAGE_QUERY_PROPERTY (adapter and device descriptors) and
    /// IOCTL_STORAGE_READ_CAPACITY, at the PDO (the adapter descriptor also at the FDO).
    /// </summary>
    private static async ValueTask<NtStatus> PortDeviceControl(DeviceObject deviceObject, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        var adapter = deviceObject.DeviceExtension as StorageAdapter ?? ((StorageLun)deviceObject.DeviceExtension!).Adapter;
        var code = stack.Parameters.DeviceIoControl.IoControlCode;
        var input = stack.Parameters.DeviceIoControl.InputBufferLength;
        var output = stack.Parameters.DeviceIoControl.OutputBufferLength;
        var buffer = irp.SystemBuffer;
        NtStatus status;
        ulong information = 0;
        if (code == StorageIoctl.QueryProperty)
        {
            if (input < 8 || buffer is null)
            {
                status = NtStatus.InvalidParameter;
            }
            else
            {
                var property = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
                var query = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(4));
                var size = property switch
                {
                    StorageIoctl.StorageAdapterProperty => StorageIoctl.AdapterDescriptorSize,
                    StorageIoctl.StorageDeviceProperty when deviceObject.DeviceExtension is StorageLun => StorageIoctl.DeviceDescriptorSize,
                    _ => 0,
                };
                if (size == 0 || query > StorageIoctl.PropertyExistsQuery)
                {
                    status = NtStatus.InvalidDeviceRequest;
                }
                else if (query == StorageIoctl.PropertyExistsQuery)
                {
                    status = NtStatus.Success;
                }
                else if (output < size)
                {
                    status = NtStatus.BufferTooSmall;
                }
                else
                {
                    if (property == StorageIoctl.StorageAdapterProperty)
                    {
                        var pages = (uint)(adapter.Hw.MaximumSegments - 1);
                        StorageIoctl.WriteAdapterDescriptor(buffer, pages * MmLayout.PageSize, (uint)adapter.Hw.MaximumSegments, 3); // AlignmentMask: DWORD-aligned buffers
                    }
                    else
                    {
                        PortWriteDeviceDescriptor(buffer);
                    }
                    information = (ulong)size;
                    status = NtStatus.Success;
                }
            }
        }
        else if (code == StorageIoctl.ReadCapacity && deviceObject.DeviceExtension is StorageLun && buffer is not null)
        {
            if (output < StorageIoctl.ReadCapacitySize)
            {
                status = NtStatus.BufferTooSmall;
            }
            else
            {
                var span = buffer.AsSpan(0, StorageIoctl.ReadCapacitySize);
                span.Clear();
                BinaryPrimitives.WriteUInt32LittleEndian(span, StorageIoctl.ReadCapacitySize);       // Version
                BinaryPrimitives.WriteUInt32LittleEndian(span[4..], StorageIoctl.ReadCapacitySize);  // Size
                BinaryPrimitives.WriteUInt32LittleEndian(span[8..], adapter.SectorSize);             // BlockLength
                BinaryPrimitives.WriteInt64LittleEndian(span[16..], adapter.SectorCount);            // NumberOfBlocks
                BinaryPrimitives.WriteInt64LittleEndian(span[24..], adapter.SectorCount * adapter.SectorSize); // DiskLength
                information = StorageIoctl.ReadCapacitySize;
                status = adapter.Started ? NtStatus.Success : NtStatus.DeviceNotReady;
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

    /// <summary>STORAGE_DEVICE_DESCRIPTOR of a fixed direct-access device, its ID strings after the structure.</summary>
    private static void PortWriteDeviceDescriptor(Span<byte> buffer)
    {
        buffer[..StorageIoctl.DeviceDescriptorSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, StorageIoctl.DeviceDescriptorSize);       // Version
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[4..], StorageIoctl.DeviceDescriptorSize);  // Size (no room asked for the strings)
        buffer[8] = 0;                                                                           // DeviceType: DIRECT_ACCESS_DEVICE
        buffer[10] = 0;                                                                          // RemovableMedia
        buffer[11] = 1;                                                                          // CommandQueueing
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[28..], StorageIoctl.BusTypeScsi);        // BusType
    }
}
