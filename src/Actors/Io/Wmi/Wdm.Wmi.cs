using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>
/// WMI in the kernel: IoWMIRegistrationControl (a provider registers; WMI asks its data blocks with
/// IRP_MN_REGINFO), the WMI library's WmiSystemControl and WmiCompleteRequest (wmilib.h) that
/// dispatch IRP_MJ_SYSTEM_CONTROL to a driver's WMILIB_CONTEXT callbacks, and the consumer side
/// (IoWMIQueryAllData, IoWMISetSingleInstance, IoWMISetSingleItem) that sends those IRPs.
/// </summary>
public static partial class Wdm
{
    /// <summary>
    /// IoWMIRegistrationControl: WMIREG_ACTION_REGISTER makes <paramref name="deviceObject"/> a WMI
    /// provider (WMI sends it IRP_MN_REGINFO at once, as NT's WmipRegisterDevice does, and records the
    /// blocks it returns); WMIREG_ACTION_DEREGISTER removes it (a driver does so before its device is removed).
    /// </summary>
    /// <param name="deviceObject">The provider.</param>
    /// <param name="action">WMIREG_ACTION_*.</param>
    /// <returns>STATUS_SUCCESS, the status of the failed IRP_MN_REGINFO, or STATUS_INVALID_PARAMETER for an unknown action.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static async ValueTask<NtStatus> IoWMIRegistrationControl(DeviceObject deviceObject, WmiRegistrationAction action)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        var manager = deviceObject.DriverObject.Manager;
        InlineIoProcessor.Current.Charge(manager.Costs.DefaultCallNs);
        switch (action)
        {
            case WmiRegistrationAction.Register:
            case WmiRegistrationAction.Reregister:
            case WmiRegistrationAction.UpdateGuids:
                var request = new WmiRequest { ProviderId = deviceObject };
                var status = await WmipSendIrp(deviceObject, WmiMinorFunction.RegInfo, request).ConfigureAwait(false);
                if (!status.IsSuccess() || request.RegInfo is not { } info)
                {
                    return status.IsSuccess() ? NtStatus.Unsuccessful : status;
                }
                manager.WmipRegister(new WmiProvider(deviceObject, info.InstanceBaseName, info.Blocks));
                return NtStatus.Success;
            case WmiRegistrationAction.Deregister:
                manager.WmipDeregister(deviceObject);
                return NtStatus.Success;
            default:
                return NtStatus.InvalidParameter;
        }
    }

    /// <summary>
    /// WmiSystemControl: the WMI library's dispatch of an IRP_MJ_SYSTEM_CONTROL request. A minor
    /// function that is not WMI's is IrpNotWmi; a request for another device (ProviderId) is
    /// IrpForward; otherwise the library finds the block (STATUS_WMI_GUID_NOT_FOUND when the GuidList
    /// lacks it) and the instance (STATUS_WMI_INSTANCE_NOT_FOUND), calls the driver's callback, which
    /// completes the IRP with WmiCompleteRequest, or completes it itself: STATUS_WMI_READ_ONLY for a
    /// change with no SetWmiDataBlock/SetWmiDataItem, STATUS_INVALID_DEVICE_REQUEST for a method with no
    /// ExecuteWmiMethod, STATUS_SUCCESS for enable/disable (no WmiFunctionControl modelled).
    /// </summary>
    /// <param name="context">The driver's WMILIB_CONTEXT.</param>
    /// <param name="deviceObject">The device the IRP was sent to.</param>
    /// <param name="irp">The IRP.</param>
    /// <returns>The status and what the driver must still do with the IRP.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static async ValueTask<(NtStatus Status, SysctlIrpDisposition Disposition)> WmiSystemControl(WmiLibContext context, DeviceObject deviceObject, Irp irp)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(deviceObject);
        ArgumentNullException.ThrowIfNull(irp);
        InlineIoProcessor.Current.Charge(deviceObject.DriverObject.Manager.Costs.DefaultCallNs);
        var stack = IoGetCurrentIrpStackLocation(irp);
        var minor = (WmiMinorFunction)stack.MinorFunction;
        if (minor > WmiMinorFunction.ExecuteMethod && minor != WmiMinorFunction.RegInfoEx)
        {
            return (irp.IoStatus.Status, SysctlIrpDisposition.IrpNotWmi);
        }
        if (stack.Parameters.Others.Argument1 is not WmiRequest request || !ReferenceEquals(request.ProviderId, deviceObject))
        {
            return (irp.IoStatus.Status, SysctlIrpDisposition.IrpForward);
        }
        if (minor is WmiMinorFunction.RegInfo or WmiMinorFunction.RegInfoEx)
        {
            var (regStatus, baseName) = await context.QueryWmiRegInfo(deviceObject).ConfigureAwait(false);
            if (regStatus.IsSuccess())
            {
                request.RegInfo = (baseName, context.GuidList);
            }
            return (await WmipComplete(irp, regStatus).ConfigureAwait(false), SysctlIrpDisposition.IrpProcessed);
        }
        var guidIndex = -1;
        for (var i = 0; i < context.GuidList.Count; i++)
        {
            if (context.GuidList[i].Guid == request.DataPath)
            {
                guidIndex = i;
                break;
            }
        }
        if (guidIndex < 0)
        {
            return (await WmipComplete(irp, NtStatus.WmiGuidNotFound).ConfigureAwait(false), SysctlIrpDisposition.IrpProcessed);
        }
        var block = context.GuidList[guidIndex];
        var instanceIndex = 0;
        if (minor is not (WmiMinorFunction.QueryAllData or WmiMinorFunction.EnableEvents or WmiMinorFunction.DisableEvents
            or WmiMinorFunction.EnableCollection or WmiMinorFunction.DisableCollection))
        {
            instanceIndex = deviceObject.DriverObject.Manager.WmipInstanceIndex(deviceObject, request.InstanceName);
            if (instanceIndex < 0 || instanceIndex >= block.InstanceCount)
            {
                return (await WmipComplete(irp, NtStatus.WmiInstanceNotFound).ConfigureAwait(false), SysctlIrpDisposition.IrpProcessed);
            }
        }
        NtStatus status;
        switch (minor)
        {
            case WmiMinorFunction.QueryAllData:
            case WmiMinorFunction.QuerySingleInstance:
                var count = minor == WmiMinorFunction.QueryAllData ? (int)block.InstanceCount : 1;
                request.FirstInstance = instanceIndex;
                status = await context.QueryWmiDataBlock(deviceObject, irp, guidIndex, instanceIndex, count, request.Items).ConfigureAwait(false);
                break;
            case WmiMinorFunction.ChangeSingleInstance:
                status = context.SetWmiDataBlock is { } setBlock
                    ? await setBlock(deviceObject, irp, guidIndex, instanceIndex, request.Input).ConfigureAwait(false)
                    : await WmipComplete(irp, NtStatus.WmiReadOnly).ConfigureAwait(false);
                break;
            case WmiMinorFunction.ChangeSingleItem:
                status = context.SetWmiDataItem is { } setItem && request.Input.Count == 1
                    ? await setItem(deviceObject, irp, guidIndex, instanceIndex, request.DataItemId, request.Input[0]).ConfigureAwait(false)
                    : await WmipComplete(irp, context.SetWmiDataItem is null ? NtStatus.WmiReadOnly : NtStatus.InvalidParameter).ConfigureAwait(false);
                break;
            case WmiMinorFunction.ExecuteMethod:
                status = context.ExecuteWmiMethod is { } method
                    ? await method(deviceObject, irp, guidIndex, instanceIndex).ConfigureAwait(false)
                    : await WmipComplete(irp, NtStatus.InvalidDeviceRequest).ConfigureAwait(false);
                break;
            default:
                status = await WmipComplete(irp, NtStatus.Success).ConfigureAwait(false);
                break;
        }
        return (status, SysctlIrpDisposition.IrpProcessed);
    }

    /// <summary>WmiCompleteRequest: a WMI library callback completes its IRP with <paramref name="status"/>.</summary>
    /// <param name="deviceObject">The provider.</param>
    /// <param name="irp">The IRP.</param>
    /// <param name="status">The status.</param>
    /// <param name="bufferUsed">Bytes (here: items) returned.</param>
    /// <param name="priorityBoost">The boost.</param>
    /// <returns><paramref name="status"/>.</returns>
    public static async ValueTask<NtStatus> WmiCompleteRequest(DeviceObject deviceObject, Irp irp, NtStatus status, ulong bufferUsed, PriorityBoost priorityBoost)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        ArgumentNullException.ThrowIfNull(irp);
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = bufferUsed;
        await IoCompleteRequest(irp, priorityBoost);
        return status;
    }

    /// <summary>
    /// IoWMIQueryAllData (on the block IoWMIOpenBlock names by its class): IRP_MN_QUERY_ALL_DATA to
    /// every provider that registered the class's block; the instances of all of them.
    /// </summary>
    /// <param name="manager">The I/O manager whose providers are asked.</param>
    /// <param name="className">The MOF class.</param>
    /// <returns>STATUS_WMI_GUID_NOT_FOUND when no provider registered it; else the first failure or STATUS_SUCCESS, and the instances.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL, in a thread.</remarks>
    public static async ValueTask<(NtStatus Status, IReadOnlyList<WmiInstance> Instances)> IoWMIQueryAllData(IoManager manager, string className)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(className);
        InlineIoProcessor.Current.Charge(manager.Costs.DefaultCallNs);
        var providers = manager.WmipProvidersOf(className);
        if (providers.Count == 0)
        {
            return (NtStatus.WmiGuidNotFound, []);
        }
        var instances = new List<WmiInstance>();
        var result = NtStatus.Success;
        foreach (var (provider, block) in providers)
        {
            var request = new WmiRequest { ProviderId = provider.Device, DataPath = block.Guid, InstanceBaseName = provider.InstanceBaseName };
            var status = await WmipSendIrp(provider.Device, WmiMinorFunction.QueryAllData, request).ConfigureAwait(false);
            if (!status.IsSuccess() && result.IsSuccess())
            {
                result = status;
            }
            instances.AddRange(request.Output);
        }
        return (result, instances);
    }

    /// <summary>IoWMISetSingleInstance: IRP_MN_CHANGE_SINGLE_INSTANCE to the provider of <paramref name="instanceName"/>.</summary>
    /// <param name="manager">The I/O manager.</param>
    /// <param name="className">The MOF class.</param>
    /// <param name="instanceName">The instance.</param>
    /// <param name="values">The new values.</param>
    /// <returns>The provider's status (STATUS_WMI_READ_ONLY when it allows no set), or STATUS_WMI_GUID_NOT_FOUND / STATUS_WMI_INSTANCE_NOT_FOUND.</returns>
    public static ValueTask<NtStatus> IoWMISetSingleInstance(IoManager manager, string className, string instanceName, IReadOnlyList<WmiDataItem> values) =>
        WmipSet(manager, className, instanceName, WmiMinorFunction.ChangeSingleInstance, 0, values);

    /// <summary>IoWMISetSingleItem: IRP_MN_CHANGE_SINGLE_ITEM to the provider of <paramref name="instanceName"/>.</summary>
    /// <param name="manager">The I/O manager.</param>
    /// <param name="className">The MOF class.</param>
    /// <param name="instanceName">The instance.</param>
    /// <param name="value">The item (its DataId) and new value.</param>
    /// <returns>The provider's status, or STATUS_WMI_GUID_NOT_FOUND / STATUS_WMI_INSTANCE_NOT_FOUND.</returns>
    public static ValueTask<NtStatus> IoWMISetSingleItem(IoManager manager, string className, string instanceName, WmiDataItem value) =>
        WmipSet(manager, className, instanceName, WmiMinorFunction.ChangeSingleItem, (value ?? throw new ArgumentNullException(nameof(value))).DataId, [value]);

    /// <summary>Sends a WMI request IRP of <paramref name="minor"/> with <paramref name="request"/> (any minor, for tests of the library).</summary>
    /// <param name="provider">The provider (the IRP goes to the top of its stack, as WMI sends it).</param>
    /// <param name="minor">The minor function.</param>
    /// <param name="request">Parameters.WMI.</param>
    /// <returns>The IRP's final status.</returns>
    public static ValueTask<NtStatus> WmiSendRequest(DeviceObject provider, WmiMinorFunction minor, WmiRequest request) => WmipSendIrp(provider, minor, request);

    private static async ValueTask<NtStatus> WmipSet(IoManager manager, string className, string instanceName, WmiMinorFunction minor, uint itemId, IReadOnlyList<WmiDataItem> values)
    {
        ArgumentNullException.ThrowIfNull(manager);
        InlineIoProcessor.Current.Charge(manager.Costs.DefaultCallNs);
        var providers = manager.WmipProvidersOf(className);
        if (providers.Count == 0)
        {
            return NtStatus.WmiGuidNotFound;
        }
        foreach (var (provider, block) in providers)
        {
            if (instanceName.StartsWith(provider.InstanceBaseName + "_", StringComparison.Ordinal))
            {
                var request = new WmiRequest
                {
                    ProviderId = provider.Device, DataPath = block.Guid, InstanceName = instanceName, InstanceBaseName = provider.InstanceBaseName,
                    DataItemId = itemId, Input = values,
                };
                return await WmipSendIrp(provider.Device, minor, request).ConfigureAwait(false);
            }
        }
        return NtStatus.WmiInstanceNotFound;
    }

    // WMI's IRP to a provider: IRP_MJ_SYSTEM_CONTROL to the top of its stack, Parameters.WMI in Argument1,
    // IoStatus.Status STATUS_NOT_SUPPORTED as WMI IRPs start; waits for it.
    private static async ValueTask<NtStatus> WmipSendIrp(DeviceObject provider, WmiMinorFunction minor, WmiRequest request)
    {
        var top = IoGetAttachedDevice(provider);
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var iosb = new IoStatusBlock();
        var irp = IoBuildSynchronousFsdRequest(IrpMajorFunction.SystemControl, top, null, 0, 0, done.IoSignal, iosb)!;
        irp.IoStatus.Status = NtStatus.NotSupported;
        var next = irp.NextStackLocation;
        next.MinorFunction = (byte)minor;
        next.Parameters.Others.Argument1 = request;
        var status = await IoCallDriver(top, irp).ConfigureAwait(false);
        if (status == NtStatus.Pending)
        {
            await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            status = iosb.Status;
        }
        return status;
    }

    private static async ValueTask<NtStatus> WmipComplete(Irp irp, NtStatus status)
    {
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>The WMI instance name of instance <paramref name="index"/> of a provider registered with a base name: BASE_N.</summary>
    /// <param name="baseName">The base name.</param>
    /// <param name="index">The instance index.</param>
    /// <returns>The name.</returns>
    public static string WmiInstanceName(string baseName, int index) => baseName + "_" + index.ToString(CultureInfo.InvariantCulture);
}
