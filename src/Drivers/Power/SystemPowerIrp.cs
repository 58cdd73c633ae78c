/*++

Module Name:

    SystemPowerIrp.cs

Abstract:

    The half of power policy every policy-owning sample driver does the same way (the WDK
    samples' "S-IRP to D-IRP" pattern, as in the toaster function driver's power.c): a system
    IRP_MN_QUERY_POWER or IRP_MN_SET_POWER goes down the stack first; once the bus driver has it,
    the owner asks for the device state the system state maps to (DEVICE_CAPABILITIES.DeviceState,
    D3 when none is reported) with PoRequestPowerIrp, and completes the system IRP with the device
    IRP's status when that one is done. A system IRP that failed below, or a device IRP that could
    not be requested, goes up failed. What the device does at D0 and D3 stays each driver's own.

Environment:

    Kernel mode, PASSIVE_LEVEL (the power manager's threads); the completion routines run at
    whatever IRQL the lower driver completes at.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Power;

/// <summary>The system-to-device power IRP step of a power policy owner (see the file's abstract).</summary>
public static class SystemPowerIrp
{
    private static readonly IoCompletionRoutine SystemIrpDone = OnSystemIrpDone;
    private static readonly RequestPowerComplete DeviceIrpDone = OnDeviceIrpDone;

    /// <summary>
    /// Sends the system power IRP <paramref name="irp"/> down to <paramref name="lower"/> and, once it succeeded
    /// there, requests the mapped device power IRP for <paramref name="target"/>'s stack; returns STATUS_PENDING.
    /// </summary>
    /// <param name="irp">IRP_MN_QUERY_POWER or IRP_MN_SET_POWER for a system state, at the policy owner.</param>
    /// <param name="lower">The next lower device object.</param>
    /// <param name="target">A device object of the stack the device IRP goes to (its top receives it).</param>
    /// <param name="capabilities">The device's capabilities (DeviceState mapping), or null when the bus reports none.</param>
    /// <returns>STATUS_PENDING: the system IRP completes when the device IRP is done.</returns>
    public static async ValueTask<NtStatus> PassDownThenRequestDevicePower(Irp irp, DeviceObject lower, DeviceObject target, DeviceCapabilities? capabilities)
    {
        IoMarkIrpPending(irp);
        IoCopyCurrentIrpStackLocationToNext(irp);
        IoSetCompletionRoutine(irp, SystemIrpDone, new Owner(target, capabilities), true, true, true);
        await PoCallDriver(lower, irp);
        return NtStatus.Pending;
    }

    private sealed record Owner(DeviceObject Target, DeviceCapabilities? Capabilities);

    private static ValueTask<NtStatus> OnSystemIrpDone(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = deviceObject;
        if (!irp.IoStatus.Status.IsSuccess())
        {
            PoStartNextPowerIrp(irp);
            return ValueTask.FromResult(NtStatus.Success); // STATUS_CONTINUE_COMPLETION: it goes up failed
        }
        var owner = (Owner)context!;
        var stack = IoGetCurrentIrpStackLocation(irp);
        var device = (owner.Capabilities ?? new DeviceCapabilities()).PoMapSystemState(stack.Parameters.Power.State.SystemState);
        var status = PoRequestPowerIrp(owner.Target, (PowerMinorFunction)stack.MinorFunction, PowerState.Device(device), DeviceIrpDone, irp);
        if (status != NtStatus.Pending)
        {
            irp.IoStatus.Status = status;
            PoStartNextPowerIrp(irp);
            return ValueTask.FromResult(NtStatus.Success);
        }
        return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
    }

    /// <summary>REQUEST_POWER_COMPLETE: the device IRP for the system state is done; the system IRP completes with its status.</summary>
    private static async ValueTask OnDeviceIrpDone(DeviceObject deviceObject, PowerMinorFunction minorFunction, PowerState powerState, object? context, IoStatusBlock ioStatus)
    {
        _ = deviceObject;
        _ = minorFunction;
        _ = powerState;
        var systemIrp = (Irp)context!;
        systemIrp.IoStatus.Status = ioStatus.Status;
        PoStartNextPowerIrp(systemIrp);
        await IoCompleteRequest(systemIrp, PriorityBoost.IoNoIncrement);
    }
}
