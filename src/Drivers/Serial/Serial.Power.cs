/*++

Module Name:

    Serial.Power.cs

Abstract:

    serial.sys's power management, as the port's power policy owner (after the WDK serial
    sample's power.c, much reduced): a system IRP goes down first and, once the bus has it, the
    driver asks for the mapped device state with PoRequestPowerIrp (D3 for every sleeping state:
    a legacy port reports no DeviceState) and completes the S-IRP when that D-IRP is done. Before
    D3 it saves what a UART loses without power (the line control, the divisor latch, IER and MCR,
    SerialSaveDeviceState) and turns the interrupt and the modem lines off; after D0 it writes them
    back and turns the FIFOs on again (SerialRestoreDeviceState). Register access shares the ISR's
    interrupt spin lock (KeSynchronizeExecution).

    Left out: wait/wake on ring indicate, holding reads and writes while in D3 (the legacy port's
    power is the machine's: the bus cannot take it away, so the UART keeps its FIFOs).

Environment:

    Kernel mode. Dispatch at PASSIVE_LEVEL (the power manager's threads).

--*/

using ActorKernel.Actors;
using ActorKernel.Drivers.Power;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Serial;

public static partial class Serial
{
    private static readonly IoCompletionRoutine SerialPowerUpDone = SerialOnPowerUpDone;

    /// <summary>IRP_MJ_POWER: one switch on the minor function and the IRP's type.</summary>
    private static async ValueTask<NtStatus> SerialPower(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<SerialExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var power = stack.Parameters.Power;
        switch ((PowerMinorFunction)stack.MinorFunction)
        {
            case PowerMinorFunction.SetPower or PowerMinorFunction.QueryPower when power.Type == PowerStateType.SystemPowerState:
                return await SystemPowerIrp.PassDownThenRequestDevicePower(irp, extension.Lower!, deviceObject, null); // a legacy port reports no DeviceState
            case PowerMinorFunction.SetPower when power.State.DeviceState == DevicePowerState.PowerDeviceD0:
                IoMarkIrpPending(irp);
                IoCopyCurrentIrpStackLocationToNext(irp);
                IoSetCompletionRoutine(irp, SerialPowerUpDone, extension, true, true, true);
                await PoCallDriver(extension.Lower!, irp);
                return NtStatus.Pending;
            case PowerMinorFunction.SetPower:
                if (extension.Interrupt is not null && extension.PowerState == DevicePowerState.PowerDeviceD0)
                {
                    await KeSynchronizeExecution(extension.Interrupt, SerialSaveDeviceState, extension);
                }
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

    private static async ValueTask<NtStatus> SerialOnPowerUpDone(DeviceObject? deviceObject, Irp irp, object? context)
    {
        var extension = (SerialExtension)context!;
        if (irp.IoStatus.Status.IsSuccess())
        {
            if (extension.Interrupt is not null && extension.SavedRegisters is not null)
            {
                await KeSynchronizeExecution(extension.Interrupt, SerialRestoreDeviceState, extension);
            }
            extension.PowerState = DevicePowerState.PowerDeviceD0;
            PoSetPowerState(deviceObject!, PowerStateType.DevicePowerState, PowerState.Device(DevicePowerState.PowerDeviceD0));
        }
        PoStartNextPowerIrp(irp);
        return NtStatus.Success;
    }

    /// <summary>SerialSaveDeviceState: LCR, the divisor latch, IER and MCR; then the interrupt and the modem lines off.</summary>
    /// <remarks>IRQL = DIRQL (KeSynchronizeExecution).</remarks>
    private static ValueTask<bool> SerialSaveDeviceState(object? context)
    {
        var extension = (SerialExtension)context!;
        var port = extension.Port;
        var lcr = READ_PORT_UCHAR(port + Lcr);
        WRITE_PORT_UCHAR(port + Lcr, (byte)(lcr | LcrDlab));
        var dll = READ_PORT_UCHAR(port + Dll);
        var dlm = READ_PORT_UCHAR(port + Dlm);
        WRITE_PORT_UCHAR(port + Lcr, lcr);
        extension.SavedRegisters = [lcr, dll, dlm, READ_PORT_UCHAR(port + Ier), READ_PORT_UCHAR(port + Mcr)];
        WRITE_PORT_UCHAR(port + Ier, 0);
        WRITE_PORT_UCHAR(port + Mcr, 0);
        return ValueTask.FromResult(true);
    }

    /// <summary>SerialRestoreDeviceState: the divisor, LCR, the FIFOs (FCR is write-only: the start value), MCR, then IER.</summary>
    /// <remarks>IRQL = DIRQL (KeSynchronizeExecution).</remarks>
    private static ValueTask<bool> SerialRestoreDeviceState(object? context)
    {
        var extension = (SerialExtension)context!;
        var port = extension.Port;
        var saved = extension.SavedRegisters!;
        WRITE_PORT_UCHAR(port + Lcr, (byte)(saved[0] | LcrDlab));
        WRITE_PORT_UCHAR(port + Dll, saved[1]);
        WRITE_PORT_UCHAR(port + Dlm, saved[2]);
        WRITE_PORT_UCHAR(port + Lcr, saved[0]);
        WRITE_PORT_UCHAR(port + Fcr, 0x87);
        WRITE_PORT_UCHAR(port + Mcr, saved[4]);
        WRITE_PORT_UCHAR(port + Ier, saved[3]);
        extension.SavedRegisters = null;
        return ValueTask.FromResult(true);
    }
}
