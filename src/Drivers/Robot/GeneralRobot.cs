/*++

Module Name:

    GeneralRobot.cs

Abstract:

    The robot class's port driver (after the WDM documentation's GeneralRobot/ProsewareRobot
    example). The port owns what every robot driver must do the same way: the dispatch table,
    AddDevice, the device's name and link, and the checks of every IOCTL's buffers. A miniport
    (ProsewareRobot) links with it and supplies only the hardware-specific callbacks. The device
    object and driver object are the miniport's; the code that runs for them is the port's.

    Left out: power management, a remove lock, and queueing (each request is done at once).

Environment:

    Kernel mode. Dispatch routines at PASSIVE_LEVEL.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Robot;

/// <summary>The callbacks a robot miniport gives the port (the miniport's ROBOT_MINIPORT_INTERFACE).</summary>
/// <param name="HwInitialize">Prepares the miniport's per-device context for a new device.</param>
/// <param name="HwMove">Moves the arm to (x, y); returns the status and the position reached.</param>
/// <param name="HwGetPosition">The arm's position.</param>
public sealed record RobotMiniportCallbacks(
    Func<object> HwInitialize,
    Func<object, int, int, (NtStatus Status, int X, int Y)> HwMove,
    Func<object, (int X, int Y)> HwGetPosition);

/// <summary>The port's device extension: the miniport's callbacks and context.</summary>
public sealed class RobotPortExtension
{
    internal RobotPortExtension(RobotMiniportCallbacks callbacks, object miniportContext)
    {
        Callbacks = callbacks;
        MiniportContext = miniportContext;
    }

    /// <summary>The miniport's callbacks.</summary>
    public RobotMiniportCallbacks Callbacks { get; }

    /// <summary>The miniport's per-device context.</summary>
    public object MiniportContext { get; }

    /// <summary>The device below (the PDO).</summary>
    public DeviceObject? LowerDevice { get; internal set; }
}

/// <summary>The robot port driver's exports (<c>generalrobot.sys</c>).</summary>
public static class GeneralRobot
{
    /// <summary>The port's image name.</summary>
    public const string ImageName = "generalrobot.sys";

    private static readonly object CallbacksKey = new();

    /// <summary>
    /// GeneralRobotInitialize: called from the miniport's DriverEntry; fills the miniport's driver
    /// object with the port's routines and remembers the miniport's callbacks.
    /// </summary>
    /// <param name="miniportDriver">The miniport's driver object.</param>
    /// <param name="callbacks">The miniport's callbacks.</param>
    /// <returns>STATUS_SUCCESS, or the failure of IoAllocateDriverObjectExtension.</returns>
    public static NtStatus GeneralRobotInitialize(DriverObject miniportDriver, RobotMiniportCallbacks callbacks)
    {
        var status = miniportDriver.IoAllocateDriverObjectExtension(CallbacksKey, callbacks);
        if (!status.IsSuccess())
        {
            return status;
        }
        miniportDriver.MajorFunction[(int)IrpMajorFunction.Create] = RobotPortCreateClose;
        miniportDriver.MajorFunction[(int)IrpMajorFunction.Close] = RobotPortCreateClose;
        miniportDriver.MajorFunction[(int)IrpMajorFunction.DeviceControl] = RobotPortDeviceControl;
        miniportDriver.MajorFunction[(int)IrpMajorFunction.Pnp] = RobotPortPassDown;
        miniportDriver.MajorFunction[(int)IrpMajorFunction.Power] = RobotPortPassDown;
        miniportDriver.DriverExtension.AddDevice = RobotPortAddDevice;
        return NtStatus.Success;
    }

    /// <summary>AddDevice for every robot: <c>\Device\RobotN</c>, linked as <c>\??\RobotN</c>, attached above the PDO.</summary>
    private static ValueTask<NtStatus> RobotPortAddDevice(DriverObject driverObject, DeviceObject physicalDeviceObject)
    {
        var callbacks = (RobotMiniportCallbacks)driverObject.IoGetDriverObjectExtension(CallbacksKey)!;
        var extension = new RobotPortExtension(callbacks, callbacks.HwInitialize());
        var number = driverObject.DeviceObjects.Count;
        var status = IoCreateDevice(driverObject, extension, $"\\Device\\Robot{number}", RobotCodes.RobotType, 0, false, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        driverObject.Manager.Objects.IoCreateSymbolicLink($"\\??\\Robot{number}", fdo!.Name!);
        extension.LowerDevice = IoAttachDeviceToDeviceStack(fdo, physicalDeviceObject);
        fdo.Flags |= DeviceObjectFlags.BufferedIo;
        fdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static async ValueTask<NtStatus> RobotPortCreateClose(DeviceObject deviceObject, Irp irp)
    {
        _ = deviceObject;
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }

    /// <summary>IRP_MJ_DEVICE_CONTROL: the port checks the buffers, the miniport moves the arm.</summary>
    private static async ValueTask<NtStatus> RobotPortDeviceControl(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<RobotPortExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var parameters = stack.Parameters.DeviceIoControl;
        NtStatus status;
        ulong information = 0;

        if (parameters.IoControlCode == RobotCodes.Move)
        {
            if (parameters.InputBufferLength < RobotCodes.PositionSize || parameters.OutputBufferLength < RobotCodes.PositionSize)
            {
                status = NtStatus.BufferTooSmall;
            }
            else
            {
                var (x, y) = RobotCodes.ReadPosition(irp.SystemBuffer);
                (status, var reachedX, var reachedY) = extension.Callbacks.HwMove(extension.MiniportContext, x, y);
                RobotCodes.WritePosition(irp.SystemBuffer, reachedX, reachedY);
                information = RobotCodes.PositionSize;
            }
        }
        else if (parameters.IoControlCode == RobotCodes.GetPosition)
        {
            if (parameters.OutputBufferLength < RobotCodes.PositionSize)
            {
                status = NtStatus.BufferTooSmall;
            }
            else
            {
                var (x, y) = extension.Callbacks.HwGetPosition(extension.MiniportContext);
                RobotCodes.WritePosition(irp.SystemBuffer, x, y);
                status = NtStatus.Success;
                information = RobotCodes.PositionSize;
            }
        }
        else
        {
            status = NtStatus.InvalidDeviceRequest;
        }

        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    private static ValueTask<NtStatus> RobotPortPassDown(DeviceObject deviceObject, Irp irp)
    {
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(deviceObject.GetExtension<RobotPortExtension>().LowerDevice!, irp);
    }
}
