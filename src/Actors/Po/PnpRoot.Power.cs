using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Actors;

// \Driver\PnpManager's power IRPs (ReactOS io/pnpmgr/pnproot.c PnpRootPowerControl): as the bus driver
// of the root-enumerated devices it succeeds IRP_MN_QUERY_POWER and IRP_MN_SET_POWER (recording a device
// state with PoSetPowerState), calls PoStartNextPowerIrp and completes; other power IRPs keep their status.
// A legacy device has no bus-level power switch here: its function driver saves and restores it.
public sealed partial class PnpManager
{
    private async ValueTask<NtStatus> PnpRootPower(DeviceObject deviceObject, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        var power = stack.Parameters.Power;
        var status = irp.IoStatus.Status;
        switch ((PowerMinorFunction)stack.MinorFunction)
        {
            case PowerMinorFunction.SetPower:
                if (power.Type == PowerStateType.DevicePowerState)
                {
                    PoSetPowerState(deviceObject, PowerStateType.DevicePowerState, power.State);
                }
                status = NtStatus.Success;
                break;
            case PowerMinorFunction.QueryPower:
                status = NtStatus.Success;
                break;
            default:
                return await PnpRootKeepStatus(deviceObject, irp); // WAIT_WAKE, POWER_SEQUENCE: no PoStartNextPowerIrp
        }
        PoStartNextPowerIrp(irp);
        irp.IoStatus.Status = status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }
}
