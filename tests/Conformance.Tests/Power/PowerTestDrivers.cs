/*++

Module Name:

    PowerTestDrivers.cs

Abstract:

    Upper filters for the power manager's tests: a correct one that registers for IRP_MJ_SHUTDOWN
    and journals it; one that passes power IRPs down without PoStartNextPowerIrp (the fault the
    pre-Vista power manager and Driver Verifier catch); one that holds every power IRP and never
    passes or completes it (a stalled power IRP); one that fails the system query (a veto).
    Everything else is passed down.

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.Pnp;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Power;

internal enum PowerFilterKind
{
    /// <summary>PoStartNextPowerIrp, then IoSkipCurrentIrpStackLocation and PoCallDriver; registers for shutdown.</summary>
    Correct,

    /// <summary>Passes power IRPs down without PoStartNextPowerIrp.</summary>
    NoStartNext,

    /// <summary>Marks power IRPs pending and keeps them.</summary>
    Stall,

    /// <summary>Fails a system IRP_MN_QUERY_POWER (it cannot sleep now), as a filter may.</summary>
    FailQuery,
}

internal static class PowerTestDrivers
{
    public static DriverInitialize Filter(string name, PowerFilterKind kind, List<string> journal) => (driverObject, _) =>
    {
        for (var i = 0; i < DriverObject.MajorFunctionCount; i++)
        {
            driverObject.MajorFunction[i] = PassDown;
        }
        driverObject.MajorFunction[(int)IrpMajorFunction.Shutdown] = async (device, irp) =>
        {
            lock (journal)
            {
                journal.Add($"IRP_MJ_SHUTDOWN {name}");
            }
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        };
        driverObject.MajorFunction[(int)IrpMajorFunction.Power] = async (device, irp) =>
        {
            var stack = IoGetCurrentIrpStackLocation(irp);
            lock (journal)
            {
                journal.Add($"{name} {PowerManager.PopDescribe((PowerMinorFunction)stack.MinorFunction, stack.Parameters.Power.Type, stack.Parameters.Power.State)}");
            }
            switch (kind)
            {
                case PowerFilterKind.Stall:
                    IoMarkIrpPending(irp);
                    return NtStatus.Pending;
                case PowerFilterKind.FailQuery when stack.MinorFunction == (byte)PowerMinorFunction.QueryPower
                    && stack.Parameters.Power.Type == PowerStateType.SystemPowerState:
                    PoStartNextPowerIrp(irp);
                    irp.IoStatus.Status = NtStatus.Unsuccessful;
                    await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                    return NtStatus.Unsuccessful;
                case PowerFilterKind.Correct or PowerFilterKind.FailQuery:
                    PoStartNextPowerIrp(irp);
                    break;
                default:
                    break; // the bug: no PoStartNextPowerIrp
            }
            IoSkipCurrentIrpStackLocation(irp);
            return await PoCallDriver(device.GetExtension<JournalFilterExtension>().Lower!, irp);
        };
        driverObject.DriverExtension.AddDevice = (driver, pdo) =>
        {
            var extension = new JournalFilterExtension();
            var status = IoCreateDevice(driver, extension, null, pdo.DeviceType, 0, false, out var filter);
            if (!status.IsSuccess())
            {
                return ValueTask.FromResult(status);
            }
            extension.Lower = IoAttachDeviceToDeviceStack(filter!, pdo);
            filter!.Flags |= extension.Lower!.Flags & (DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo | DeviceObjectFlags.PowerPagable);
            filter.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            if (kind == PowerFilterKind.Correct)
            {
                IoRegisterShutdownNotification(filter);
            }
            return ValueTask.FromResult(NtStatus.Success);
        };
        return ValueTask.FromResult(NtStatus.Success);
    };

    private static async ValueTask<NtStatus> PassDown(DeviceObject device, Irp irp)
    {
        IoSkipCurrentIrpStackLocation(irp);
        return await IoCallDriver(device.GetExtension<JournalFilterExtension>().Lower!, irp);
    }
}
