/*++

Module Name:

    BusEnumPdo.cs

Abstract:

    The toaster PDOs of busenum.sys: what each one answers the PnP manager (the sample's
    buspdo.c). Device ID: the first hardware ID the user program gave; instance ID: the serial
    number as two decimal digits ("%02d"); hardware IDs: the ones given; compatible ID:
    BUSENUM_COMPATIBLE_IDS. Capabilities: removable, eject supported, surprise removal OK, the
    serial number as Address and UINumber, not UniqueID (the serial number is unique only on this
    bus). TargetDeviceRelation: the PDO itself. START, STOP, QUERY_REMOVE and their cancels
    succeed (a toaster has no resources); IRP_MN_REMOVE_DEVICE deletes the PDO only once the bus
    has reported it missing (unplugged), otherwise the toaster stays on the bus, as in the sample.

    Left out: IRP_MN_QUERY_DEVICE_TEXT ("Microsoft_Eliyas_Toaster_%02d"), IRP_MN_QUERY_BUS_INFORMATION
    and IRP_MN_QUERY_INTERFACE (the PnP manager does not send them yet), power states.

Environment:

    Kernel mode, PASSIVE_LEVEL (the PnP manager's thread).

--*/

using System.Globalization;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Toaster;

/// <summary>A toaster PDO's extension.</summary>
public sealed class BusEnumPdoExtension
{
    internal BusEnumPdoExtension(uint serialNo, string[] hardwareIds, BusEnumFdoExtension bus)
    {
        SerialNo = serialNo;
        HardwareIds = hardwareIds;
        Bus = bus;
    }

    /// <summary>The serial number the user program gave.</summary>
    public uint SerialNo { get; }

    /// <summary>The hardware IDs the user program gave (the first is the device ID).</summary>
    public IReadOnlyList<string> HardwareIds { get; }

    /// <summary>The bus it is on.</summary>
    internal BusEnumFdoExtension Bus { get; }

    /// <summary>Plugged in (false once unplugged). Under the bus's list lock.</summary>
    public bool Present { get; internal set; } = true;

    /// <summary>Left out of a BusRelations answer after it was unplugged. Under the bus's list lock.</summary>
    public bool ReportedMissing { get; internal set; }

    /// <summary>Was in a BusRelations answer (the PnP manager knows it). Under the bus's list lock.</summary>
    internal bool Reported { get; set; }

    /// <summary>IRP_MN_START_DEVICE reached it and no removal since.</summary>
    public bool Started { get; internal set; }
}

public static partial class BusEnum
{
    /// <summary>A toaster PDO: IDs, capabilities, relations, start and removal; every other request completes with the status it came with.</summary>
    private static async ValueTask<NtStatus> BusPdoPnp(DeviceObject deviceObject, BusEnumPdoExtension pdo, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        var delete = false;
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.QueryId:
                if (BusPdoQueryId(pdo, stack.Parameters.QueryId.IdType) is { } id)
                {
                    irp.IoStatus.InformationPointer = id;
                    irp.IoStatus.Status = NtStatus.Success;
                }
                break;
            case PnpMinorFunction.QueryCapabilities:
                if (stack.Parameters.DeviceCapabilities.Capabilities is { } capabilities)
                {
                    capabilities.LockSupported = false;
                    capabilities.EjectSupported = true;
                    capabilities.Removable = true;
                    capabilities.DockDevice = false;
                    capabilities.UniqueId = false;        // the serial number is unique on this bus only
                    capabilities.SilentInstall = false;
                    capabilities.SurpriseRemovalOk = true;
                    capabilities.Address = pdo.SerialNo;
                    capabilities.UiNumber = pdo.SerialNo;
                }
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.QueryDeviceRelations when stack.Parameters.QueryDeviceRelations.Type == DeviceRelationType.TargetDeviceRelation:
                deviceObject.ObReferenceObject();
                irp.IoStatus.InformationPointer = new DeviceRelations([deviceObject]);
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.StartDevice:
                pdo.Started = true;
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.QueryStopDevice:
            case PnpMinorFunction.CancelStopDevice:
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.StopDevice:
            case PnpMinorFunction.SurpriseRemoval:
                pdo.Started = false;
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.RemoveDevice:
                pdo.Started = false;
                irp.IoStatus.Status = NtStatus.Success;
                var old = await KeAcquireSpinLock(pdo.Bus.ListLock);
                lock (pdo.Bus.Pdos)
                {
                    // Still plugged in: the toaster stays (a later enumeration starts it again); gone: the PDO goes.
                    delete = pdo.ReportedMissing && pdo.Bus.Pdos.Remove(deviceObject);
                }
                await KeReleaseSpinLock(pdo.Bus.ListLock, old);
                break;
        }
        var status = irp.IoStatus.Status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        if (delete)
        {
            IoDeleteDevice(deviceObject);
        }
        return status;
    }

    /// <summary>The sample's IDs: the device ID is the first hardware ID; the instance ID the serial number, "%02d".</summary>
    private static object? BusPdoQueryId(BusEnumPdoExtension pdo, BusQueryIdType type) => type switch
    {
        BusQueryIdType.DeviceId => pdo.HardwareIds[0],
        BusQueryIdType.InstanceId => pdo.SerialNo.ToString("D2", CultureInfo.InvariantCulture),
        BusQueryIdType.HardwareIds => pdo.HardwareIds.ToArray(),
        BusQueryIdType.CompatibleIds => new[] { ToasterCodes.BusCompatibleId },
        _ => null,
    };
}
