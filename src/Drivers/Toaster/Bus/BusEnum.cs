/*++

Module Name:

    BusEnum.cs

Abstract:

    The toaster bus driver (busenum.sys, after the WDK sample general/toaster bus/dynamic). Its
    FDO sits on a root-enumerated PDO (the registry's Enum\Root entry for root\busenum) and
    enumerates toasters on demand: a user program opens \\.\BusEnumN and sends
    IOCTL_BUSENUM_PLUGIN_HARDWARE (a serial number and the hardware IDs), the bus driver makes a
    PDO for the toaster and calls IoInvalidateDeviceRelations; the PnP manager then asks for
    BusRelations, sees the new PDO and sets it up (BusEnumPdo.cs answers its questions;
    BusEnumIoctl.cs has the control requests).
    IOCTL_BUSENUM_UNPLUG_HARDWARE marks a toaster gone: the next BusRelations leaves it out, the
    PnP manager learns it is missing and removes its stack; the PDO is deleted on the
    IRP_MN_REMOVE_DEVICE that follows.

    Left out: the device interface GUID_DEVINTERFACE_BUSENUM_TOASTER (the FDO has a name and a
    link instead), IOCTL_BUSENUM_EJECT_HARDWARE's IoRequestDeviceEject (the kernel has none yet: the
    request fails with STATUS_NOT_IMPLEMENTED after its checks), TOASTER_INTERFACE_STANDARD
    (IRP_MN_QUERY_INTERFACE), WMI and power beyond passing IRP_MJ_POWER down.

Environment:

    Kernel mode. The control requests run at PASSIVE_LEVEL in the requester's context; the PnP
    requests in the PnP manager's thread. The list of toasters is under the FDO's spin lock.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Toaster;

/// <summary>The bus FDO's extension: the toasters plugged in, in plug order.</summary>
public sealed class BusEnumFdoExtension
{
    internal DeviceObject? Self;
    internal DeviceObject? Lower;
    internal DeviceObject? UnderlyingPdo;
    internal string? LinkName;
    internal readonly KSpinLock ListLock = new();

    /// <summary>
    /// The toaster PDOs, present or reported missing but not yet removed. Under <see cref="ListLock"/>;
    /// the list's monitor is also held inside it, for readers off the machine's processors (tests, the host).
    /// </summary>
    internal readonly List<DeviceObject> Pdos = [];

    /// <summary>The serial numbers of the toasters plugged in now, in plug order.</summary>
    public IReadOnlyList<uint> PresentSerialNumbers
    {
        get
        {
            lock (Pdos)
            {
                return [.. Pdos.Select(p => p.GetExtension<BusEnumPdoExtension>()).Where(p => p.Present).Select(p => p.SerialNo)];
            }
        }
    }
}

/// <summary>busenum.sys: the toaster bus driver.</summary>
public static partial class BusEnum
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "BusEnum";

    /// <summary>The image name.</summary>
    public const string ImageName = "busenum.sys";

    /// <summary>DriverEntry: one set of dispatch routines serves the FDO and the PDOs (the extension tells them apart).</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>STATUS_SUCCESS.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = BusCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = BusCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Cleanup] = BusCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = BusIoCtl;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = BusDispatchPnp;
        driverObject.MajorFunction[(int)IrpMajorFunction.Power] = BusDispatchKeepOrPass;
        driverObject.MajorFunction[(int)IrpMajorFunction.SystemControl] = BusDispatchKeepOrPass;
        driverObject.DriverExtension.AddDevice = BusAddDevice;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>AddDevice: the bus FDO <c>\Device\BusEnumN</c> (linked as <c>\??\BusEnumN</c>) above the root-enumerated PDO.</summary>
    private static ValueTask<NtStatus> BusAddDevice(DriverObject driverObject, DeviceObject pdo)
    {
        var number = driverObject.DeviceObjects.Count(d => d.DeviceExtension is BusEnumFdoExtension);
        var extension = new BusEnumFdoExtension { UnderlyingPdo = pdo };
        var name = $"\\Device\\BusEnum{number}";
        var status = IoCreateDevice(driverObject, extension, name, ToasterCodes.FileDeviceBusEnum, DeviceCharacteristics.DeviceSecureOpen, false, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        extension.LinkName = $"\\??\\BusEnum{number}";
        status = driverObject.Manager.Objects.IoCreateSymbolicLink(extension.LinkName, name);
        if (!status.IsSuccess())
        {
            IoDeleteDevice(fdo!);
            return ValueTask.FromResult(status);
        }
        KeInitializeSpinLock(extension.ListLock, "BusEnum.ListLock");
        extension.Self = fdo;
        extension.Lower = IoAttachDeviceToDeviceStack(fdo!, pdo);
        fdo!.Flags |= DeviceObjectFlags.BufferedIo;
        fdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static async ValueTask<NtStatus> BusCreateClose(DeviceObject deviceObject, Irp irp)
    {
        // Only the bus FDO is opened by programs; a toaster PDO is opened through its function driver.
        var status = deviceObject.DeviceExtension is BusEnumFdoExtension ? NtStatus.Success : NtStatus.InvalidDeviceRequest;
        return await Complete(irp, status, 0);
    }

    private static ValueTask<NtStatus> BusDispatchPnp(DeviceObject deviceObject, Irp irp) =>
        deviceObject.DeviceExtension is BusEnumFdoExtension fdo ? BusFdoPnp(deviceObject, fdo, irp) : BusPdoPnp(deviceObject, deviceObject.GetExtension<BusEnumPdoExtension>(), irp);

    /// <summary>The FDO: START after the root PDO started; BusRelations from the list; REMOVE leaves the stack; the rest passes down.</summary>
    private static async ValueTask<NtStatus> BusFdoPnp(DeviceObject deviceObject, BusEnumFdoExtension fdo, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.StartDevice:
                irp.IoStatus.Status = NtStatus.Success;
                var started = await IoForwardIrpSynchronously(fdo.Lower!, irp) ? irp.IoStatus.Status : NtStatus.InvalidDeviceRequest;
                return await Complete(irp, started, 0);
            case PnpMinorFunction.QueryDeviceRelations when stack.Parameters.QueryDeviceRelations.Type == DeviceRelationType.BusRelations:
                irp.IoStatus.InformationPointer = await BusRelations(fdo, irp.IoStatus.InformationPointer as DeviceRelations);
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.RemoveDevice:
                irp.IoStatus.Status = NtStatus.Success;
                IoSkipCurrentIrpStackLocation(irp);
                var status = await IoCallDriver(fdo.Lower!, irp);
                deviceObject.DriverObject.Manager.Objects.IoDeleteSymbolicLink(fdo.LinkName!);
                IoDetachDevice(fdo.Lower!);
                IoDeleteDevice(deviceObject);
                return status;
            case PnpMinorFunction.QueryStopDevice:
            case PnpMinorFunction.CancelStopDevice:
            case PnpMinorFunction.StopDevice:
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
            case PnpMinorFunction.SurpriseRemoval:
                irp.IoStatus.Status = NtStatus.Success;
                break;
        }
        IoSkipCurrentIrpStackLocation(irp);
        return await IoCallDriver(fdo.Lower!, irp);
    }

    /// <summary>
    /// BusRelations: the toasters present, each referenced for the PnP manager, after any relations
    /// a filter above already put in the IRP; a toaster unplugged is left out, and from then on it is
    /// known to be reported missing.
    /// </summary>
    private static async ValueTask<DeviceRelations> BusRelations(BusEnumFdoExtension fdo, DeviceRelations? above)
    {
        var children = new List<DeviceObject>(above?.Objects ?? []);
        var neverSeen = new List<DeviceObject>();
        var old = await KeAcquireSpinLock(fdo.ListLock);
        lock (fdo.Pdos)
        {
            foreach (var pdo in fdo.Pdos)
            {
                var child = pdo.GetExtension<BusEnumPdoExtension>();
                if (!child.Present)
                {
                    child.ReportedMissing = true;
                    if (!child.Reported)
                    {
                        neverSeen.Add(pdo); // unplugged before the PnP manager ever saw it: no removal will come
                    }
                    continue;
                }
                child.Reported = true;
                pdo.ObReferenceObject(); // the PnP manager drops it, or keeps it for a new device node
                children.Add(pdo);
            }
            fdo.Pdos.RemoveAll(neverSeen.Contains);
        }
        await KeReleaseSpinLock(fdo.ListLock, old);
        foreach (var pdo in neverSeen)
        {
            IoDeleteDevice(pdo);
        }
        return new DeviceRelations(children);
    }

    /// <summary>Power and WMI: a PDO completes them with the status they came with; the FDO passes them down.</summary>
    private static async ValueTask<NtStatus> BusDispatchKeepOrPass(DeviceObject deviceObject, Irp irp)
    {
        if (deviceObject.DeviceExtension is BusEnumFdoExtension fdo)
        {
            IoSkipCurrentIrpStackLocation(irp);
            return await IoCallDriver(fdo.Lower!, irp);
        }
        var status = irp.IoStatus.Status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    private static async ValueTask<NtStatus> Complete(Irp irp, NtStatus status, ulong information)
    {
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }
}
