namespace ActorKernel.Actors;

/// <summary>
/// The configuration manager API of a user process (cfgmgr32.dll): device notifications
/// (CM_Register_Notification, CM_Unregister_Notification) and the query-and-remove of a device
/// (CM_Query_And_Remove_SubTree). A registration's callback runs on a thread of the calling process,
/// one change at a time in the order the PnP manager announced them, as cfgmgr32's notification
/// thread delivers them.
/// </summary>
public static class CfgMgr32
{
    /// <summary>CM_NOTIFY_FILTER_FLAG_ALL_INTERFACE_CLASSES (0x1): every interface class (ClassGuid ignored).</summary>
    public const uint CmNotifyFilterFlagAllInterfaceClasses = 0x1;

    /// <summary>
    /// CM_Register_Notification: <paramref name="callback"/> is called, on a thread of this process, for
    /// each arrival and removal of a device interface the filter selects.
    /// </summary>
    /// <param name="filter">CM_NOTIFY_FILTER: FilterType CM_NOTIFY_FILTER_TYPE_DEVICEINTERFACE and a ClassGuid (or the all-classes flag).</param>
    /// <param name="context">Given back to the callback.</param>
    /// <param name="callback">PCM_NOTIFY_CALLBACK.</param>
    /// <param name="notifyContext">The HCMNOTIFICATION, for CM_Unregister_Notification.</param>
    /// <returns>CR_SUCCESS; CR_INVALID_DATA for a filter type other than device interfaces; CR_FAILURE on a machine without a PnP manager.</returns>
    public static ConfigRet CM_Register_Notification(CmNotifyFilter filter, object? context, CmNotifyCallback callback, out HCmNotification? notifyContext)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(callback);
        var teb = Kernel32.Enter();
        notifyContext = null;
        if (filter.FilterType != CmNotifyFilterType.DeviceInterface)
        {
            return ConfigRet.InvalidData;
        }
        if (teb.Process.Io.PnpManager is not { } pnp)
        {
            return ConfigRet.Failure;
        }
        var registration = new HCmNotification(pnp, filter, context, callback);
        pnp.IopRegisterUserListener(registration);
        teb.Process.CreateThread(Processor.Current.Number, "cfgmgr32!CMP_NotificationThread", registration.DeliveryThread);
        notifyContext = registration;
        return ConfigRet.Success;
    }

    /// <summary>CM_Unregister_Notification: no callback starts after this returns (one running finishes).</summary>
    /// <param name="notifyContext">What CM_Register_Notification returned.</param>
    /// <returns>CR_SUCCESS; CR_INVALID_POINTER for a registration already closed.</returns>
    public static ConfigRet CM_Unregister_Notification(HCmNotification notifyContext)
    {
        ArgumentNullException.ThrowIfNull(notifyContext);
        Kernel32.Enter();
        return notifyContext.Close() ? ConfigRet.Success : ConfigRet.InvalidPointer;
    }

    /// <summary>
    /// CM_Query_And_Remove_SubTree: asks the PnP manager to remove the device and its children and waits
    /// for the answer. An open handle (PNP_VetoOutstandingOpen) or a driver failing
    /// IRP_MN_QUERY_REMOVE_DEVICE (PNP_VetoDevice) vetoes it: CR_REMOVE_VETOED with the veto type and
    /// the instance path of the device that vetoed.
    /// </summary>
    /// <param name="deviceInstanceId">The device's instance path.</param>
    /// <returns>CR_SUCCESS, CR_REMOVE_VETOED (with the veto), or CR_NO_SUCH_DEVNODE.</returns>
    public static async ValueTask<(ConfigRet Result, PnpVetoType VetoType, string? VetoName)> CM_Query_And_Remove_SubTree(string deviceInstanceId)
    {
        ArgumentNullException.ThrowIfNull(deviceInstanceId);
        var teb = Kernel32.Enter();
        if (teb.Process.Io.PnpManager is not { } pnp || pnp.FindDeviceNode(deviceInstanceId) is not { } node)
        {
            return (ConfigRet.NoSuchDevnode, PnpVetoType.TypeUnknown, null);
        }
        var completion = new PnpActionCompletion();
        pnp.RequestQueryRemove(node, completion);
        Kernel32.KiBeginUserWait(teb);
        await Wdm.KeWaitForSingleObject(completion.Done, KWaitReason.UserRequest, KProcessorMode.UserMode, false, null);
        Kernel32.KiEndUserWait(teb);
        return completion.Veto is { } veto ? (ConfigRet.RemoveVetoed, veto.Type, veto.Name) : (ConfigRet.Success, PnpVetoType.TypeUnknown, null);
    }
}

/// <summary>CONFIGRET (cfgmgr32.h values).</summary>
public enum ConfigRet : uint
{
    /// <summary>CR_SUCCESS (0x0).</summary>
    Success = 0x00,

    /// <summary>CR_INVALID_POINTER (0x3).</summary>
    InvalidPointer = 0x03,

    /// <summary>CR_NO_SUCH_DEVNODE (0xD).</summary>
    NoSuchDevnode = 0x0D,

    /// <summary>CR_FAILURE (0x13).</summary>
    Failure = 0x13,

    /// <summary>CR_REMOVE_VETOED (0x17).</summary>
    RemoveVetoed = 0x17,

    /// <summary>CR_INVALID_DATA (0x1F).</summary>
    InvalidData = 0x1F,
}

