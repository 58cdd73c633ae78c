/*++

Module Name:

    AfterThought.cs

Abstract:

    An upper filter added to robot stacks after the fact: it keeps the arm inside a safety box by
    clamping the target of every IOCTL_ROBOT_MOVE before passing it down (a filter that modifies
    requests), and counts how many it clamped. Everything else passes through untouched.

    Left out: Plug and Play removal and power handling.

Environment:

    Kernel mode, at the requester's IRQL (PASSIVE_LEVEL).

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Robot;

/// <summary>The filter's device extension.</summary>
public sealed class AfterThoughtExtension
{
    /// <summary>The device below.</summary>
    public DeviceObject? LowerDevice { get; internal set; }

    /// <summary>The safety box's half-width: moves are clamped to [-Limit, Limit].</summary>
    public int Limit { get; set; } = 50;

    /// <summary>How many moves were clamped.</summary>
    public int Clamped { get; internal set; }
}

/// <summary>The AfterThought filter (<c>afterthought.sys</c>).</summary>
public static class AfterThought
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "AfterThought";

    /// <summary>The image name.</summary>
    public const string ImageName = "afterthought.sys";

    /// <summary>DriverEntry.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>STATUS_SUCCESS.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        Array.Fill(driverObject.MajorFunction, AfterThoughtPass);
        driverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = AfterThoughtDeviceControl;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = AfterThoughtPnp;
        driverObject.DriverExtension.AddDevice = AfterThoughtAddDevice;
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static ValueTask<NtStatus> AfterThoughtAddDevice(DriverObject driverObject, DeviceObject physicalDeviceObject)
    {
        var extension = new AfterThoughtExtension();
        var status = IoCreateDevice(driverObject, extension, null, IoGetAttachedDevice(physicalDeviceObject).DeviceType, 0, false, out var filter);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        extension.LowerDevice = IoAttachDeviceToDeviceStack(filter!, physicalDeviceObject);
        filter!.Flags |= extension.LowerDevice!.Flags & (DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo);
        filter.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>IRP_MJ_DEVICE_CONTROL: clamp a move's target, then pass it down.</summary>
    private static ValueTask<NtStatus> AfterThoughtDeviceControl(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<AfterThoughtExtension>();
        var parameters = IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl;
        if (parameters.IoControlCode == RobotCodes.Move && parameters.InputBufferLength >= RobotCodes.PositionSize)
        {
            var (x, y) = RobotCodes.ReadPosition(irp.SystemBuffer);
            var (clampedX, clampedY) = (Math.Clamp(x, -extension.Limit, extension.Limit), Math.Clamp(y, -extension.Limit, extension.Limit));
            if ((clampedX, clampedY) != (x, y))
            {
                RobotCodes.WritePosition(irp.SystemBuffer, clampedX, clampedY);
                extension.Clamped++;
            }
        }
        return AfterThoughtPass(deviceObject, irp);
    }

    private static ValueTask<NtStatus> AfterThoughtPass(DeviceObject deviceObject, Irp irp)
    {
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(deviceObject.GetExtension<AfterThoughtExtension>().LowerDevice!, irp);
    }

    /// <summary>IRP_MJ_PNP: passes every PnP IRP down (it has no hardware state of its own to start or stop); the bus driver below completes it (a WDM driver must pass on what it does not handle).</summary>
    private static ValueTask<NtStatus> AfterThoughtPnp(DeviceObject deviceObject, Irp irp)
    {
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(deviceObject.GetExtension<AfterThoughtExtension>().LowerDevice!, irp);
    }
}
