/*++

Module Name:

    Toaster.cs

Abstract:

    The toaster function driver (toaster.sys, after the WDK sample's func/featured in WDM form).
    AddDevice makes \Device\ToasterN (linked as \??\ToasterN, buffered I/O) above the toaster PDO
    busenum.sys enumerated; IRP_MN_START_DEVICE goes down first (the bus starts the PDO) and the
    toaster starts on the way up. Reads and writes work on the toaster's 4 KiB of settings memory
    at the request's byte offset (the sample completes them without data; here the data is kept so
    a program can check what went through the stack). IOCTL_TOASTER_DONT_DISPLAY_IN_UI_DEVICE sets
    PNP_DEVICE_DONT_DISPLAY_IN_UI for the next IRP_MN_QUERY_PNP_DEVICE_STATE. Every request holds
    the remove lock; IRP_MN_REMOVE_DEVICE waits for the requests in flight, passes the IRP down,
    then detaches and deletes the device.

    Left out: the device interface GUID_DEVINTERFACE_TOASTER (a name and a link instead), WMI,
    power management beyond passing IRP_MJ_POWER down, the bus interface
    (TOASTER_INTERFACE_STANDARD), stop and resource rebalance.

Environment:

    Kernel mode. Dispatch routines at PASSIVE_LEVEL; the settings memory is under the extension's
    spin lock.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Toaster;

/// <summary>A toaster's device extension.</summary>
public sealed class ToasterExtension
{
    /// <summary>Bytes of the toaster's settings memory that reads and writes address.</summary>
    public const int MemorySize = 4096;

    internal DeviceObject? Self;
    internal DeviceObject? Lower;
    internal DeviceObject? Pdo;
    internal string? LinkName;
    internal readonly IoRemoveLock RemoveLock = new();
    internal readonly KSpinLock Lock = new();
    internal readonly byte[] Memory = new byte[MemorySize];

    /// <summary>The device's name (<c>\Device\ToasterN</c>).</summary>
    public string? DeviceName { get; internal set; }

    /// <summary>Started (IRP_MN_START_DEVICE succeeded, no removal since).</summary>
    public bool Started { get; internal set; }

    /// <summary>IOCTL_TOASTER_DONT_DISPLAY_IN_UI_DEVICE was received.</summary>
    public bool DontDisplayInUi { get; internal set; }

    /// <summary>Reads completed successfully.</summary>
    public long Reads { get; internal set; }

    /// <summary>Writes completed successfully.</summary>
    public long Writes { get; internal set; }
}

/// <summary>toaster.sys: the toaster function driver.</summary>
public static class Toaster
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "Toaster";

    /// <summary>The image name.</summary>
    public const string ImageName = "toaster.sys";

    private const uint RemoveLockTag = 0x74736F54; // 'Tost'

    /// <summary>DriverEntry.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>STATUS_SUCCESS.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = ToasterCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = ToasterCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Cleanup] = ToasterCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Read] = ToasterReadWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.Write] = ToasterReadWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = ToasterDeviceControl;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = ToasterDispatchPnp;
        driverObject.MajorFunction[(int)IrpMajorFunction.Power] = ToasterPassDown;
        driverObject.MajorFunction[(int)IrpMajorFunction.SystemControl] = ToasterPassDown;
        driverObject.DriverExtension.AddDevice = ToasterAddDevice;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>AddDevice: <c>\Device\ToasterN</c> and its link, attached above the PDO (or the lower filters on it).</summary>
    private static ValueTask<NtStatus> ToasterAddDevice(DriverObject driverObject, DeviceObject pdo)
    {
        // The first free number: a toaster removed gives its number back.
        var number = 0;
        while (driverObject.DeviceObjects.Any(d => d.DeviceExtension is ToasterExtension t && t.DeviceName == $"\\Device\\Toaster{number}"))
        {
            number++;
        }
        var extension = new ToasterExtension { Pdo = pdo, DeviceName = $"\\Device\\Toaster{number}" };
        var status = IoCreateDevice(driverObject, extension, extension.DeviceName, DeviceType.Unknown, DeviceCharacteristics.DeviceSecureOpen, false, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        extension.LinkName = $"\\??\\Toaster{number}";
        status = driverObject.Manager.Objects.IoCreateSymbolicLink(extension.LinkName, extension.DeviceName);
        if (!status.IsSuccess())
        {
            IoDeleteDevice(fdo!);
            return ValueTask.FromResult(status);
        }
        extension.Self = fdo;
        IoInitializeRemoveLock(extension.RemoveLock, RemoveLockTag, 0, 0);
        KeInitializeSpinLock(extension.Lock, "Toaster.Lock");
        extension.Lower = IoAttachDeviceToDeviceStack(fdo!, pdo);
        fdo!.Flags |= DeviceObjectFlags.BufferedIo | DeviceObjectFlags.PowerPagable;
        fdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static async ValueTask<NtStatus> ToasterCreateClose(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<ToasterExtension>();
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (status.IsSuccess())
        {
            IoReleaseRemoveLock(extension.RemoveLock, irp);
        }
        return await Complete(irp, status, 0);
    }

    /// <summary>IRP_MJ_READ / IRP_MJ_WRITE: the settings memory at ByteOffset; a range past its end is STATUS_INVALID_PARAMETER.</summary>
    private static async ValueTask<NtStatus> ToasterReadWrite(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<ToasterExtension>();
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await Complete(irp, status, 0);
        }
        var stack = IoGetCurrentIrpStackLocation(irp);
        var write = stack.MajorFunction == IrpMajorFunction.Write;
        var parameters = write ? stack.Parameters.Write : stack.Parameters.Read;
        var offset = parameters.ByteOffset;
        var length = (int)parameters.Length;
        ulong information = 0;
        if (!extension.Started)
        {
            status = NtStatus.DeviceNotReady;
        }
        else if (offset < 0 || offset + length > ToasterExtension.MemorySize)
        {
            status = NtStatus.InvalidParameter;
        }
        else
        {
            var old = await KeAcquireSpinLock(extension.Lock);
            if (write)
            {
                irp.SystemBuffer.AsSpan(0, length).CopyTo(extension.Memory.AsSpan((int)offset));
                extension.Writes++;
            }
            else
            {
                extension.Memory.AsSpan((int)offset, length).CopyTo(irp.SystemBuffer.AsSpan());
                extension.Reads++;
            }
            await KeReleaseSpinLock(extension.Lock, old);
            information = (ulong)length;
        }
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return await Complete(irp, status, information);
    }

    /// <summary>IRP_MJ_DEVICE_CONTROL: IOCTL_TOASTER_DONT_DISPLAY_IN_UI_DEVICE; anything else STATUS_INVALID_DEVICE_REQUEST.</summary>
    private static async ValueTask<NtStatus> ToasterDeviceControl(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<ToasterExtension>();
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await Complete(irp, status, 0);
        }
        if (IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl.IoControlCode == ToasterCodes.IoctlToasterDontDisplayInUiDevice)
        {
            extension.DontDisplayInUi = true; // answered in the next IRP_MN_QUERY_PNP_DEVICE_STATE
            status = NtStatus.Success;
        }
        else
        {
            status = NtStatus.InvalidDeviceRequest;
        }
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return await Complete(irp, status, 0);
    }

    /// <summary>IRP_MJ_PNP: START down first then up; QUERY_PNP_DEVICE_STATE adds DONT_DISPLAY_IN_UI; REMOVE waits, passes down, leaves.</summary>
    private static async ValueTask<NtStatus> ToasterDispatchPnp(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<ToasterExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await Complete(irp, status, 0);
        }
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.StartDevice:
                // The bus driver starts the toaster first; this driver's part comes on the way up.
                irp.IoStatus.Status = NtStatus.Success;
                status = await IoForwardIrpSynchronously(extension.Lower!, irp) ? irp.IoStatus.Status : NtStatus.InvalidDeviceRequest;
                extension.Started = status.IsSuccess();
                IoReleaseRemoveLock(extension.RemoveLock, irp);
                return await Complete(irp, status, 0);
            case PnpMinorFunction.QueryPnpDeviceState when extension.DontDisplayInUi:
                irp.IoStatus.Information |= (ulong)PnpDeviceState.DontDisplayInUi;
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.SurpriseRemoval:
            case PnpMinorFunction.StopDevice:
                extension.Started = false;
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.QueryStopDevice:
            case PnpMinorFunction.CancelStopDevice:
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.RemoveDevice:
                // Requests in flight finish first (the remove lock), then the drivers below see the IRP, then the device goes.
                extension.Started = false;
                await IoReleaseRemoveLockAndWait(extension.RemoveLock, irp);
                irp.IoStatus.Status = NtStatus.Success;
                IoSkipCurrentIrpStackLocation(irp);
                status = await IoCallDriver(extension.Lower!, irp);
                deviceObject.DriverObject.Manager.Objects.IoDeleteSymbolicLink(extension.LinkName!);
                IoDetachDevice(extension.Lower!);
                IoDeleteDevice(deviceObject);
                return status;
        }
        IoSkipCurrentIrpStackLocation(irp);
        status = await IoCallDriver(extension.Lower!, irp);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return status;
    }

    private static async ValueTask<NtStatus> ToasterPassDown(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<ToasterExtension>();
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await Complete(irp, status, 0);
        }
        IoSkipCurrentIrpStackLocation(irp);
        status = await IoCallDriver(extension.Lower!, irp);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
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
