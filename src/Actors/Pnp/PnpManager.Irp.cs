using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Actors;

public sealed partial class PnpManager
{
    // The PnP manager's completion routine: it takes the IRP back (STATUS_MORE_PROCESSING_REQUIRED) so
    // it can read IoStatus.Information before freeing it, and wakes the waiter if the stack pended.
    private static readonly IoCompletionRoutine IopPnpIrpDone = static (_, irp, context) =>
    {
        if (irp.PendingReturned)
        {
            KeSetEvent((KEvent)context!, 0, false);
        }
        return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
    };

    /// <summary>
    /// IopSynchronousCall: an IRP_MJ_PNP with <paramref name="minorFunction"/> to the top of
    /// <paramref name="node"/>'s stack, IoStatus.Status STATUS_NOT_SUPPORTED on entry (so a stack that
    /// handles nothing answers "not supported"), waited for; returns the status and IoStatus.Information
    /// (the value and the pointer).
    /// </summary>
    private async ValueTask<(NtStatus Status, ulong Information, object? Pointer)> IopSynchronousCall(DeviceNode node, PnpMinorFunction minorFunction,
        Action<IoStackLocation>? parameters, string detail)
    {
        var top = IoGetAttachedDeviceReference(node.PhysicalDeviceObject);
        NtStatus status;
        ulong information;
        object? pointer;
        try
        {
            var irp = IoAllocateIrp(Io, top.StackSize, false);
            irp.IoStatus.Status = NtStatus.NotSupported;
            irp.IoStatus.Information = 0;
            irp.IoStatus.InformationPointer = null;
            var stack = irp.NextStackLocation;
            stack.MajorFunction = IrpMajorFunction.Pnp;
            stack.MinorFunction = (byte)minorFunction;
            parameters?.Invoke(stack);
            var done = new KEvent();
            KeInitializeEvent(done, EventType.NotificationEvent, false);
            IoSetCompletionRoutine(irp, IopPnpIrpDone, done, true, true, true);
            if (await IoCallDriver(top, irp).ConfigureAwait(false) == NtStatus.Pending)
            {
                await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            }
            status = irp.IoStatus.Status;
            information = irp.IoStatus.Information;
            pointer = irp.IoStatus.InformationPointer;
            irp.IoStatus.InformationPointer = null;
            IoFreeIrp(irp);
        }
        finally
        {
            top.ObDereferenceObject();
        }
        PnpLog(node, $"{MinorName(minorFunction)}{(detail.Length > 0 ? " " + detail : "")} -> {status.ToDisplayString()}");
        return (status, information, pointer);
    }

    private static string MinorName(PnpMinorFunction minor) => minor switch
    {
        PnpMinorFunction.StartDevice => "IRP_MN_START_DEVICE",
        PnpMinorFunction.QueryRemoveDevice => "IRP_MN_QUERY_REMOVE_DEVICE",
        PnpMinorFunction.RemoveDevice => "IRP_MN_REMOVE_DEVICE",
        PnpMinorFunction.CancelRemoveDevice => "IRP_MN_CANCEL_REMOVE_DEVICE",
        PnpMinorFunction.SurpriseRemoval => "IRP_MN_SURPRISE_REMOVAL",
        PnpMinorFunction.QueryDeviceRelations => "IRP_MN_QUERY_DEVICE_RELATIONS",
        PnpMinorFunction.QueryCapabilities => "IRP_MN_QUERY_CAPABILITIES",
        PnpMinorFunction.QueryResources => "IRP_MN_QUERY_RESOURCES",
        PnpMinorFunction.QueryResourceRequirements => "IRP_MN_QUERY_RESOURCE_REQUIREMENTS",
        PnpMinorFunction.QueryId => "IRP_MN_QUERY_ID",
        PnpMinorFunction.QueryPnpDeviceState => "IRP_MN_QUERY_PNP_DEVICE_STATE",
        _ => FormattableString.Invariant($"IRP_MN 0x{(byte)minor:X2}"),
    };

    private static string IdTypeName(BusQueryIdType type) => type switch
    {
        BusQueryIdType.DeviceId => "BusQueryDeviceID",
        BusQueryIdType.HardwareIds => "BusQueryHardwareIDs",
        BusQueryIdType.CompatibleIds => "BusQueryCompatibleIDs",
        BusQueryIdType.InstanceId => "BusQueryInstanceID",
        _ => type.ToString(),
    };

    /// <summary>IRP_MN_QUERY_ID: the string (a device or instance ID) or the multi-string (hardware or compatible IDs) the bus returned.</summary>
    private async ValueTask<(NtStatus Status, IReadOnlyList<string> Ids)> IopQueryId(DeviceNode node, BusQueryIdType type)
    {
        var (status, _, pointer) = await IopSynchronousCall(node, PnpMinorFunction.QueryId, s => s.Parameters.QueryId.IdType = type, IdTypeName(type)).ConfigureAwait(false);
        IReadOnlyList<string> ids = pointer switch
        {
            string id => [id],
            IReadOnlyList<string> list => list,
            _ => [],
        };
        return (status, status.IsSuccess() ? ids : []);
    }

    /// <summary>IopQueryDeviceCapabilities: IRP_MN_QUERY_CAPABILITIES with a structure whose Size, Version, Address and UINumber are set.</summary>
    private async ValueTask<DeviceCapabilities?> IopQueryDeviceCapabilities(DeviceNode node, string when)
    {
        var capabilities = new DeviceCapabilities();
        var (status, _, _) = await IopSynchronousCall(node, PnpMinorFunction.QueryCapabilities, s => s.Parameters.DeviceCapabilities.Capabilities = capabilities, when).ConfigureAwait(false);
        return status.IsSuccess() ? capabilities : null;
    }
}
