using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Actors;

// The travel of a power IRP (ReactOS po/power.c PoRequestPowerIrp, PopPresentIrp, PoCallDriver;
// Microsoft "Calling PoStartNextPowerIrp", "PoCallDriver", "Bug Check 0x9F").
public sealed partial class PowerManager
{
    // The manager takes its IRP back at the end (STATUS_MORE_PROCESSING_REQUIRED): it runs the
    // requester's callback with the final status, then frees the IRP (ReactOS PopRequestPowerIrpCompletion).
    private static readonly IoCompletionRoutine PopRequestPowerIrpCompletion = static async (_, irp, context) =>
    {
        var record = (PopIrpRecord)context!;
        await record.Manager.PopCompleteRequest(record, irp);
        return NtStatus.MoreProcessingRequired;
    };

    /// <summary>
    /// PopRequestPowerIrp: allocates a power IRP for the stack <paramref name="deviceObject"/> is in, its
    /// status STATUS_NOT_SUPPORTED, and sends it to the top of the stack from a system thread (PopPresentIrp);
    /// <paramref name="completion"/> runs when it completes. S-IRPs come only from the manager itself.
    /// </summary>
    internal void PopRequestPowerIrp(DeviceObject deviceObject, PowerMinorFunction minor, PowerStateType type, PowerState state, PowerAction action,
        RequestPowerComplete? completion, object? context)
    {
        var top = IoGetAttachedDeviceReference(deviceObject);
        var irp = IoAllocateIrp(Io, top.StackSize, false);
        irp.IoStatus.Status = NtStatus.NotSupported;
        irp.IoStatus.Information = 0;
        var stack = irp.NextStackLocation;
        stack.MajorFunction = IrpMajorFunction.Power;
        stack.MinorFunction = (byte)minor;
        var power = stack.Parameters.Power;
        power.Type = type;
        power.State = state;
        power.ShutdownType = action;
        power.SystemContext = type == PowerStateType.SystemPowerState ? Interlocked.Increment(ref _systemContext) : 0;
        var record = new PopIrpRecord(this, irp, deviceObject, top, minor, type, state, completion, context, Machine.NowNanoseconds);
        lock (_lock)
        {
            _irps.Add(irp, record);
            _irpsInOrder.Add(record);
        }
        IoSetCompletionRoutine(irp, PopRequestPowerIrpCompletion, record, true, true, true);
        Machine.CreateSystemThread(0, KernelModule.Kernel, "PopPresentIrp", async _ =>
        {
            try
            {
                await PoCallDriver(top, irp);
            }
            finally
            {
                top.ObDereferenceObject();
            }
        });
    }

    private async ValueTask PopCompleteRequest(PopIrpRecord record, Irp irp)
    {
        lock (_lock)
        {
            _irps.Remove(irp);
            _irpsInOrder.Remove(record);
        }
        var status = irp.IoStatus.Status;
        PopLog(record.Target, $"{PopDescribe(record.Minor, record.Type, record.State)} -> {status.ToDisplayString()}");
        if (SerializesPowerIrps && record.Minor is PowerMinorFunction.SetPower or PowerMinorFunction.QueryPower)
        {
            PopCheckStartNextPowerIrp(record);
        }
        var ioStatus = new IoStatusBlock { Status = status, Information = irp.IoStatus.Information };
        if (record.Completion is { } completion)
        {
            await completion(record.Target, record.Minor, record.State, record.Context, ioStatus);
        }
        IoFreeIrp(irp);
    }

    /// <summary>
    /// Before Vista every driver the IRP reached must have called PoStartNextPowerIrp for it; under
    /// Driver Verifier a verified driver that did not is DRIVER_POWER_STATE_FAILURE 0x500 (P3 the device
    /// the manager sent the IRP to, P4 the device object that did not call it). An unverified one leaves
    /// its device object busy: the next power IRP of the kind waits for ever, and the watchdog ends it.
    /// </summary>
    private void PopCheckStartNextPowerIrp(PopIrpRecord record)
    {
        DeviceObject? culprit = null;
        lock (_lock)
        {
            foreach (var device in record.Visited)
            {
                if (!record.StartedNext.Contains(device) && Io.IsVerified(device.DriverObject))
                {
                    culprit = device;
                    break;
                }
            }
        }
        if (culprit is not null)
        {
            throw KeBugCheckEx(BugCheckCode.DriverPowerStateFailure, 0x500, 0, record.Top.Address, culprit.Address);
        }
    }

