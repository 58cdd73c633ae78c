namespace ActorKernel.Actors;

// Device interfaces and their notifications (ReactOS io/iomgr/deviface.c IoRegisterDeviceInterface,
// IoSetDeviceInterfaceState; io/pnpmgr/pnpnotify.c IoRegisterPlugPlayNotification,
// IopNotifyPlugPlayNotification; Microsoft "Using Device Interfaces", "Registering for Notification
// of Device Interface Arrival and Device Removal"). An enabled interface is a symbolic link
// \??\<instance path with # for \>#{class guid} to the PDO; each change is delivered later, from the
// PnP manager's worker at PASSIVE_LEVEL, to the kernel callbacks registered for the class and to the
// user-mode registrations (CM_Register_Notification).
public sealed partial class PnpManager
{
    private readonly List<PnpNotificationEntry> _kernelListeners = [];
    private readonly List<IPnpUserListener> _userListeners = [];

    /// <summary>The device interface classes: registered instances and their links.</summary>
    public DeviceInterfaces Interfaces { get; }

    /// <summary>Queues the delivery of an interface arrival or removal (PpSetDeviceClassChange).</summary>
    internal void PpSetDeviceClassChange(PnpInterfaceChange change, DeviceNode node) =>
        PiQueueDeviceAction(new PnpDeviceAction(node, PnpDeviceActionKind.NotifyDeviceClassChange, null, change));

    /// <summary>The PnP manager disables what is still enabled of a removed device's interfaces and announces it.</summary>
    private void IopDisableDeviceInterfaces(DeviceNode node)
    {
        if (node.PhysicalDeviceObject.Name is not { } target)
        {
            return;
        }
        foreach (var link in Interfaces.EnabledLinksTo(target))
        {
            if (Interfaces.IoSetDeviceInterfaceState(link, enable: false) == NtStatus.Success)
            {
                PnpLog(node, "interface disabled " + link);
                PpSetDeviceClassChange(new PnpInterfaceChange(PnpGuids.DeviceInterfaceRemoval, Interfaces.ClassOf(link)!.Value, link), node);
            }
        }
    }

    /// <summary>
    /// IopNotifyPlugPlayNotification for EventCategoryDeviceInterfaceChange: each kernel callback
    /// registered for the class (in registration order) with a DEVICE_INTERFACE_CHANGE_NOTIFICATION, then
    /// each user-mode registration with the link in its user-mode form (<c>\\?\...</c>).
    /// </summary>
    private async ValueTask IopNotifyDeviceClassChange(PnpInterfaceChange change)
    {
        List<PnpNotificationEntry> kernel;
        List<IPnpUserListener> user;
        lock (_kernelListeners)
        {
            kernel = [.. _kernelListeners.Where(e => !e.Unregistered && e.InterfaceClassGuid == change.InterfaceClassGuid
                && (change.OnlyFor is null || ReferenceEquals(change.OnlyFor, e)))];
            user = change.OnlyFor is null ? [.. _userListeners] : [];
        }
        foreach (var entry in kernel)
        {
            var notification = new DeviceInterfaceChangeNotification(change.Event, change.InterfaceClassGuid, change.SymbolicLinkName);
            var status = await entry.CallbackRoutine(notification, entry.Context).ConfigureAwait(false);
            PnpLog(RootDeviceNode, $"{PnpGuids.Name(change.Event)} {change.SymbolicLinkName} -> {entry.DriverObject.Name} {status.ToDisplayString()}");
        }
        foreach (var listener in user)
        {
            listener.Deliver(change);
        }
    }

    internal NtStatus IopRegisterPlugPlayNotification(PnpNotificationEntry entry, bool includeExisting)
    {
        lock (_kernelListeners)
        {
            _kernelListeners.Add(entry);
        }
        if (includeExisting)
        {
            foreach (var (interfaceClass, link) in Interfaces.EnabledInterfaces())
            {
                if (interfaceClass == entry.InterfaceClassGuid)
                {
                    PpSetDeviceClassChange(new PnpInterfaceChange(PnpGuids.DeviceInterfaceArrival, interfaceClass, link, entry), RootDeviceNode);
                }
            }
        }
        return NtStatus.Success;
    }

    internal void IopUnregisterPlugPlayNotification(PnpNotificationEntry entry)
    {
        lock (_kernelListeners)
        {
            entry.Unregistered = true;
            _kernelListeners.Remove(entry);
        }
    }

    internal void IopRegisterUserListener(IPnpUserListener listener)
    {
        lock (_kernelListeners)
        {
            _userListeners.Add(listener);
        }
    }

    internal void IopUnregisterUserListener(IPnpUserListener listener)
    {
        lock (_kernelListeners)
        {
            _userListeners.Remove(listener);
        }
    }
}

