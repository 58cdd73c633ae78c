namespace ActorKernel.Host;

// The scenario's timeline events beyond the faults of KernelSimulation.Build.cs: each room adds its
// events in a file of its own (KernelSimulation.HotPlug.cs: plug and unplug through the PnP manager;
// KernelSimulation.Power.cs: sleep, wake and shutdown through the power manager) by implementing its
// partial method below, and schedules them with AtBootTime. The PnP manager that built the stacks is
// Pnp (KernelSimulation.Stacks.cs); the placed hardware is _hardware (KernelSimulation.Hardware.cs).
internal sealed partial class KernelSimulation
{
    /// <summary>
    /// A timeline entry (a <c>faults</c> entry whose type the fault switch does not know) of this boot
    /// at <paramref name="at"/> nanoseconds after the boot: each room's hook may take it.
    /// </summary>
    private void ScheduleTimelineEvent(FaultSpec fault, long at)
    {
        var scheduled = false;
        ScheduleHotPlugEvent(fault, at, ref scheduled);
        SchedulePowerEvent(fault, at, ref scheduled);
    }

    /// <summary>Hot plug and unplug (h/pnpremove): sets <paramref name="scheduled"/> when it took the event.</summary>
    partial void ScheduleHotPlugEvent(FaultSpec fault, long at, ref bool scheduled);

    /// <summary>System power transitions (h/power): sets <paramref name="scheduled"/> when it took the event.</summary>
    partial void SchedulePowerEvent(FaultSpec fault, long at, ref bool scheduled);

    /// <summary>
    /// Runs <paramref name="action"/> on the machine's scheduler <paramref name="at"/> nanoseconds after
    /// the boot (virtual time on the deterministic dispatcher), unless the machine crashed or the run stopped.
    /// </summary>
    private void AtBootTime(long at, Action action) =>
        Machine.System.Scheduler.ScheduleOnce(At(at - Machine.NowNanoseconds), () =>
        {
            if (!Machine.IsBugChecked && !_stopped)
            {
                action();
            }
        });
}
