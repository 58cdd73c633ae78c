/*++

Module Name:

    UsbStor.Fdo.cs

Abstract:

    The FDO of usbstor.sys on the USB device: IRP_MN_START_DEVICE (after the hub's PDO started)
    reads the device descriptor and the whole configuration (GET_DESCRIPTOR from the device),
    selects the configuration with the mass-storage interface (URB_FUNCTION_SELECT_CONFIGURATION:
    the port opens a pipe per endpoint) and keeps its bulk-in and bulk-out pipes, asks Get Max LUN
    (a device that STALLs it has one LUN, BOT 3.2), then sends INQUIRY and READ CAPACITY(10) to each
    unit through the Bulk-Only Transport (UsbStor.Scsi.cs). BusRelations reports a PDO per unit.
    IRP_MN_SURPRISE_REMOVAL marks the device gone (every SRB from then on fails with
    SRB_STATUS_NO_DEVICE); IRP_MN_REMOVE_DEVICE waits for the SRBs inside (the remove lock), deletes
    the units' PDOs, passes the IRP down, detaches and deletes the FDO.

Environment:

    Kernel mode, PASSIVE_LEVEL (the PnP manager's thread); the start-up commands wait there.

--*/

using System.Buffers.Binary;
using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Usb.Storage;

public static partial class UsbStor
{
    private static readonly Func<BotCommand, ValueTask> SignalWaiter = UsbStorSignalWaiter;

