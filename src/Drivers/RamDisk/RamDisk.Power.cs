/*++

Module Name:

    RamDisk.Power.cs

Abstract:

    The RAM disk's power management, as its power policy owner: a system IRP goes down first
    and, once the bus has it, the driver asks for the mapped device state (PoRequestPowerIrp; D3
    for every sleeping state) and completes the S-IRP when that D-IRP is done. A read or write
    that arrives while the disk is not in D0 is marked pending and held with its remove lock; in
    S0 the driver asks for D0 at once, in a sleeping state it waits for the system's S0. After
    D0 (on the way back up) it runs the held requests. The image is memory that S3 keeps: D3 has
    no hardware state to save.

    Left out: idle detection (a RAM disk saves nothing by sleeping).

Environment:

    Kernel mode. Dispatch at PASSIVE_LEVEL.

--*/

using ActorKernel.Actors;
using ActorKernel.Drivers.Power;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.RamDisk;

public static partial class RamDisk
{
    private static readonly IoCompletionRoutine RamDiskPowerUpDone = RamDiskOnPowerUpDone;

    /// <summary>IRP_MJ_POWER: one switch on the minor function and the IRP's type.</summary>
    private static async ValueTask<NtStatus> RamDiskPower(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<RamDiskExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var power = stack.Parameters.Power;
        switch ((PowerMinorFunction)stack.MinorFunction)
        {
            case PowerMinorFunction.SetPower or PowerMinorFunction.QueryPower when power.Type == PowerStateType.SystemPowerState:
                if ((PowerMinorFunction)stack.MinorFunction == PowerMinorFunction.SetPower)
                {
                    extension.SystemPower = power.State.SystemState;
                }
                return await SystemPowerIrp.PassDownThenRequestDevicePower(irp, extension.LowerDevice!, deviceObject, null);
            case PowerMinorFunction.SetPower when power.State.DeviceState == DevicePowerState.PowerDeviceD0:
                IoMarkIrpPending(irp);
                IoCopyCurrentIrpStackLocationToNext(irp);
                IoSetCompletionRoutine(irp, RamDiskPowerUpDone, extension, true, true, true);
                await PoCallDriver(extension.LowerDevice!, irp);
                return NtStatus.Pending;
            case PowerMinorFunction.SetPower:
                extension.PowerState = power.State.DeviceState;
                PoSetPowerState(deviceObject, PowerStateType.DevicePowerState, power.State);
                PoStartNextPowerIrp(irp);
                IoSkipCurrentIrpStackLocation(irp);
                return await PoCallDriver(extension.LowerDevice!, irp);
            case PowerMinorFunction.QueryPower:
                irp.IoStatus.Status = NtStatus.Success;
                PoStartNextPowerIrp(irp);
                IoSkipCurrentIrpStackLocation(irp);
                return await PoCallDriver(extension.LowerDevice!, irp);
            default:
                IoSkipCurrentIrpStackLocation(irp);
                return await PoCallDriver(extension.LowerDevice!, irp);
        }
    }

    private static async ValueTask<NtStatus> RamDiskOnPowerUpDone(DeviceObject? deviceObject, Irp irp, object? context)
    {
        var extension = (RamDiskExtension)context!;
        var fdo = deviceObject!;
        Irp[] held = [];
        if (irp.IoStatus.Status.IsSuccess())
        {
            extension.PowerState = DevicePowerState.PowerDeviceD0;
            PoSetPowerState(fdo, PowerStateType.DevicePowerState, PowerState.Device(DevicePowerState.PowerDeviceD0));
            var old = await KeAcquireSpinLock(extension.PowerLock);
            held = [.. extension.Held];
            extension.Held.Clear();
            extension.PowerUpRequested = false;
            await KeReleaseSpinLock(extension.PowerLock, old);
        }
        PoStartNextPowerIrp(irp);
        foreach (var request in held)
        {
            await RamDiskReadWrite(fdo, request); // takes its own remove lock and completes the request
            IoReleaseRemoveLock(extension.RemoveLock, request); // the one it was held with
        }
        return NtStatus.Success;
    }

    /// <summary>Holds a read or write (its remove lock kept) while the disk is not in D0; asks for D0 in S0.</summary>
    private static async ValueTask<bool> RamDiskHoldForPower(DeviceObject deviceObject, RamDiskExtension extension, Irp irp)
    {
        if (extension.PowerState == DevicePowerState.PowerDeviceD0)
        {
            return false;
        }
        var old = await KeAcquireSpinLock(extension.PowerLock);
        if (extension.PowerState == DevicePowerState.PowerDeviceD0)
        {
            await KeReleaseSpinLock(extension.PowerLock, old);
            return false;
        }
        IoMarkIrpPending(irp);
        extension.Held.Add(irp);
        var wake = !extension.PowerUpRequested && extension.SystemPower == SystemPowerState.PowerSystemWorking;
        extension.PowerUpRequested |= wake;
        await KeReleaseSpinLock(extension.PowerLock, old);
        if (wake)
        {
            PoRequestPowerIrp(deviceObject, PowerMinorFunction.SetPower, PowerState.Device(DevicePowerState.PowerDeviceD0), null, null);
        }
        return true;
    }
}
