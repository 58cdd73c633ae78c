using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Actors;

// System transitions (ReactOS po/power.c PopSetSystemPowerState, poshtdwn.c PopGracefulShutdown,
// io/iomgr/device.c IoShutdownSystem; Microsoft "System Power Actions", "IRP_MJ_SHUTDOWN").
public sealed partial class PowerManager
{
    /// <summary>Runs one system transition: called by the actor's worker thread at PASSIVE_LEVEL.</summary>
    internal async ValueTask PopSetSystemPowerState(SystemPowerState target)
    {
        if (IsPoweredOff || target == SystemState)
        {
            return;
        }
        var sleeping = target != SystemPowerState.PowerSystemWorking;
        var action = target switch
        {
            SystemPowerState.PowerSystemWorking => PowerAction.PowerActionNone,
            SystemPowerState.PowerSystemHibernate => PowerAction.PowerActionHibernate,
            SystemPowerState.PowerSystemShutdown => PowerAction.PowerActionShutdownOff,
            _ => PowerAction.PowerActionSleep,
        };
        var stacks = PopOrderDevices(leavesFirst: sleeping);
        PopLog(null, $"transition {SName(SystemState)} -> {SName(target)}");
        if (target is SystemPowerState.PowerSystemSleeping3 or SystemPowerState.PowerSystemHibernate)
        {
            // Query every stack first; one that refuses vetoes the sleep, and the ones already asked hear S0 again.
            for (var i = 0; i < stacks.Count; i++)
            {
                var status = await PopSendSystemIrp(stacks[i], PowerMinorFunction.QueryPower, target, action);
                if (!status.IsSuccess())
                {
                    PopLog(stacks[i].PhysicalDeviceObject, $"vetoed {SName(target)}: the system stays in {SName(SystemState)}");
                    for (var j = i; j >= 0; j--)
                    {
                        await PopSendSystemIrp(stacks[j], PowerMinorFunction.SetPower, SystemState, PowerAction.PowerActionNone);
                    }
                    return;
                }
            }
        }
        if (target == SystemPowerState.PowerSystemShutdown)
        {
            await IopShutdownSystem();
        }
        foreach (var node in stacks)
        {
            // SET_POWER for a system state may not fail; a failure is logged and the transition goes on.
            await PopSendSystemIrp(node, PowerMinorFunction.SetPower, target, action);
        }
        SystemState = target;
        PopLog(null, $"in {SName(target)}");
        if (target == SystemPowerState.PowerSystemShutdown)
        {
            IsPoweredOff = true;
            Machine.Stop();
        }
    }

    /// <summary>
    /// The started device nodes below the root in the order NT powers them: for sleep, children before
    /// their parents (a bus goes down after its children), for wake parents first; siblings in tree order.
    /// </summary>
    private List<DeviceNode> PopOrderDevices(bool leavesFirst)
    {
        var order = new List<DeviceNode>();
        void Walk(DeviceNode node)
        {
            var include = node != Pnp.RootDeviceNode && node.State == DeviceNodeState.Started;
            if (include && !leavesFirst)
            {
                order.Add(node);
            }
            foreach (var child in node.Children)
            {
                Walk(child);
            }
            if (include && leavesFirst)
            {
                order.Add(node);
            }
        }
        Walk(Pnp.RootDeviceNode);
        return order;
    }

    /// <summary>Sends an S-IRP to the top of <paramref name="node"/>'s stack and waits for it.</summary>
    private async ValueTask<NtStatus> PopSendSystemIrp(DeviceNode node, PowerMinorFunction minor, SystemPowerState state, PowerAction action)
    {
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var result = new IoStatusBlock();
        PopRequestPowerIrp(node.PhysicalDeviceObject, minor, PowerStateType.SystemPowerState, PowerState.System(state), action, (_, _, _, context, ioStatus) =>
        {
            result.Status = ioStatus.Status;
            KeSetEvent((KEvent)context!, 0, false);
            return ValueTask.CompletedTask;
        }, done);
        await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        return result.Status;
    }

    /// <summary>
    /// IoShutdownSystem (phase 0): IRP_MJ_SHUTDOWN, synchronously, to the top of the stack of every device
    /// object that called IoRegisterShutdownNotification, the last registered first (the list is LIFO).
    /// </summary>
    private async ValueTask IopShutdownSystem()
    {
        foreach (var device in ShutdownNotificationList)
        {
            var top = IoGetAttachedDeviceReference(device);
            try
            {
                var done = new KEvent();
                KeInitializeEvent(done, EventType.NotificationEvent, false);
                var ioStatus = new IoStatusBlock();
                var irp = IoBuildSynchronousFsdRequest(IrpMajorFunction.Shutdown, top, null, 0, 0, new KEventSignal(done), ioStatus)!;
                var status = await IoCallDriver(top, irp);
                if (status == NtStatus.Pending)
                {
                    await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
                    status = ioStatus.Status;
                }
                PopLog(device, $"IRP_MJ_SHUTDOWN {device.DriverObject.ServiceName} -> {status.ToDisplayString()}");
            }
            finally
            {
                top.ObDereferenceObject();
            }
        }
    }
}
