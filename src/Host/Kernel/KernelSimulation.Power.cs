using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;

namespace ActorKernel.Host;

// The scenario's power timeline (h/power): sleep (S3) and hibernate (S4), optionally waking after their
// duration, wake (S0), shutdown (S5: IRP_MJ_SHUTDOWN to the registered stacks, the S5 IRPs, the machine
// stops), and disk-idle (a block-disk's idle time: the power manager sends it D3 after that long without
// a request, and the next request powers it up first). The power manager is created over the PnP manager
// that built the stacks, at the first power event of the boot.
internal sealed partial class KernelSimulation
{
    /// <summary>The scenario's power event types.</summary>
    internal static readonly IReadOnlyList<string> PowerEventTypes = ["sleep", "hibernate", "wake", "shutdown", "disk-idle"];

    /// <summary>The machine's power manager (null until the first power event).</summary>
    internal PowerManager? Power { get; private set; }

    partial void SchedulePowerEvent(FaultSpec fault, long at, ref bool scheduled)
    {
        if (Pnp is null || !PowerEventTypes.Contains(fault.Type ?? ""))
        {
            return;
        }
        scheduled = true;
        if (Power is null)
        {
            Power = PowerManager.Create(Machine, Io, Pnp);
            var created = Power;
            // The summary's notes tell what the power manager did: each state reached, each idle power-down, each IRP_MJ_SHUTDOWN.
            Machine.System.Scheduler.ScheduleOnce(At(_bootEndNs - 1 - Machine.NowNanoseconds), () => _notes.AddRange(created.Log
                .Where(e => e.What.StartsWith("in S", StringComparison.Ordinal) || e.What.StartsWith("idle for", StringComparison.Ordinal)
                    || e.What.StartsWith("IRP_MJ_SHUTDOWN", StringComparison.Ordinal) || e.What.StartsWith("vetoed", StringComparison.Ordinal))
                .Select(e => F($"power at {Duration.Format(e.TimeNs)}: {e}"))));
        }
        var power = Power;
        switch (fault.Type)
        {
            case "sleep" or "hibernate":
                var state = fault.Type == "sleep" ? SystemPowerState.PowerSystemSleeping3 : SystemPowerState.PowerSystemHibernate;
                AtBootTime(at, () => power.RequestSystemPowerState(state));
                if (fault.DurationNanoseconds is { } sleep && at + sleep < _bootEndNs)
                {
                    AtBootTime(at + sleep, () => power.RequestSystemPowerState(SystemPowerState.PowerSystemWorking));
                }
                break;
            case "wake":
                AtBootTime(at, () => power.RequestSystemPowerState(SystemPowerState.PowerSystemWorking));
                break;
            case "shutdown":
                AtBootTime(at, () => power.RequestSystemPowerState(SystemPowerState.PowerSystemShutdown));
                break;
            default: // disk-idle
                var seconds = (uint)Math.Max(1, (fault.DurationNanoseconds ?? 1_000_000_000) / 1_000_000_000);
                AtBootTime(at, () =>
                {
                    if (PowerFindPortDevice(fault.Device ?? "") is { } fdo)
                    {
                        Machine.RunRoutine(0, FaultInjection, "StoragePortSetIdleTime", () =>
                        {
                            StoragePort.StoragePortSetIdleTime(fdo, seconds);
                            return ValueTask.CompletedTask;
                        });
                    }
                });
                break;
        }
    }

    /// <summary>The storage port's device object on the block-disk named <paramref name="device"/>.</summary>
    private DeviceObject? PowerFindPortDevice(string device)
    {
        DeviceObject? Find(DeviceNode node)
        {
            if (string.Equals(node.Hardware?.Name, device, StringComparison.OrdinalIgnoreCase))
            {
                for (var d = node.PhysicalDeviceObject.AttachedDevice; d is not null; d = d.AttachedDevice)
                {
                    if (d.DeviceExtension is StorageAdapter)
                    {
                        return d;
                    }
                }
            }
            foreach (var child in node.Children)
            {
                if (Find(child) is { } found)
                {
                    return found;
                }
            }
            return null;
        }
        return Pnp is null ? null : Find(Pnp.RootDeviceNode);
    }
}