/// <summary>CM_NOTIFY_FILTER_TYPE.</summary>
public enum CmNotifyFilterType
{
    /// <summary>CM_NOTIFY_FILTER_TYPE_DEVICEINTERFACE (0).</summary>
    DeviceInterface = 0,

    /// <summary>CM_NOTIFY_FILTER_TYPE_DEVICEHANDLE (1) (not modelled).</summary>
    DeviceHandle = 1,

    /// <summary>CM_NOTIFY_FILTER_TYPE_DEVICEINSTANCE (2) (not modelled).</summary>
    DeviceInstance = 2,
}

/// <summary>CM_NOTIFY_ACTION (the interface actions).</summary>
public enum CmNotifyAction
{
    /// <summary>CM_NOTIFY_ACTION_DEVICEINTERFACEARRIVAL (0).</summary>
    DeviceInterfaceArrival = 0,

    /// <summary>CM_NOTIFY_ACTION_DEVICEINTERFACEREMOVAL (1).</summary>
    DeviceInterfaceRemoval = 1,
}

/// <summary>CM_NOTIFY_FILTER.</summary>
public sealed class CmNotifyFilter
{
    /// <summary>Flags (CM_NOTIFY_FILTER_FLAG_ALL_INTERFACE_CLASSES).</summary>
    public uint Flags { get; init; }

    /// <summary>FilterType.</summary>
    public CmNotifyFilterType FilterType { get; init; }

    /// <summary>u.DeviceInterface.ClassGuid.</summary>
    public Guid ClassGuid { get; init; }
}

/// <summary>CM_NOTIFY_EVENT_DATA for a device interface: its class and its symbolic link (<c>\\?\...</c>, what CreateFile opens).</summary>
/// <param name="FilterType">CM_NOTIFY_FILTER_TYPE_DEVICEINTERFACE.</param>
/// <param name="ClassGuid">u.DeviceInterface.ClassGuid.</param>
/// <param name="SymbolicLink">u.DeviceInterface.SymbolicLink.</param>
public sealed record CmNotifyEventData(CmNotifyFilterType FilterType, Guid ClassGuid, string SymbolicLink);

/// <summary>PCM_NOTIFY_CALLBACK: runs on a thread of the registering process; its return value is ignored for interface actions.</summary>
/// <param name="notify">The registration.</param>
/// <param name="context">The registration's context.</param>
/// <param name="action">What happened.</param>
/// <param name="eventData">The interface.</param>
/// <returns>ERROR_SUCCESS.</returns>
public delegate ValueTask<uint> CmNotifyCallback(HCmNotification notify, object? context, CmNotifyAction action, CmNotifyEventData eventData);

/// <summary>HCMNOTIFICATION: one registration, its queue of changes and its delivery thread.</summary>
public sealed class HCmNotification : IPnpUserListener
{
    private readonly PnpManager _pnp;
    private readonly CmNotifyFilter _filter;
    private readonly object? _context;
    private readonly CmNotifyCallback _callback;
    private readonly Queue<PnpInterfaceChange> _queue = new();
    private readonly KEvent _signal = new();
    private bool _closed;

    internal HCmNotification(PnpManager pnp, CmNotifyFilter filter, object? context, CmNotifyCallback callback)
    {
        _pnp = pnp;
        _filter = filter;
        _context = context;
        _callback = callback;
        Wdm.KeInitializeEvent(_signal, EventType.SynchronizationEvent, false);
    }

    void IPnpUserListener.Deliver(PnpInterfaceChange change)
    {
        if ((_filter.Flags & CfgMgr32.CmNotifyFilterFlagAllInterfaceClasses) == 0 && change.InterfaceClassGuid != _filter.ClassGuid)
        {
            return;
        }
        lock (_queue)
        {
            if (_closed)
            {
                return;
            }
            _queue.Enqueue(change);
        }
        Wdm.KeSetEvent(_signal, (int)PriorityBoost.IoNoIncrement, false);
    }

    internal bool Close()
    {
        lock (_queue)
        {
            if (_closed)
            {
                return false;
            }
            _closed = true;
            _queue.Clear();
        }
        _pnp.IopUnregisterUserListener(this);
        Wdm.KeSetEvent(_signal, (int)PriorityBoost.IoNoIncrement, false);
        return true;
    }

    /// <summary>The notification thread: waits for changes and calls the callback for each, in order, until the registration is closed.</summary>
    internal async ValueTask DeliveryThread()
    {
        while (true)
        {
            PnpInterfaceChange? change;
            lock (_queue)
            {
                if (_closed)
                {
                    return;
                }
                _queue.TryDequeue(out change);
            }
            if (change is null)
            {
                var teb = Kernel32.Enter();
                Kernel32.KiBeginUserWait(teb);
                await Wdm.KeWaitForSingleObject(_signal, KWaitReason.UserRequest, KProcessorMode.UserMode, false, null);
                Kernel32.KiEndUserWait(teb);
                continue;
            }
            var action = change.Event == PnpGuids.DeviceInterfaceArrival ? CmNotifyAction.DeviceInterfaceArrival : CmNotifyAction.DeviceInterfaceRemoval;
            // The user-mode form of the link: \??\ becomes \\?\ (what CreateFile opens).
            var link = change.SymbolicLinkName.StartsWith("\\??\\", StringComparison.Ordinal) ? "\\\\?\\" + change.SymbolicLinkName[4..] : change.SymbolicLinkName;
            await _callback(this, _context, action, new CmNotifyEventData(CmNotifyFilterType.DeviceInterface, change.InterfaceClassGuid, link));
        }
    }
}
