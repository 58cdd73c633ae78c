namespace ActorKernel.Actors;

// Idle detection (ReactOS po/power.c PoRegisterDeviceForIdleDetection, PopScanIdleList; Microsoft
// "PoRegisterDeviceForIdleDetection", "PoSetDeviceBusy").
public sealed partial class PowerManager
{
    /// <summary>PoRegisterDeviceForIdleDetection: see <see cref="Wdm.PoRegisterDeviceForIdleDetection"/>.</summary>
    internal PoIdleCounter? PopRegisterForIdleDetection(DeviceObject deviceObject, uint conservationIdleTime, uint performanceIdleTime, DevicePowerState state)
    {
        lock (_lock)
        {
            var existing = _idleList.Find(c => c.DeviceObject == deviceObject);
            if (conservationIdleTime == 0 && performanceIdleTime == 0)
            {
                if (existing is not null)
                {
                    _idleList.Remove(existing);
                }
                return null;
            }
            if (existing is not null)
            {
                existing.ConservationIdleTime = conservationIdleTime;
                existing.PerformanceIdleTime = performanceIdleTime;
                existing.State = state;
                existing.Value = 0;
                existing.LastBusyNs = Machine.NowNanoseconds;
                return existing;
            }
            var counter = new PoIdleCounter(deviceObject, conservationIdleTime, performanceIdleTime, state) { LastBusyNs = Machine.NowNanoseconds };
            _idleList.Add(counter);
            return counter;
        }
    }

    /// <summary>
    /// PopScanIdleList: once a second each counter is brought up to the whole seconds since the device's last
    /// PoSetDeviceBusy; a device idle for its performance idle time
    /// (the machine runs on AC power) while the system is in S0 gets IRP_MN_SET_POWER for its idle state,
    /// sent to the top of its stack as PoRequestPowerIrp sends one. PoSetDeviceBusy restarts the count.
    /// </summary>
    internal void PopScanIdleList()
    {
        if (SystemState != SystemPowerState.PowerSystemWorking || Machine.IsBugChecked)
        {
            return;
        }
        var due = new List<PoIdleCounter>();
        lock (_lock)
        {
            foreach (var counter in _idleList)
            {
                // Whole seconds since the last PoSetDeviceBusy (or the registration).
                var idle = (Machine.NowNanoseconds - Volatile.Read(ref counter.LastBusyNs)) / 1_000_000_000;
                Volatile.Write(ref counter.Value, (int)Math.Min(idle, int.MaxValue));
                var limit = counter.PerformanceIdleTime != 0 ? counter.PerformanceIdleTime : counter.ConservationIdleTime;
                var state = _devices.TryGetValue(counter.DeviceObject, out var record) ? record.DeviceState : DevicePowerState.PowerDeviceD0;
                if (idle >= limit && state < counter.State && !counter.Requested)
                {
                    counter.Requested = true;
                    due.Add(counter);
                }
            }
        }
        foreach (var counter in due)
        {
            PopLog(counter.DeviceObject, $"idle for {counter.Value} s: requesting {DName(counter.State)}");
            Machine.CreateSystemThread(0, KernelModule.Kernel, "PopIdleWorker", _ =>
            {
                PopRequestPowerIrp(counter.DeviceObject, PowerMinorFunction.SetPower, PowerStateType.DevicePowerState, PowerState.Device(counter.State),
                    PowerAction.PowerActionNone, null, null);
                return ValueTask.CompletedTask;
            });
        }
    }
}

/// <summary>
/// The idle counter PoRegisterDeviceForIdleDetection returns (the ULONG it points at): seconds the device
/// has been idle; PoSetDeviceBusy sets it back to zero.
/// </summary>
public sealed class PoIdleCounter
{
    internal PoIdleCounter(DeviceObject deviceObject, uint conservationIdleTime, uint performanceIdleTime, DevicePowerState state)
    {
        DeviceObject = deviceObject;
        ConservationIdleTime = conservationIdleTime;
        PerformanceIdleTime = performanceIdleTime;
        State = state;
    }

    /// <summary>The device registered.</summary>
    public DeviceObject DeviceObject { get; }

    /// <summary>Idle seconds before power-down on battery.</summary>
    public uint ConservationIdleTime { get; internal set; }

    /// <summary>Idle seconds before power-down on AC power (the machine's).</summary>
    public uint PerformanceIdleTime { get; internal set; }

    /// <summary>The device state an idle device is sent to.</summary>
    public DevicePowerState State { get; internal set; }

    /// <summary>Seconds idle so far.</summary>
    public int Count => Volatile.Read(ref Value);

    // Set when the idle IRP went out; PoSetDeviceBusy clears it (the device is in use again).
    internal bool Requested { get; set; }

    internal int Value;

    // The virtual time of the last PoSetDeviceBusy (or of the registration).
    internal long LastBusyNs;
}
