namespace ActorKernel.Actors;

// File system registration and the device a file's requests go to (ntoskrnl/io/iomgr/volume.c, device.c).
public static partial class Wdm
{
    /// <summary>
    /// IoRegisterFileSystem: puts a file system's control device object (FILE_DEVICE_DISK_FILE_SYSTEM,
    /// CD_ROM_FILE_SYSTEM, TAPE_FILE_SYSTEM or NETWORK_FILE_SYSTEM) at the head of its kind's queue (the
    /// tail with DO_LOW_PRIORITY_FILESYSTEM), so mounts try the last registered first; clears
    /// DO_DEVICE_INITIALIZING.
    /// </summary>
    /// <param name="deviceObject">The file system's control device object (usually named, <c>\FileSystem\AkFs</c> or <c>\Device\AkFs</c>).</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void IoRegisterFileSystem(DeviceObject deviceObject)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        KiChargeCc(100);
        deviceObject.DriverObject.Manager.IopRegisterFileSystem(deviceObject);
    }

    /// <summary>IoUnregisterFileSystem: takes the control device object out of its queue (volumes it mounted stay mounted).</summary>
    /// <param name="deviceObject">The control device object.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void IoUnregisterFileSystem(DeviceObject deviceObject)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        KiChargeCc(100);
        deviceObject.DriverObject.Manager.IopUnregisterFileSystem(deviceObject);
    }

    /// <summary>
    /// IoGetRelatedDeviceObject: the device a request on <paramref name="fileObject"/> is sent to: the top
    /// of the stack of the file system's volume device when the file is on a mounted volume
    /// (FileObject-&gt;Vpb-&gt;DeviceObject, or the device's VPB for an open that is not a direct device
    /// open), else the top of the opened device's stack.
    /// </summary>
    /// <param name="fileObject">The open.</param>
    /// <returns>The device to call.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static DeviceObject IoGetRelatedDeviceObject(FileObject fileObject)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        DeviceObject device;
        if (fileObject.Vpb is { DeviceObject: { } volume })
        {
            device = volume;
        }
        else if ((fileObject.Flags & FileObjectFlags.DirectDeviceOpen) == 0 && fileObject.DeviceObject.Vpb is { DeviceObject: { } mountedVolume })
        {
            device = mountedVolume;
        }
        else
        {
            device = fileObject.DeviceObject;
        }
        return IoGetAttachedDevice(device);
    }

    /// <summary>IoIsOperationSynchronous: whether the request's requester waits for it (a synchronous file object, IRP_SYNCHRONOUS_API or synchronous paging I/O).</summary>
    /// <param name="irp">The request.</param>
    /// <returns>TRUE when the file system may block the requesting thread instead of posting.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static bool IoIsOperationSynchronous(Irp irp)
    {
        ArgumentNullException.ThrowIfNull(irp);
        var file = irp.CurrentStackLocation.FileObject;
        return (irp.Flags & IrpFlags.SynchronousApi) != 0
            || (file is not null && (file.Flags & FileObjectFlags.SynchronousIo) != 0 && (irp.Flags & IrpFlags.PagingIo) == 0)
            || ((irp.Flags & IrpFlags.PagingIo) != 0 && (irp.Flags & IrpFlags.SynchronousPagingIo) != 0);
    }
}