/// <summary>A user-mode registration the PnP manager delivers interface changes to (the user-mode side of the PnP event queue).</summary>
internal interface IPnpUserListener
{
    /// <summary>Queues <paramref name="change"/> for the process (called in the PnP worker at PASSIVE_LEVEL).</summary>
    void Deliver(PnpInterfaceChange change);
}

/// <summary>An interface arrival or removal on its way to the listeners.</summary>
/// <param name="Event">GUID_DEVICE_INTERFACE_ARRIVAL or GUID_DEVICE_INTERFACE_REMOVAL.</param>
/// <param name="InterfaceClassGuid">The interface class.</param>
/// <param name="SymbolicLinkName">The instance's link (<c>\??\...</c>).</param>
/// <param name="OnlyFor">A registration that asked for the existing interfaces (null: everyone).</param>
public sealed record PnpInterfaceChange(Guid Event, Guid InterfaceClassGuid, string SymbolicLinkName, PnpNotificationEntry? OnlyFor = null);

/// <summary>IO_NOTIFICATION_EVENT_CATEGORY (wdm.h values).</summary>
public enum IoNotificationEventCategory
{
    /// <summary>EventCategoryReserved (0).</summary>
    EventCategoryReserved = 0,

    /// <summary>EventCategoryHardwareProfileChange (1).</summary>
    EventCategoryHardwareProfileChange = 1,

    /// <summary>EventCategoryDeviceInterfaceChange (2): arrivals and removals of a device interface class.</summary>
    EventCategoryDeviceInterfaceChange = 2,

    /// <summary>EventCategoryTargetDeviceChange (3).</summary>
    EventCategoryTargetDeviceChange = 3,
}

/// <summary>The PnP event GUIDs (wdmguid.h).</summary>
public static class PnpGuids
{
    /// <summary>GUID_DEVICE_INTERFACE_ARRIVAL {cb3a4004-46f0-11d0-b08f-00609713053f}.</summary>
    public static readonly Guid DeviceInterfaceArrival = new(0xcb3a4004, 0x46f0, 0x11d0, 0xb0, 0x8f, 0x00, 0x60, 0x97, 0x13, 0x05, 0x3f);

    /// <summary>GUID_DEVICE_INTERFACE_REMOVAL {cb3a4005-46f0-11d0-b08f-00609713053f}.</summary>
    public static readonly Guid DeviceInterfaceRemoval = new(0xcb3a4005, 0x46f0, 0x11d0, 0xb0, 0x8f, 0x00, 0x60, 0x97, 0x13, 0x05, 0x3f);

    /// <summary>GUID_DEVINTERFACE_DISK {53f56307-b6bf-11d0-94f2-00a0c91efb8b} (ntddstor.h).</summary>
    public static readonly Guid DevInterfaceDisk = new(0x53f56307, 0xb6bf, 0x11d0, 0x94, 0xf2, 0x00, 0xa0, 0xc9, 0x1e, 0xfb, 0x8b);

    /// <summary>GUID_DEVINTERFACE_COMPORT {86e0d1e0-8089-11d0-9ce4-08003e301f73} (ntddser.h).</summary>
    public static readonly Guid DevInterfaceComPort = new(0x86e0d1e0, 0x8089, 0x11d0, 0x9c, 0xe4, 0x08, 0x00, 0x3e, 0x30, 0x1f, 0x73);

    /// <summary>GUID_DEVINTERFACE_NET {cac88484-7515-4c03-82e6-71a87abac361} (ndisguid.h).</summary>
    public static readonly Guid DevInterfaceNet = new(0xcac88484, 0x7515, 0x4c03, 0x82, 0xe6, 0x71, 0xa8, 0x7a, 0xba, 0xc3, 0x61);

