/*++

Module Name:

    RamDisk.cs

Abstract:

    A RAM-disk function driver: a block of memory that reads and writes like a disk, with buffered
    or direct I/O (chosen when the device is added). It shows the shape of a WDM function driver:
    DriverEntry fills the dispatch table, AddDevice creates and attaches the FDO, each dispatch
    routine switches on what it is asked and ends in one place that completes the IRP. A remove
    lock guards every request: each dispatch routine acquires it on entry and releases it when the
    request is done, so IRP_MN_REMOVE_DEVICE can wait for the requests still in the device before
    it detaches and deletes it; a request that comes after is failed with STATUS_DELETE_PENDING.

    IRP_MN_SURPRISE_REMOVAL makes reads and writes fail with STATUS_NO_SUCH_DEVICE until the remove.

    Power (RamDisk.Power.cs): reads and writes that arrive while the device is not in D0 are held with
    their remove lock and started once it is back.

    Left out: stop/rebalance (a RAM disk has no hardware resources to give back, so start needs no
    work), partitions and geometry IOCTLs.

Environment:

    Kernel mode. Dispatch routines run at PASSIVE_LEVEL in the requester's context.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.RamDisk;

/// <summary>Options of a RAM-disk device.</summary>
/// <param name="SizeInBytes">The disk size.</param>
/// <param name="DirectIo">DO_DIRECT_IO instead of DO_BUFFERED_IO.</param>
public sealed record RamDiskOptions(int SizeInBytes = 64 * 1024, bool DirectIo = false);

/// <summary>The RAM disk's device extension.</summary>
public sealed partial class RamDiskExtension
{
    internal RamDiskExtension(int size) => Image = new byte[size];

    /// <summary>The disk's bytes.</summary>
    public byte[] Image { get; }

    /// <summary>The device below (the PDO), where IRPs this driver does not own go.</summary>
    public DeviceObject? LowerDevice { get; internal set; }

    /// <summary>The \DosDevices link of the device.</summary>
    public string? SymbolicLinkName { get; internal set; }

    /// <summary>Held by every request in the device; IRP_MN_REMOVE_DEVICE waits on it.</summary>
    public IoRemoveLock RemoveLock { get; } = new();

    /// <summary>IRP_MN_SURPRISE_REMOVAL arrived: reads and writes fail with STATUS_NO_SUCH_DEVICE until the remove.</summary>
    public bool SurpriseRemoved { get; internal set; }
}

/// <summary>The RAM-disk driver (<c>ramdisk.sys</c>).</summary>
public static partial class RamDisk
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "RamDisk";

    /// <summary>The image name.</summary>
    public const string ImageName = "ramdisk.sys";

    // The key of the driver-object extension holding the options (IoAllocateDriverObjectExtension).
    private static readonly object OptionsKey = new();

    // The remove lock's pool tag ('RamD').
    private const uint RemoveLockTag = 0x446D6152;

    /// <summary>DriverEntry with default options.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>STATUS_SUCCESS.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath) =>
        DriverEntryWith(new RamDiskOptions())(driverObject, registryPath);

    /// <summary>A DriverEntry whose devices use <paramref name="options"/> (the service's parameters in NT's registry).</summary>
    /// <param name="options">The device options.</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize DriverEntryWith(RamDiskOptions options) => (driverObject, registryPath) =>
    {
        _ = registryPath;
        driverObject.IoAllocateDriverObjectExtension(OptionsKey, options);
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = RamDiskCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = RamDiskCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Cleanup] = RamDiskCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Read] = RamDiskReadWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.Write] = RamDiskReadWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = RamDiskPnp;
        driverObject.MajorFunction[(int)IrpMajorFunction.Power] = RamDiskPower;
        driverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = RamDiskPassDown;
        driverObject.DriverExtension.AddDevice = RamDiskAddDevice;
        driverObject.DriverUnload = RamDiskUnload;
        return ValueTask.FromResult(NtStatus.Success);
    };

    /// <summary>AddDevice: creates <c>\Device\RamDiskN</c>, links <c>\??\RamDiskN</c> to it and attaches it above the PDO.</summary>
    /// <param name="driverObject">The driver.</param>
    /// <param name="physicalDeviceObject">The PDO.</param>
    /// <returns>STATUS_SUCCESS, or the failure of IoCreateDevice.</returns>
    public static ValueTask<NtStatus> RamDiskAddDevice(DriverObject driverObject, DeviceObject physicalDeviceObject)
    {
        var options = (RamDiskOptions)driverObject.IoGetDriverObjectExtension(OptionsKey)!;
        var number = driverObject.DeviceObjects.Count;
        var extension = new RamDiskExtension(options.SizeInBytes);
        IoInitializeRemoveLock(extension.RemoveLock, RemoveLockTag, 0, 0);
        var status = IoCreateDevice(driverObject, extension, $"\\Device\\RamDisk{number}", DeviceType.Disk, 0, false, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        extension.SymbolicLinkName = $"\\??\\RamDisk{number}";
        status = driverObject.Manager.Objects.IoCreateSymbolicLink(extension.SymbolicLinkName, fdo!.Name!);
        if (!status.IsSuccess())
        {
            IoDeleteDevice(fdo);
            return ValueTask.FromResult(status);
        }
        extension.LowerDevice = IoAttachDeviceToDeviceStack(fdo, physicalDeviceObject);
        fdo.Flags |= options.DirectIo ? DeviceObjectFlags.DirectIo : DeviceObjectFlags.BufferedIo;
        fdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>
    /// IRP_MJ_CREATE, IRP_MJ_CLEANUP and IRP_MJ_CLOSE: nothing to set up or tear down per open. A
    /// create that reaches a device being removed fails with STATUS_DELETE_PENDING; the cleanup and
    /// close of an open made before the removal still succeed (there is nothing to undo).
    /// </summary>
    private static async ValueTask<NtStatus> RamDiskCreateClose(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<RamDiskExtension>();
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        var acquired = status.IsSuccess();
        if (!acquired && IoGetCurrentIrpStackLocation(irp).MajorFunction != IrpMajorFunction.Create)
        {
            status = NtStatus.Success;
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        if (acquired)
        {
            IoReleaseRemoveLock(extension.RemoveLock, irp);
        }
        return status;
    }

    /// <summary>IRP_MJ_READ and IRP_MJ_WRITE: copy between the image and the request's buffer.</summary>
    private static async ValueTask<NtStatus> RamDiskReadWrite(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<RamDiskExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var length = stack.Parameters.Read.Length;
        var offset = stack.Parameters.Read.ByteOffset;
        ulong information = 0;

        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await RamDiskRefuse(irp, status); // the device is being removed: start nothing on it
        }
        if (extension.SurpriseRemoved)
        {
            status = NtStatus.NoSuchDevice; // the device is gone: no new I/O (Handling an IRP_MN_SURPRISE_REMOVAL Request)
        }
        else if (await RamDiskHoldForPower(deviceObject, extension, irp))
        {
            return NtStatus.Pending; // held with its remove lock until D0 (RamDisk.Power.cs)
        }
        else if (offset < 0 || offset + length > extension.Image.Length)
        {
            status = NtStatus.InvalidParameter;
        }
        else if ((deviceObject.Flags & DeviceObjectFlags.BufferedIo) != 0 || length == 0)
        {
            // Buffered I/O: the I/O manager's system buffer (copied in before, back after).
            var image = extension.Image.AsSpan((int)offset, (int)length);
            var system = irp.SystemBuffer.AsSpan(0, (int)length);
            if (stack.MajorFunction == IrpMajorFunction.Read)
            {
                image.CopyTo(system);
            }
            else
            {
                system.CopyTo(image);
            }
            status = NtStatus.Success;
            information = length;
        }
        else
        {
            // Direct I/O: the requester's own locked pages, mapped into system space.
            var buffer = MmGetSystemAddressForMdlSafe(irp.MdlAddress!, NormalPagePriority);
            if (buffer.IsNull)
            {
                status = NtStatus.InsufficientResources;
            }
            else
            {
                if (stack.MajorFunction == IrpMajorFunction.Read)
                {
                    await RtlCopyMemory(buffer, extension.Image.AsSpan((int)offset, (int)length));
                }
                else
                {
                    await RtlCopyMemory(extension.Image.AsSpan((int)offset, (int)length), buffer);
                }
                status = NtStatus.Success;
                information = length;
            }
        }

        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, PriorityBoost.IoDiskIncrement);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return status;
    }

    /// <summary>Completes a request the device refuses (STATUS_DELETE_PENDING from its remove lock) with that status.</summary>
    private static async ValueTask<NtStatus> RamDiskRefuse(Irp irp, NtStatus status)
    {
        irp.IoStatus.Status = status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>Requests the RAM disk does not own go to the PDO unchanged; the lock is held until IoCallDriver returns.</summary>
    private static async ValueTask<NtStatus> RamDiskPassDown(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<RamDiskExtension>();
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await RamDiskRefuse(irp, status); // the device is being removed: start nothing on it
        }
        IoSkipCurrentIrpStackLocation(irp);
        status = await IoCallDriver(extension.LowerDevice!, irp);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return status;
    }

    /// <summary>
    /// IRP_MJ_PNP: query-remove and cancel-remove succeed and go down; surprise removal fails new reads
    /// and writes from then on and goes down; remove goes down, then waits
    /// for the requests still in the device (IoReleaseRemoveLockAndWait), then the device goes
    /// away: link, attachment, device object. Everything else goes down untouched.
    /// </summary>
    private static async ValueTask<NtStatus> RamDiskPnp(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<RamDiskExtension>();
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await RamDiskRefuse(irp, status); // the device is being removed: start nothing on it
        }
        switch ((PnpMinorFunction)IoGetCurrentIrpStackLocation(irp).MinorFunction)
        {
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
                // Nothing keeps the disk: agree, and let the drivers below answer too.
                irp.IoStatus.Status = NtStatus.Success;
                break;

            case PnpMinorFunction.SurpriseRemoval:
                // Fail new I/O; detach and delete nothing until IRP_MN_REMOVE_DEVICE (the handles may still be open).
                extension.SurpriseRemoved = true;
                irp.IoStatus.Status = NtStatus.Success;
                break;

            case PnpMinorFunction.RemoveDevice:
                // Down first (the bus driver cancels what it holds for us, e.g. a WAIT_WAKE, only on
                // remove), then from here every new request fails with STATUS_DELETE_PENDING: wait for
                // those inside, and only then detach and delete (IoReleaseRemoveLockAndWait's rule).
                irp.IoStatus.Status = NtStatus.Success;
                IoSkipCurrentIrpStackLocation(irp);
                status = await IoCallDriver(extension.LowerDevice!, irp);
                await IoReleaseRemoveLockAndWait(extension.RemoveLock, irp);
                RamDiskDeleteDevice(deviceObject);
                return status;
        }
        IoSkipCurrentIrpStackLocation(irp);
        status = await IoCallDriver(extension.LowerDevice!, irp);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return status;
    }

    /// <summary>Undoes AddDevice: the link, the attachment to the PDO, the device object.</summary>
    private static void RamDiskDeleteDevice(DeviceObject device)
    {
        var extension = device.GetExtension<RamDiskExtension>();
        if (extension.SymbolicLinkName is { } link)
        {
            device.DriverObject.Manager.Objects.IoDeleteSymbolicLink(link);
            extension.SymbolicLinkName = null;
        }
        if (extension.LowerDevice is { } lower)
        {
            IoDetachDevice(lower);
            extension.LowerDevice = null;
        }
        IoDeleteDevice(device);
    }

    /// <summary>Unload: deletes what AddDevice made.</summary>
    private static ValueTask RamDiskUnload(DriverObject driverObject)
    {
        foreach (var device in driverObject.DeviceObjects.ToArray())
        {
            RamDiskDeleteDevice(device);
        }
        return ValueTask.CompletedTask;
    }
}
