/*++

Module Name:

    NicWmi.cs

Abstract:

    aknic.sys's WMI: the adapter registers one data block, AkNic_Statistics (the driver's own MOF
    class: FramesSent, FramesReceived, WritesDeferred), with IoWMIRegistrationControl when it
    starts, and answers IRP_MJ_SYSTEM_CONTROL through WmiSystemControl. The block is read-only by
    leaving SetWmiDataBlock and SetWmiDataItem NULL, so the WMI library itself answers a set with
    STATUS_WMI_READ_ONLY (serial.sys instead answers from its own set routine).

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Network;

/// <summary>aknic.sys's WMI data block and IRP_MJ_SYSTEM_CONTROL dispatch.</summary>
public static class NicWmi
{
    /// <summary>The AkNic_Statistics block's GUID (the driver's MOF).</summary>
    public static readonly Guid StatisticsGuid = new("8F5512EB-968B-419A-AAC6-334781C143B2");

    /// <summary>The WMILIB_CONTEXT: one read-only block.</summary>
    public static WmiLibContext WmiLibInfo { get; } = new()
    {
        GuidList = [new(StatisticsGuid, "AkNic_Statistics", 1)],
        QueryWmiRegInfo = device => ValueTask.FromResult((NtStatus.Success, (device.Name ?? "AkNic").Replace("\\Device\\", "", StringComparison.Ordinal))),
        QueryWmiDataBlock = NicQueryWmiDataBlock,
    };

    /// <summary>IRP_MJ_SYSTEM_CONTROL: WmiSystemControl, then what its disposition asks.</summary>
    /// <param name="deviceObject">The adapter.</param>
    /// <param name="irp">The IRP.</param>
    /// <returns>The status.</returns>
    public static async ValueTask<NtStatus> NicSystemControl(DeviceObject deviceObject, Irp irp)
    {
        var (status, disposition) = await WmiSystemControl(WmiLibInfo, deviceObject, irp);
        if (disposition == SysctlIrpDisposition.IrpProcessed)
        {
            return status;
        }
        if (disposition == SysctlIrpDisposition.IrpNotCompleted)
        {
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return irp.IoStatus.Status;
        }
        IoSkipCurrentIrpStackLocation(irp);
        return await IoCallDriver(deviceObject.GetExtension<NicExtension>().Lower!, irp);
    }

    private static ValueTask<NtStatus> NicQueryWmiDataBlock(DeviceObject deviceObject, Irp irp, int guidIndex, int instanceIndex, int instanceCount,
        List<IReadOnlyList<WmiDataItem>> output)
    {
        _ = guidIndex;
        _ = instanceIndex;
        _ = instanceCount;
        var x = deviceObject.GetExtension<NicExtension>();
        output.Add([new(1, "FramesSent", x.FramesSent), new(2, "FramesReceived", x.FramesReceived), new(3, "WritesDeferred", x.WritesDeferred)]);
        return WmiCompleteRequest(deviceObject, irp, NtStatus.Success, 1, PriorityBoost.IoNoIncrement);
    }
}
