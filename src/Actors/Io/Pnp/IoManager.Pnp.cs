namespace ActorKernel.Actors;

// What the PnP manager's removal (src/Actors/Pnp/PnpManager.Remove.cs) asks of the I/O manager: the
// DOE_* checks of IopCheckDeviceAndDriver and a stack's devices (ReactOS io/iomgr/file.c; WRK's
// IopDecrementDeviceObjectRef). The removal itself is the PnP manager's: query-remove, surprise removal,
// IRP_MN_REMOVE_DEVICE, the device tree.
public sealed partial class IoManager
{
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
        foreach (var driver in Volatile.Read(ref _drivers))
        {
            if (driver.Module == module)
            {
                return driver;
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
}