    /// <summary>PoCallDriver: see <see cref="Wdm.PoCallDriver"/>.</summary>
    internal ValueTask<NtStatus> PopCallDriver(DeviceObject deviceObject, Irp irp)
    {
        var next = irp.NextStackLocation;
        var minor = (PowerMinorFunction)next.MinorFunction;
        var serialized = SerializesPowerIrps && minor is PowerMinorFunction.SetPower or PowerMinorFunction.QueryPower;
        lock (_lock)
        {
            _irps.TryGetValue(irp, out var tracked);
            if (tracked is not null && !tracked.Visited.Contains(deviceObject))
            {
                tracked.Visited.Add(deviceObject);
            }
            if (serialized)
            {
                var record = PopRecord(deviceObject);
                var system = next.Parameters.Power.Type == PowerStateType.SystemPowerState;
                if (system ? record.SystemActive : record.DeviceActive)
                {
                    // PopPresentIrp: one S-IRP and one D-IRP at a time per device object; this one waits for PoStartNextPowerIrp.
                    (system ? record.SystemPending : record.DevicePending).Enqueue((irp, deviceObject));
                    next.Control |= StackLocationControl.PendingReturned;
                    irp.MarkedPendingLocations |= 1UL << next.Index;
                    return ValueTask.FromResult(NtStatus.Pending);
                }
                if (system)
                {
                    record.SystemActive = true;
                }
                else
                {
                    record.DeviceActive = true;
                }
            }
        }
        return IoCallDriver(deviceObject, irp);
    }

    /// <summary>PoStartNextPowerIrp: see <see cref="Wdm.PoStartNextPowerIrp"/>.</summary>
    internal void PopStartNextPowerIrp(Irp irp)
    {
        if (irp.CurrentLocation > irp.StackCount)
        {
            return; // no driver's location is current: nothing to release
        }
        var current = irp.CurrentStackLocation;
        var minor = (PowerMinorFunction)current.MinorFunction;
        if (current.DeviceObject is not { } device || minor is not (PowerMinorFunction.SetPower or PowerMinorFunction.QueryPower))
        {
            return;
        }
        (Irp Irp, DeviceObject Target)? start = null;
        lock (_lock)
        {
            if (_irps.TryGetValue(irp, out var tracked) && !tracked.StartedNext.Contains(device))
            {
                tracked.StartedNext.Add(device);
            }
            if (!SerializesPowerIrps)
            {
                return;
            }
            var record = PopRecord(device);
            var system = current.Parameters.Power.Type == PowerStateType.SystemPowerState;
            var pending = system ? record.SystemPending : record.DevicePending;
            if (pending.TryDequeue(out var next))
            {
                start = next; // stays active: the next one owns the device object now
            }
            else if (system)
            {
                record.SystemActive = false;
            }
            else
            {
                record.DeviceActive = false;
            }
        }
        if (start is { } waiting)
        {
            Machine.CreateSystemThread(0, KernelModule.Kernel, "PopPassivePowerCall", async _ => await IoCallDriver(waiting.Target, waiting.Irp));
        }
    }

    /// <summary>PoSetPowerState: see <see cref="Wdm.PoSetPowerState"/>.</summary>
    internal PowerState PopSetPowerState(DeviceObject deviceObject, PowerStateType type, PowerState state)
    {
        PowerState old;
        lock (_lock)
        {
            var record = PopRecord(deviceObject);
            if (type == PowerStateType.DevicePowerState)
            {
                old = PowerState.Device(record.DeviceState);
                record.DeviceState = state.DeviceState;
            }
            else
            {
                old = PowerState.System(record.SystemState);
                record.SystemState = state.SystemState;
            }
        }
        PopLog(deviceObject, type == PowerStateType.DevicePowerState
            ? $"PoSetPowerState {deviceObject.DriverObject.ServiceName} {DName(state.DeviceState)}"
            : $"PoSetPowerState {deviceObject.DriverObject.ServiceName} {SName(state.SystemState)}");
        return old;
    }