    /// <summary>The wdmguid.h name of an event GUID.</summary>
    /// <param name="guid">The GUID.</param>
    /// <returns>Its name, or the GUID.</returns>
    public static string Name(Guid guid) =>
        guid == DeviceInterfaceArrival ? "GUID_DEVICE_INTERFACE_ARRIVAL"
        : guid == DeviceInterfaceRemoval ? "GUID_DEVICE_INTERFACE_REMOVAL"
        : guid.ToString("B", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// DEVICE_INTERFACE_CHANGE_NOTIFICATION: what an EventCategoryDeviceInterfaceChange callback gets.
/// </summary>
/// <param name="Event">GUID_DEVICE_INTERFACE_ARRIVAL or GUID_DEVICE_INTERFACE_REMOVAL.</param>
/// <param name="InterfaceClassGuid">The interface class.</param>
/// <param name="SymbolicLinkName">The instance's link, to pass to IoGetDeviceObjectPointer or open.</param>
public sealed record DeviceInterfaceChangeNotification(Guid Event, Guid InterfaceClassGuid, string SymbolicLinkName)
{
    /// <summary>Version (1).</summary>
    public ushort Version => 1;
}

/// <summary>DRIVER_NOTIFICATION_CALLBACK_ROUTINE for EventCategoryDeviceInterfaceChange.</summary>
/// <param name="notificationStructure">The change.</param>
/// <param name="context">The context given at registration.</param>
/// <returns>STATUS_SUCCESS (the status is ignored for interface changes).</returns>
public delegate ValueTask<NtStatus> DriverNotificationCallbackRoutine(DeviceInterfaceChangeNotification notificationStructure, object? context);

/// <summary>The NotificationEntry of IoRegisterPlugPlayNotification: what IoUnregisterPlugPlayNotificationEx takes.</summary>
public sealed class PnpNotificationEntry
{
    internal PnpNotificationEntry(PnpManager manager, Guid interfaceClassGuid, DriverObject driverObject, DriverNotificationCallbackRoutine callbackRoutine, object? context)
    {
        Manager = manager;
        InterfaceClassGuid = interfaceClassGuid;
        DriverObject = driverObject;
        CallbackRoutine = callbackRoutine;
        Context = context;
    }

    internal PnpManager Manager { get; }

    /// <summary>The interface class (EventCategoryData).</summary>
    public Guid InterfaceClassGuid { get; }

    /// <summary>The registering driver.</summary>
    public DriverObject DriverObject { get; }

    internal DriverNotificationCallbackRoutine CallbackRoutine { get; }

    internal object? Context { get; }

    internal bool Unregistered { get; set; }
}

public static partial class Wdm
{
    /// <summary>PNPNOTIFY_DEVICE_INTERFACE_INCLUDE_EXISTING_INTERFACES (0x1): also report the interfaces enabled now.</summary>
    public const uint PnpNotifyDeviceInterfaceIncludeExistingInterfaces = 0x1;

    /// <summary>
    /// IoRegisterDeviceInterface: registers an instance of <paramref name="interfaceClassGuid"/> for the
    /// device whose PDO is <paramref name="physicalDeviceObject"/>; its name is
    /// <c>\??\&lt;instance path, \ as #&gt;#{guid}</c> (plus <c>\reference</c>). It is not usable until
    /// IoSetDeviceInterfaceState enables it.
    /// </summary>
    /// <param name="physicalDeviceObject">The device's PDO (a device object the PnP manager has a device node for).</param>
    /// <param name="interfaceClassGuid">The interface class.</param>
    /// <param name="referenceString">An optional reference string.</param>
    /// <param name="symbolicLinkName">The instance's name.</param>
    /// <returns>STATUS_SUCCESS (also for an instance registered before); STATUS_INVALID_DEVICE_REQUEST when the device object is not a PDO the PnP manager knows.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NtStatus IoRegisterDeviceInterface(DeviceObject physicalDeviceObject, Guid interfaceClassGuid, string? referenceString, out string? symbolicLinkName)
    {
        ArgumentNullException.ThrowIfNull(physicalDeviceObject);
        InlineIoProcessor.Current.Charge(IoCostModel.Default.DefaultCallNs);
        symbolicLinkName = null;
        if (physicalDeviceObject.DriverObject.Manager.PnpManager is not { } pnp || pnp.IopGetDeviceNode(physicalDeviceObject) is not { } node
            || physicalDeviceObject.Name is not { } target)
        {
            return NtStatus.InvalidDeviceRequest;
        }
        var status = pnp.Interfaces.IoRegisterDeviceInterface(node.InstancePath, target, interfaceClassGuid, referenceString, out var link);
        symbolicLinkName = status.IsSuccess() ? link : null;
        return status;
    }

    /// <summary>
    /// IoSetDeviceInterfaceState: enables (creates the symbolic link to the PDO) or disables (deletes it)
    /// a registered instance; the PnP manager then announces GUID_DEVICE_INTERFACE_ARRIVAL or
    /// GUID_DEVICE_INTERFACE_REMOVAL to the listeners, from its worker thread.
    /// </summary>
    /// <param name="symbolicLinkName">What IoRegisterDeviceInterface returned.</param>
    /// <param name="enable">TRUE to enable.</param>
    /// <returns>STATUS_SUCCESS; STATUS_OBJECT_NAME_EXISTS enabling an enabled instance; STATUS_OBJECT_NAME_NOT_FOUND for an unknown or already disabled one.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NtStatus IoSetDeviceInterfaceState(string symbolicLinkName, bool enable)
    {
        ArgumentNullException.ThrowIfNull(symbolicLinkName);
        InlineIoProcessor.Current.Charge(IoCostModel.Default.DefaultCallNs);
        if (IoManager.Current.PnpManager is not { } pnp)
        {
            return NtStatus.ObjectNameNotFound;
        }
        var status = pnp.Interfaces.IoSetDeviceInterfaceState(symbolicLinkName, enable);
        if (status == NtStatus.Success)
        {
            pnp.PpSetDeviceClassChange(new PnpInterfaceChange(enable ? PnpGuids.DeviceInterfaceArrival : PnpGuids.DeviceInterfaceRemoval,
                pnp.Interfaces.ClassOf(symbolicLinkName)!.Value, symbolicLinkName), pnp.RootDeviceNode);
        }
        return status;
    }

    /// <summary>
    /// IoRegisterPlugPlayNotification for EventCategoryDeviceInterfaceChange: <paramref name="callbackRoutine"/>
    /// is called at PASSIVE_LEVEL, in the PnP manager's thread, for each arrival and removal of an
    /// interface of <paramref name="interfaceClassGuid"/>; with
    /// PNPNOTIFY_DEVICE_INTERFACE_INCLUDE_EXISTING_INTERFACES also for each one enabled now.
    /// </summary>
    /// <param name="eventCategory">EventCategoryDeviceInterfaceChange (the category modelled).</param>
    /// <param name="eventCategoryFlags">0 or PNPNOTIFY_DEVICE_INTERFACE_INCLUDE_EXISTING_INTERFACES.</param>
    /// <param name="interfaceClassGuid">EventCategoryData: the interface class.</param>
    /// <param name="driverObject">The caller's driver object.</param>
    /// <param name="callbackRoutine">The callback.</param>
    /// <param name="context">Its context.</param>
    /// <param name="notificationEntry">The registration, for IoUnregisterPlugPlayNotificationEx.</param>
    /// <returns>STATUS_SUCCESS; STATUS_NOT_IMPLEMENTED for another category; STATUS_INVALID_DEVICE_REQUEST on a machine without a PnP manager.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NtStatus IoRegisterPlugPlayNotification(IoNotificationEventCategory eventCategory, uint eventCategoryFlags, Guid interfaceClassGuid,
        DriverObject driverObject, DriverNotificationCallbackRoutine callbackRoutine, object? context, out PnpNotificationEntry? notificationEntry)
    {
        ArgumentNullException.ThrowIfNull(driverObject);
        ArgumentNullException.ThrowIfNull(callbackRoutine);
        InlineIoProcessor.Current.Charge(IoCostModel.Default.DefaultCallNs);
        notificationEntry = null;
        if (eventCategory != IoNotificationEventCategory.EventCategoryDeviceInterfaceChange)
        {
            return NtStatus.NotImplemented;
        }
        if (driverObject.Manager.PnpManager is not { } pnp)
        {
            return NtStatus.InvalidDeviceRequest;
        }
        notificationEntry = new PnpNotificationEntry(pnp, interfaceClassGuid, driverObject, callbackRoutine, context);
        return pnp.IopRegisterPlugPlayNotification(notificationEntry, (eventCategoryFlags & PnpNotifyDeviceInterfaceIncludeExistingInterfaces) != 0);
    }

    /// <summary>IoUnregisterPlugPlayNotificationEx: no callback starts for the registration after this returns.</summary>
    /// <param name="notificationEntry">What IoRegisterPlugPlayNotification returned.</param>
    /// <returns>STATUS_SUCCESS.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NtStatus IoUnregisterPlugPlayNotificationEx(PnpNotificationEntry notificationEntry)
    {
        ArgumentNullException.ThrowIfNull(notificationEntry);
        InlineIoProcessor.Current.Charge(IoCostModel.Default.DefaultCallNs);
        notificationEntry.Manager.IopUnregisterPlugPlayNotification(notificationEntry);
        return NtStatus.Success;
    }

    /// <summary>
    /// IoInvalidateDeviceState: a driver tells the PnP manager that the device's PnP state changed; the
    /// manager sends IRP_MN_QUERY_PNP_DEVICE_STATE later from its thread (PNP_DEVICE_FAILED: problem 43
    /// and the stack is surprise-removed).
    /// </summary>
    /// <param name="physicalDeviceObject">The device's PDO.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void IoInvalidateDeviceState(DeviceObject physicalDeviceObject)
    {
        ArgumentNullException.ThrowIfNull(physicalDeviceObject);
        if (Processor.CurrentOrNull is { } processor)
        {
            processor.KiCharge(processor.Costs.DefaultCallNs);
        }
        if (physicalDeviceObject.DriverObject.Manager.PnpManager is { } pnp && pnp.IopGetDeviceNode(physicalDeviceObject) is { } node)
        {
            pnp.PiQueueDeviceAction(new PnpDeviceAction(node, PnpDeviceActionKind.QueryDeviceState));
        }
    }
}
