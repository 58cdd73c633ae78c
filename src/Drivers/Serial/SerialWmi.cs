/*++

Module Name:

    SerialWmi.cs

Abstract:

    serial.sys's WMI: the port registers its data blocks with IoWMIRegistrationControl when it
    starts, and answers IRP_MJ_SYSTEM_CONTROL through the WMI library (WmiSystemControl) with its
    WMILIB_CONTEXT: MSSerial_CommInfo (SERIAL_PORT_WMI_COMM_GUID: the baud rate in force) and
    MSSerial_PerformanceInformation (SERIAL_PORT_WMI_PERF_GUID: SERIAL_WMI_PERF_DATA, the ISR's
    counters). As serial.sys, every block is read-only: SerialSetWmiDataBlock answers
    STATUS_WMI_READ_ONLY and there is no SetWmiDataItem (the library answers STATUS_WMI_READ_ONLY).
    Left out: MSSerial_PortName, MSSerial_HardwareConfiguration, MSSerial_CommProperties.

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Serial;

/// <summary>serial.sys's WMI data blocks and IRP_MJ_SYSTEM_CONTROL dispatch.</summary>
public static class SerialWmi
{
    /// <summary>SERIAL_PORT_WMI_COMM_GUID: MSSerial_CommInfo.</summary>
    public static readonly Guid CommGuid = new("EDB16A62-B16C-11D1-BD98-00A0C906BE2D");

    /// <summary>SERIAL_PORT_WMI_PERF_GUID: MSSerial_PerformanceInformation.</summary>
    public static readonly Guid PerfGuid = new("56415ACC-B16D-11D1-BD98-00A0C906BE2D");

    private const int CommIndex = 0;
    private const int PerfIndex = 1;

    /// <summary>The WMILIB_CONTEXT.</summary>
    public static WmiLibContext WmiLibInfo { get; } = new()
    {
        GuidList = [new(CommGuid, "MSSerial_CommInfo", 1), new(PerfGuid, "MSSerial_PerformanceInformation", 1)],
        QueryWmiRegInfo = SerialQueryWmiRegInfo,
        QueryWmiDataBlock = SerialQueryWmiDataBlock,
        SetWmiDataBlock = SerialSetWmiDataBlock,
        SetWmiDataItem = null,
    };

    /// <summary>IRP_MJ_SYSTEM_CONTROL: WmiSystemControl, then what its disposition asks.</summary>
    /// <param name="deviceObject">The port.</param>
    /// <param name="irp">The IRP.</param>
    /// <returns>The status.</returns>
    public static async ValueTask<NtStatus> SerialSystemControl(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<SerialExtension>();
        var (status, disposition) = await WmiSystemControl(WmiLibInfo, deviceObject, irp);
        switch (disposition)
        {
            case SysctlIrpDisposition.IrpProcessed:
                return status;
            case SysctlIrpDisposition.IrpNotCompleted:
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return irp.IoStatus.Status;
            default:
                // IrpForward and IrpNotWmi: not this port's; pass it down untouched.
                IoSkipCurrentIrpStackLocation(irp);
                return await IoCallDriver(extension.Lower!, irp);
        }
    }

    private static ValueTask<(NtStatus Status, string InstanceBaseName)> SerialQueryWmiRegInfo(DeviceObject deviceObject) =>
        // serial.sys names its instances after the port's PDO; here after the device (Serial0_0...).
        ValueTask.FromResult((NtStatus.Success, (deviceObject.Name ?? "Serial").Replace("\\Device\\", "", StringComparison.Ordinal)));

    private static async ValueTask<NtStatus> SerialQueryWmiDataBlock(DeviceObject deviceObject, Irp irp, int guidIndex, int instanceIndex, int instanceCount,
        List<IReadOnlyList<WmiDataItem>> output)
    {
        var x = deviceObject.GetExtension<SerialExtension>();
        switch (guidIndex)
        {
            case CommIndex:
                output.Add([new(1, "BaudRate", x.BaudRate)]);
                break;
            case PerfIndex:
                // SERIAL_WMI_PERF_DATA, in its MOF order.
                output.Add(
                [
                    new(1, "ReceivedCount", x.ReceivedCount), new(2, "TransmittedCount", x.TransmittedCount), new(3, "FrameErrorCount", x.FrameErrorCount),
                    new(4, "SerialOverrunErrorCount", x.SerialOverrunErrorCount), new(5, "BufferOverrunErrorCount", x.BufferOverrunErrorCount),
                    new(6, "ParityErrorCount", x.ParityErrorCount),
                ]);
                break;
            default:
                return await WmiCompleteRequest(deviceObject, irp, NtStatus.WmiGuidNotFound, 0, PriorityBoost.IoNoIncrement);
        }
        _ = instanceIndex;
        _ = instanceCount;
        return await WmiCompleteRequest(deviceObject, irp, NtStatus.Success, (ulong)output.Count, PriorityBoost.IoNoIncrement);
    }

    // As serial.sys's SerialSetWmiDataBlock: its blocks are read-only.
    private static ValueTask<NtStatus> SerialSetWmiDataBlock(DeviceObject deviceObject, Irp irp, int guidIndex, int instanceIndex, IReadOnlyList<WmiDataItem> values)
    {
        _ = instanceIndex;
        _ = values;
        return WmiCompleteRequest(deviceObject, irp, guidIndex is CommIndex or PerfIndex ? NtStatus.WmiReadOnly : NtStatus.WmiGuidNotFound, 0, PriorityBoost.IoNoIncrement);
    }
}