    /// <summary>
    /// PopCheckIrpWatchdog: a power IRP the manager sent that is still out after the timeout is
    /// DRIVER_POWER_STATE_FAILURE subcode 3: P2 the stack's PDO, P3 nt!TRIAGE_9F_POWER (Windows 7 and
    /// later) or the stack's FDO (before), P4 the blocked IRP.
    /// </summary>
    internal void PopCheckIrpWatchdog()
    {
        PopIrpRecord? late = null;
        lock (_lock)
        {
            foreach (var record in _irpsInOrder)
            {
                if (Machine.NowNanoseconds - record.SentNs >= (long)Options.PowerIrpTimeout.TotalNanoseconds)
                {
                    late = record;
                    break;
                }
            }
        }
        if (late is null || Machine.IsBugChecked)
        {
            return;
        }
        var pdo = late.Top;
        while (pdo.AttachedTo is { } lower)
        {
            pdo = lower;
        }
        var third = Options.Version >= NtPowerVersion.Windows7
            ? Machine.RoutineAddress(KernelModule.Kernel, "TRIAGE_9F_POWER")
            : pdo.AttachedDevice?.Address ?? 0;
        PopLog(late.Target, $"{PopDescribe(late.Minor, late.Type, late.State)} blocked for {Options.PowerIrpTimeout.TotalSeconds:0} s");
        _ = Machine.KeBugCheck(null, null, BugCheckCode.DriverPowerStateFailure, 0x3, pdo.Address, third, late.Irp.Address,
            $"a power IRP ({PopDescribe(late.Minor, late.Type, late.State)}) was not completed within {Options.PowerIrpTimeout.TotalSeconds:0} s (PopCheckIrpWatchdog)");
    }

    internal static string PopDescribe(PowerMinorFunction minor, PowerStateType type, PowerState state)
    {
        var name = minor switch
        {
            PowerMinorFunction.SetPower => "IRP_MN_SET_POWER",
            PowerMinorFunction.QueryPower => "IRP_MN_QUERY_POWER",
            PowerMinorFunction.WaitWake => "IRP_MN_WAIT_WAKE",
            _ => "IRP_MN_POWER_SEQUENCE",
        };
        return name + " " + (type == PowerStateType.SystemPowerState ? SName(state.SystemState) : DName(state.DeviceState));
    }

    internal static string SName(SystemPowerState state) => state switch
    {
        SystemPowerState.PowerSystemWorking => "S0",
        SystemPowerState.PowerSystemSleeping1 => "S1",
        SystemPowerState.PowerSystemSleeping2 => "S2",
        SystemPowerState.PowerSystemSleeping3 => "S3",
        SystemPowerState.PowerSystemHibernate => "S4",
        SystemPowerState.PowerSystemShutdown => "S5",
        _ => state.ToString(),
    };

    internal static string DName(DevicePowerState state) => state switch
    {
        DevicePowerState.PowerDeviceD0 => "D0",
        DevicePowerState.PowerDeviceD1 => "D1",
        DevicePowerState.PowerDeviceD2 => "D2",
        DevicePowerState.PowerDeviceD3 => "D3",
        _ => state.ToString(),
    };

    /// <summary>A power IRP the manager sent and where it has been (the IRP's POP_IRP_DATA).</summary>
    private sealed class PopIrpRecord(PowerManager manager, Irp irp, DeviceObject target, DeviceObject top, PowerMinorFunction minor, PowerStateType type,
        PowerState state, RequestPowerComplete? completion, object? context, long sentNs)
    {
        public PowerManager Manager { get; } = manager;

        public Irp Irp { get; } = irp;

        public DeviceObject Target { get; } = target;

        public DeviceObject Top { get; } = top;

        public PowerMinorFunction Minor { get; } = minor;

        public PowerStateType Type { get; } = type;

        public PowerState State { get; } = state;

        public RequestPowerComplete? Completion { get; } = completion;

        public object? Context { get; } = context;

        public long SentNs { get; } = sentNs;

        // Device objects PoCallDriver handed the IRP to, in order.
        public List<DeviceObject> Visited { get; } = [];

        // Device objects whose driver called PoStartNextPowerIrp for it.
        public List<DeviceObject> StartedNext { get; } = [];
    }
}