    /// <summary>The FDO's PnP: start, BusRelations, removal; everything else passes down.</summary>
    private static async ValueTask<NtStatus> UsbStorFdoPnp(DeviceObject deviceObject, UsbStorFdoExtension fdo, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.StartDevice:
                irp.IoStatus.Status = NtStatus.Success;
                var status = await IoForwardIrpSynchronously(fdo.LowerDevice!, irp) ? irp.IoStatus.Status : NtStatus.InvalidDeviceRequest;
                if (status.IsSuccess())
                {
                    status = await UsbStorStartDevice(fdo);
                }
                irp.IoStatus.Status = status;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return status;
            case PnpMinorFunction.QueryDeviceRelations when stack.Parameters.QueryDeviceRelations.Type == DeviceRelationType.BusRelations:
                if (fdo.Started && !fdo.Removed)
                {
                    UsbStorCreateLunPdos(deviceObject.DriverObject, fdo);
                    var children = new List<DeviceObject>();
                    foreach (var lun in fdo.Luns)
                    {
                        lun.Pdo!.ObReferenceObject(); // the PnP manager drops it, or keeps it for a new device node
                        children.Add(lun.Pdo);
                    }
                    irp.IoStatus.InformationPointer = new DeviceRelations(children);
                    irp.IoStatus.Status = NtStatus.Success;
                }
                break;
            case PnpMinorFunction.SurpriseRemoval:
                // The device left the bus: nothing more reaches it; the SRB on the wire fails at the port (USBD_STATUS_DEVICE_GONE).
                fdo.Removed = true;
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.RemoveDevice:
                return await UsbStorRemoveFdo(deviceObject, fdo, irp);
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
            case PnpMinorFunction.QueryStopDevice:
            case PnpMinorFunction.CancelStopDevice:
                irp.IoStatus.Status = NtStatus.Success;
                break;
        }
        IoSkipCurrentIrpStackLocation(irp);
        return await IoCallDriver(fdo.LowerDevice!, irp);
    }

    /// <summary>Removing a Device in a Function Driver: fail what comes, wait for the SRBs inside, delete the units, pass down, detach, delete.</summary>
    private static async ValueTask<NtStatus> UsbStorRemoveFdo(DeviceObject deviceObject, UsbStorFdoExtension fdo, Irp irp)
    {
        fdo.Removed = true;
        if (IoAcquireRemoveLock(fdo.RemoveLock, irp).IsSuccess())
        {
            await IoReleaseRemoveLockAndWait(fdo.RemoveLock, irp);
        }
        foreach (var lun in fdo._luns.ToArray())
        {
            UsbStorDeleteLunPdo(fdo, lun); // a child the PnP manager already removed: the bus driver deletes its PDO with the bus
        }
        if (fdo.Pool != 0)
        {
            ExFreePoolWithTag(fdo.Pool, PoolTag);
            fdo.Pool = 0;
        }
        fdo.Started = false;
        irp.IoStatus.Status = NtStatus.Success;
        IoSkipCurrentIrpStackLocation(irp);
        var status = await IoCallDriver(fdo.LowerDevice!, irp);
        IoDetachDevice(fdo.LowerDevice!);
        IoDeleteDevice(deviceObject);
        return status;
    }

    /// <summary>USBSTOR_FdoHandleStartDevice: descriptors, configuration, pipes, LUNs, and each unit's INQUIRY and capacity.</summary>
    private static async ValueTask<NtStatus> UsbStorStartDevice(UsbStorFdoExtension fdo)
    {
        if (fdo.Pool == 0)
        {
            fdo.Pool = ExAllocatePoolWithTag(PoolType.NonPagedPool, PoolSize, PoolTag);
            if (fdo.Pool == 0)
            {
                return NtStatus.InsufficientResources;
            }
        }
        var device = await UsbStorGetDescriptor(fdo, UsbDescriptorType.Device, UsbDeviceDescriptor.Size);
        if (device is null)
        {
            return NtStatus.IoDeviceError;
        }
        fdo.DeviceDescriptor = UsbDeviceDescriptor.Read(device);
        var header = await UsbStorGetDescriptor(fdo, UsbDescriptorType.Configuration, UsbConfigurationDescriptor.Size);
        if (header is null)
        {
            return NtStatus.IoDeviceError;
        }
        var total = Math.Min(UsbConfigurationDescriptor.Read(header).TotalLength, PoolSize - 128);
        var configuration = await UsbStorGetDescriptor(fdo, UsbDescriptorType.Configuration, total);
        if (configuration is null)
        {
            return NtStatus.IoDeviceError;
        }
        var status = await UsbStorSelectConfiguration(fdo, configuration);
        if (!status.IsSuccess())
        {
            return status;
        }
        fdo.MaxLun = await UsbStorGetMaxLun(fdo);
        for (byte lun = 0; lun <= fdo.MaxLun; lun++)
        {
            var unit = fdo._luns.Find(l => l.Lun == lun) ?? new UsbStorPdoExtension(fdo, lun);
            status = await UsbStorIdentifyUnit(fdo, unit);
            if (!status.IsSuccess())
            {
                return status;
            }
            if (!fdo._luns.Contains(unit))
            {
                fdo._luns.Add(unit);
            }
        }
        fdo.Started = true;
        return NtStatus.Success;
    }

    /// <summary>GET_DESCRIPTOR from the device into the scratch buffer; the bytes, or null when the device did not answer.</summary>
    private static async ValueTask<byte[]?> UsbStorGetDescriptor(UsbStorFdoExtension fdo, UsbDescriptorType type, uint length)
    {
        var urb = new UrbControlDescriptorRequest
        {
            DescriptorType = type,
            Index = 0,
            TransferBuffer = fdo.ScratchBuffer,
            TransferBufferLength = length,
        };
        var status = await UsbStorSyncUrb(fdo, urb);
        if (!status.IsSuccess() || urb.TransferBufferLength < Math.Min(length, 2u))
        {
            return null;
        }
        var bytes = new byte[urb.TransferBufferLength];
        await RtlCopyMemory(bytes.AsSpan(), fdo.ScratchBuffer);
        return bytes;
    }

    /// <summary>
    /// Selects the configuration: the first interface of class 08, subclass 06, protocol 50 with a
    /// bulk-in and a bulk-out endpoint (USBSTOR_SelectConfigurationAndInterface).
    /// </summary>
    private static async ValueTask<NtStatus> UsbStorSelectConfiguration(UsbStorFdoExtension fdo, byte[] configuration)
    {
        var found = false;
        foreach (var (descriptor, endpoints) in UsbConfiguration.Parse(configuration))
        {
            if (descriptor.InterfaceClass == UsbMassStorage.InterfaceClass && descriptor.InterfaceSubClass == UsbMassStorage.SubClassScsi
                && descriptor.InterfaceProtocol == UsbMassStorage.ProtocolBulkOnly
                && endpoints.Any(e => e.Type == UsbEndpointType.Bulk && e.IsIn) && endpoints.Any(e => e.Type == UsbEndpointType.Bulk && !e.IsIn))
            {
                fdo.Interface = descriptor;
                found = true;
                break;
            }
        }
        if (!found)
        {
            return NtStatus.DeviceConfigurationError;
        }
        var select = Usbd.CreateConfigurationRequestEx(configuration);
        var status = await UsbStorSyncUrb(fdo, select);
        if (!status.IsSuccess())
        {
            return status;
        }
        var info = select.Interfaces.First(i => i.InterfaceNumber == fdo.Interface.InterfaceNumber);
        fdo.BulkIn = info.Pipes.FirstOrDefault(p => p.PipeType == UsbdPipeType.Bulk && (p.EndpointAddress & UsbEndpointDescriptor.DirectionIn) != 0);
        fdo.BulkOut = info.Pipes.FirstOrDefault(p => p.PipeType == UsbdPipeType.Bulk && (p.EndpointAddress & UsbEndpointDescriptor.DirectionIn) == 0);
        return fdo.BulkIn?.PipeHandle is null || fdo.BulkOut?.PipeHandle is null ? NtStatus.DeviceConfigurationError : NtStatus.Success;
    }

    /// <summary>Get Max LUN (BOT 3.2): one byte; a device that STALLs the request has LUN 0 only.</summary>
    private static async ValueTask<byte> UsbStorGetMaxLun(UsbStorFdoExtension fdo)
    {
        var urb = new UrbControlVendorOrClassRequest(UrbFunction.ClassInterface)
        {
            TransferFlags = UsbdTransferFlags.DirectionIn | UsbdTransferFlags.ShortTransferOk,
            Request = UsbMassStorage.RequestGetMaxLun,
            Index = fdo.Interface.InterfaceNumber,
            TransferBuffer = fdo.ScratchBuffer,
            TransferBufferLength = 1,
        };
        var status = await UsbStorSyncUrb(fdo, urb);
        if (!status.IsSuccess() || urb.TransferBufferLength != 1)
        {
            return 0;
        }
        var value = new byte[1];
        await RtlCopyMemory(value.AsSpan(), fdo.ScratchBuffer);
        return (byte)Math.Min(value[0], (byte)15);
    }

    /// <summary>INQUIRY (36 bytes of standard data) and READ CAPACITY(10) (8 bytes) for one unit.</summary>
    private static async ValueTask<NtStatus> UsbStorIdentifyUnit(UsbStorFdoExtension fdo, UsbStorPdoExtension unit)
    {
        var inquiry = new byte[36];
        var srb = UsbStorStartupSrb(fdo, ScsiOpInquiry, 6, (uint)inquiry.Length);
        srb.Cdb[4] = (byte)inquiry.Length;
        var status = await UsbStorSyncCommand(fdo, unit.Lun, srb);
        if (!status.IsSuccess())
        {
            return status;
        }
        await RtlCopyMemory(inquiry.AsSpan(), fdo.ScratchBuffer);
        unit.DeviceType = (byte)(inquiry[0] & 0x1F);
        unit.RemovableMedia = (inquiry[1] & 0x80) != 0;
        unit.VendorId = System.Text.Encoding.ASCII.GetString(inquiry, 8, 8).TrimEnd(' ', '\0');
        unit.ProductId = System.Text.Encoding.ASCII.GetString(inquiry, 16, 16).TrimEnd(' ', '\0');
        unit.ProductRevision = System.Text.Encoding.ASCII.GetString(inquiry, 32, 4).TrimEnd(' ', '\0');

        // A unit may answer its first medium access with UNIT ATTENTION (power on): READ CAPACITY is tried twice.
        for (var attempt = 0; ; attempt++)
        {
            srb = UsbStorStartupSrb(fdo, (byte)ScsiOp.ReadCapacity, 10, 8);
            status = await UsbStorSyncCommand(fdo, unit.Lun, srb);
            if (status.IsSuccess() || attempt == 1)
            {
                break;
            }
        }
        if (!status.IsSuccess())
        {
            return status;
        }
        var capacity = new byte[8];
        await RtlCopyMemory(capacity.AsSpan(), fdo.ScratchBuffer);
        unit.LastLogicalBlockAddress = BinaryPrimitives.ReadUInt32BigEndian(capacity);
        unit.BlockLength = BinaryPrimitives.ReadUInt32BigEndian(capacity.AsSpan(4));
        return unit.BlockLength == 0 ? NtStatus.IoDeviceError : NtStatus.Success;
    }

    private static ScsiRequestBlock UsbStorStartupSrb(UsbStorFdoExtension fdo, byte operation, byte cdbLength, uint length)
    {
        var srb = new ScsiRequestBlock
        {
            Function = SrbFunction.ExecuteScsi,
            SrbFlags = SrbFlags.DataIn,
            DataTransferLength = length,
            DataBuffer = fdo.ScratchBuffer,
            CdbLength = cdbLength,
        };
        srb.Cdb[0] = operation;
        return srb;
    }

    /// <summary>
    /// A start-up command through the same Bulk-Only engine as disk.sys's SRBs, in an IRP of usbstor's
    /// own (one stack location of its own above the hub's), waited for.
    /// </summary>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    private static async ValueTask<NtStatus> UsbStorSyncCommand(UsbStorFdoExtension fdo, byte lun, ScsiRequestBlock srb)
    {
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var irp = IoAllocateIrp((sbyte)(fdo.LowerDevice!.StackSize + 1), false);
        IoSetNextIrpStackLocation(irp); // the top location is usbstor's: each stage uses the one below it
        var own = IoGetCurrentIrpStackLocation(irp);
        own.MajorFunction = IrpMajorFunction.Scsi;
        own.Parameters.Others.Argument1 = srb;
        var command = new BotCommand { Fdo = fdo, Irp = irp, Srb = srb, Lun = lun, Done = SignalWaiter, Waiter = done };
        await UsbStorSendCbw(command);
        await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        IoFreeIrp(irp);
        return UsbStorSrbStatusToNtStatus(srb.SrbStatus);
    }

    private static ValueTask UsbStorSignalWaiter(BotCommand command)
    {
        KeSetEvent(command.Waiter!, 0, false);
        return ValueTask.CompletedTask;
    }
}
