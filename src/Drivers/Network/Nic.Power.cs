/*++

Module Name:

    Nic.Power.cs

Abstract:

    aknic.sys's power management, as the device's power policy owner: a system IRP goes down
    first and, once the bus has it, the driver asks for the device state the bus's
    DEVICE_CAPABILITIES.DeviceState maps it to (PoRequestPowerIrp), completing the S-IRP when
    that D-IRP is done. Before D3 it saves the adapter's ring registers and interrupt mask, masks
    every cause and stops the receiver and transmitter (PoSetPowerState before the power goes);
    after D0 (on the way back up from pci.sys) it writes them back and runs again. Frames that
    arrive meanwhile are the adapter's to drop (its MPC counter); reads and writes wait in their
    queues, as they do when the rings are full.

    Left out: wake on LAN, D1/D2.

Environment:

    Kernel mode. Dispatch at PASSIVE_LEVEL (the power manager's threads).

--*/

using ActorKernel.Actors;
using ActorKernel.Drivers.Power;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Network;

public static partial class Nic
{
    private static readonly IoCompletionRoutine NicPowerUpDone = NicOnPowerUpDone;

    /// <summary>IRP_MJ_POWER: one switch on the minor function and the IRP's type.</summary>
    private static async ValueTask<NtStatus> NicPower(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<NicExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var power = stack.Parameters.Power;
        switch ((PowerMinorFunction)stack.MinorFunction)
        {
            case PowerMinorFunction.SetPower or PowerMinorFunction.QueryPower when power.Type == PowerStateType.SystemPowerState:
                // No DeviceState reported by the bus: D3 for every sleeping state.
                return await SystemPowerIrp.PassDownThenRequestDevicePower(irp, extension.Lower!, extension.Pdo!, null);
            case PowerMinorFunction.SetPower when power.State.DeviceState == DevicePowerState.PowerDeviceD0:
                IoMarkIrpPending(irp);
                IoCopyCurrentIrpStackLocationToNext(irp);
                IoSetCompletionRoutine(irp, NicPowerUpDone, extension, true, true, true);
                await PoCallDriver(extension.Lower!, irp);
                return NtStatus.Pending;
            case PowerMinorFunction.SetPower:
                NicSaveAndStop(extension);
                extension.PowerState = power.State.DeviceState;
                PoSetPowerState(deviceObject, PowerStateType.DevicePowerState, power.State);
                PoStartNextPowerIrp(irp);
                IoSkipCurrentIrpStackLocation(irp);
                return await PoCallDriver(extension.Lower!, irp);
            case PowerMinorFunction.QueryPower:
                irp.IoStatus.Status = NtStatus.Success;
                PoStartNextPowerIrp(irp);
                IoSkipCurrentIrpStackLocation(irp);
                return await PoCallDriver(extension.Lower!, irp);
            default:
                IoSkipCurrentIrpStackLocation(irp);
                return await PoCallDriver(extension.Lower!, irp);
        }
    }

    private static ValueTask<NtStatus> NicOnPowerUpDone(DeviceObject? deviceObject, Irp irp, object? context)
    {
        var extension = (NicExtension)context!;
        if (irp.IoStatus.Status.IsSuccess())
        {
            if (extension.PowerState != DevicePowerState.PowerDeviceD0)
            {
                NicRestoreAndRun(extension);
            }
            extension.PowerState = DevicePowerState.PowerDeviceD0;
            PoSetPowerState(deviceObject!, PowerStateType.DevicePowerState, PowerState.Device(DevicePowerState.PowerDeviceD0));
        }
        PoStartNextPowerIrp(irp);
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>Saves the ring registers, masks every cause, stops RX and TX.</summary>
    private static void NicSaveAndStop(NicExtension extension)
    {
        var r = extension.Registers;
        if (r == 0 || extension.PowerState != DevicePowerState.PowerDeviceD0)
        {
            return;
        }
        extension.SavedRegisters = [READ_REGISTER_ULONG(r + Rdh), READ_REGISTER_ULONG(r + Rdt), READ_REGISTER_ULONG(r + Tdh), READ_REGISTER_ULONG(r + Tdt)];
        WRITE_REGISTER_ULONG(r + Imc, uint.MaxValue);
        WRITE_REGISTER_ULONG(r + Ctrl, 0);
    }

    /// <summary>Writes the rings back where they were, unmasks the causes, runs RX and TX again.</summary>
    private static void NicRestoreAndRun(NicExtension extension)
    {
        var r = extension.Registers;
        if (r == 0 || extension.SavedRegisters is not { } saved)
        {
            return;
        }
        WRITE_REGISTER_ULONG(r + Rdbal, (uint)extension.RxRingLogical);
        WRITE_REGISTER_ULONG(r + Rdbah, (uint)(extension.RxRingLogical >> 32));
        WRITE_REGISTER_ULONG(r + Rdlen, N * 16);
        WRITE_REGISTER_ULONG(r + Rdh, saved[0]);
        WRITE_REGISTER_ULONG(r + Rdt, saved[1]);
        WRITE_REGISTER_ULONG(r + Tdbal, (uint)extension.TxRingLogical);
        WRITE_REGISTER_ULONG(r + Tdbah, (uint)(extension.TxRingLogical >> 32));
        WRITE_REGISTER_ULONG(r + Tdlen, N * 16);
        WRITE_REGISTER_ULONG(r + Tdh, saved[2]);
        WRITE_REGISTER_ULONG(r + Tdt, saved[3]);
        WRITE_REGISTER_ULONG(r + Ims, CausesWanted);
        WRITE_REGISTER_ULONG(r + Ctrl, 0x6); // RXEN | TXEN
        extension.SavedRegisters = null;
    }
}
