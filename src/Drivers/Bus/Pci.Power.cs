/*++

Module Name:

    Pci.Power.cs

Abstract:

    pci.sys's power IRPs. The bus FDO passes every power IRP down (PoStartNextPowerIrp,
    IoSkipCurrentIrpStackLocation, PoCallDriver). A child PDO is the bus driver of its device:
    it succeeds S-IRPs, and for a D-IRP it writes the function's PMCSR.PowerState through
    configuration space (the power management capability pci.sys found at CapabilitiesPtr),
    calling PoSetPowerState before it takes power away and after it gives power back; it then
    calls PoStartNextPowerIrp and completes the IRP. IRP_MN_WAIT_WAKE and
    IRP_MN_POWER_SEQUENCE are completed with the status they came with.

    Left out: wake (PME#), D1/D2 (the sample functions support neither), restoring the header
    (No_Soft_Reset is set, so configuration space survives D3hot).

Environment:

    Kernel mode, PASSIVE_LEVEL (the power manager's threads; DO_POWER_PAGABLE is not needed).

--*/

using ActorKernel.Actors;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Bus;

public static partial class Pci
{
    /// <summary>IRP_MJ_POWER: the FDO passes it down; a PDO sets its function's power state.</summary>
    private static async ValueTask<NtStatus> PciDispatchPower(DeviceObject deviceObject, Irp irp)
    {
        if (deviceObject.DeviceExtension is PciFdoExtension fdo)
        {
            PoStartNextPowerIrp(irp);
            IoSkipCurrentIrpStackLocation(irp);
            return await PoCallDriver(fdo.Lower!, irp);
        }
        var pdo = deviceObject.GetExtension<PciPdoExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var power = stack.Parameters.Power;
        NtStatus status;
        switch ((PowerMinorFunction)stack.MinorFunction)
        {
            case PowerMinorFunction.SetPower when power.Type == PowerStateType.DevicePowerState:
                var state = power.State.DeviceState;
                if (state != DevicePowerState.PowerDeviceD0)
                {
                    PoSetPowerState(deviceObject, PowerStateType.DevicePowerState, power.State); // before the power goes
                }
                PciWritePowerState(pdo, state == DevicePowerState.PowerDeviceD0 ? PciPowerState.D0 : PciPowerState.D3Hot);
                if (state == DevicePowerState.PowerDeviceD0)
                {
                    PoSetPowerState(deviceObject, PowerStateType.DevicePowerState, power.State); // after it is back
                }
                status = NtStatus.Success;
                break;
            case PowerMinorFunction.SetPower:
            case PowerMinorFunction.QueryPower:
                status = NtStatus.Success;
                break;
            default:
                status = irp.IoStatus.Status;
                break;
        }
        PoStartNextPowerIrp(irp);
        irp.IoStatus.Status = status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>PMCSR.PowerState through configuration space, if the function has the power management capability.</summary>
    private static void PciWritePowerState(PciPdoExtension pdo, PciPowerState state)
    {
        Span<byte> header = stackalloc byte[2];
        HalGetBusDataByOffset(BusDataType.PciConfiguration, pdo.BusNumber, pdo.SlotNumber, header[..1], PciPowerManagementCapability.CapabilitiesPointer);
        var capability = header[0];
        while (capability != 0)
        {
            HalGetBusDataByOffset(BusDataType.PciConfiguration, pdo.BusNumber, pdo.SlotNumber, header, capability);
            if (header[0] == PciPowerManagementCapability.CapabilityId)
            {
                Span<byte> pmcsr = stackalloc byte[1];
                HalGetBusDataByOffset(BusDataType.PciConfiguration, pdo.BusNumber, pdo.SlotNumber, pmcsr, capability + 4u);
                pmcsr[0] = (byte)((pmcsr[0] & ~0x3) | (int)state);
                HalSetBusDataByOffset(BusDataType.PciConfiguration, pdo.BusNumber, pdo.SlotNumber, pmcsr, capability + 4u);
                return;
            }
            capability = header[1];
        }
    }
}
