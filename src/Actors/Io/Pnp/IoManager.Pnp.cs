namespace ActorKernel.Actors;

// A stand-in for the PnP manager's removal of a device stack (ReactOS io/pnpmgr/devaction.c
// IopRemoveDevice / IopQueryRemoveDevice / IopSendRemoveDevice; the DOE_* flags of WRK's
// IopDecrementDeviceObjectRef): enough to take a stack such as the RAM disk's away the way the
// drivers see it. Device relations, surprise removal, notifications and the device tree are left out.
public sealed partial class IoManager
{
    /// <summary>
    /// IopRemoveDevice: removes the device stack <paramref name="device"/> belongs to, as the PnP
    /// manager does when the device is uninstalled or disabled. Sends IRP_MN_QUERY_REMOVE_DEVICE to
    /// the top of the stack; if a driver fails it, sends IRP_MN_CANCEL_REMOVE_DEVICE and returns that
    /// failure. Otherwise marks every device of the stack DOE_REMOVE_PENDING (new opens fail with
    /// STATUS_NO_SUCH_DEVICE), sends IRP_MN_REMOVE_DEVICE (each driver waits on its remove lock for
    /// the requests still in its device, detaches and deletes it) and marks what is left of the
    /// stack DOE_REMOVE_PROCESSED.
    /// </summary>
    /// <param name="device">Any device of the stack (usually the PDO).</param>
    /// <returns>STATUS_SUCCESS, or the status a driver failed IRP_MN_QUERY_REMOVE_DEVICE with.</returns>
    /// <remarks>
    /// IRQL = PASSIVE_LEVEL, in a system thread (the PnP manager's): each IRP is sent synchronously,
    /// waiting on an event when a driver pends it. Await it from the thread's start routine.
    /// </remarks>
    /// <exception cref="InvalidOperationException">Not called from a thread on one of the machine's processors at PASSIVE_LEVEL.</exception>
    public async ValueTask<NtStatus> IopRemoveDevice(DeviceObject device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (Processor.CurrentOrNull is not { } processor || processor.KiCurrentThread is null || processor.Irql != Irql.PassiveLevel)
        {
            throw new InvalidOperationException("IopRemoveDevice runs in a system thread at PASSIVE_LEVEL (the PnP manager's).");
        }
        var stack = IopStackOf(device);
        var top = Wdm.IoGetAttachedDeviceReference(device);
        try
        {
            var status = await IopSynchronousPnpCall(top, PnpMinorFunction.QueryRemoveDevice).ConfigureAwait(false);
            if (!status.IsSuccess())
            {
                await IopSynchronousPnpCall(top, PnpMinorFunction.CancelRemoveDevice).ConfigureAwait(false);
                return status;
            }
            IopPrepareDeviceForRemoval(device);
            await IopSynchronousPnpCall(top, PnpMinorFunction.RemoveDevice).ConfigureAwait(false);
        }
        finally
        {
            top.ObDereferenceObject();
        }
        lock (StackLock)
        {
            foreach (var d in stack)
            {
                d.RemovePending = false;
                d.RemoveProcessed = true;
            }
        }
        return NtStatus.Success;
    }

    /// <summary>
    /// The first check of IopCheckDeviceAndDriver: a device being unloaded, deleted or removed
    /// (DOE_UNLOAD_PENDING, DOE_DELETE_PENDING, DOE_REMOVE_PENDING, DOE_REMOVE_PROCESSED) or still
    /// initializing (DO_DEVICE_INITIALIZING) gets no open: STATUS_NO_SUCH_DEVICE, and no IRP is sent.
    /// </summary>
    internal static bool IopDeviceGoingAway(DeviceObject device) =>
        device.UnloadPending || device.DeletePending || device.RemovePending || device.RemoveProcessed
        || (device.Flags & DeviceObjectFlags.DeviceInitializing) != 0;

    /// <summary>The driver whose image is <paramref name="module"/>, or null (the kernel's own routines).</summary>
    internal DriverObject? IopDriverOfModule(KernelModule module)
    {
        lock (_drivers)
        {
            foreach (var driver in _drivers)
            {
                if (driver.Module == module)
                {
                    return driver;
                }
            }
        }
        return null;
    }

    /// <summary>The devices of <paramref name="device"/>'s stack, bottom (the PDO) first.</summary>
    private DeviceObject[] IopStackOf(DeviceObject device)
    {
        lock (StackLock)
        {
            var bottom = device;
            while (bottom.AttachedTo is { } lower)
            {
                bottom = lower;
            }
            var stack = new List<DeviceObject>();
            for (DeviceObject? d = bottom; d is not null; d = d.AttachedDevice)
            {
                stack.Add(d);
            }
            return [.. stack];
        }
    }

    /// <summary>
    /// IopSynchronousCall of the PnP manager: an IRP_MJ_PNP with <paramref name="minorFunction"/> to the
    /// top of the stack, IoStatus.Status STATUS_NOT_SUPPORTED as every PnP IRP starts; waits for it.
    /// </summary>
    private static async ValueTask<NtStatus> IopSynchronousPnpCall(DeviceObject top, PnpMinorFunction minorFunction)
    {
        var done = new KEvent();
        Wdm.KeInitializeEvent(done, EventType.NotificationEvent, false);
        var iosb = new IoStatusBlock();
        var irp = Wdm.IoBuildSynchronousFsdRequest(IrpMajorFunction.Pnp, top, null, 0, 0, done.IoSignal, iosb)!;
        irp.IoStatus.Status = NtStatus.NotSupported;
        irp.NextStackLocation.MinorFunction = (byte)minorFunction;
        var status = await Wdm.IoCallDriver(top, irp).ConfigureAwait(false);
        if (status == NtStatus.Pending)
        {
            await Wdm.KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            status = iosb.Status;
        }
        return status;
    }
}
