using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host;

/// <summary>
/// The kernel runner's catalog entries: the kernel cost model (<see cref="Actors.KernelCostModel"/>)
/// and the cost of the device drivers' routines. Its device types are the demo's <c>timer</c> and
/// <c>interrupt-source</c> (registered once by <see cref="DemoCatalog"/>, with the kernel-only
/// parameters named here); the <c>isr</c> and <c>dpc</c> costs are shared the same way.
/// </summary>
public static class KernelCatalog
{
    /// <summary>The interrupt line of the kernel's clock (CLOCK_LEVEL); devices may not use it.</summary>
    public const int ClockLine = 0;

    /// <summary>The DIRQL of a device that names none.</summary>
    public const int DefaultDeviceIrql = 5;

    /// <summary>Device parameter: the line's DIRQL, 3..12 (kernel runner).</summary>
    public const string IrqlParameter = "irql";

    /// <summary>Device parameter: the processors that may take the interrupt, a bit mask (0: all; kernel runner).</summary>
    public const string AffinityParameter = "affinity";

    /// <summary>Device parameter: target the device's DPCs round-robin over the processors (kernel runner).</summary>
    public const string SpreadDpcsParameter = "spreadDpcs";

    /// <summary>Cost of a device ISR's body (shared with the demo runner).</summary>
    public const string IsrCost = "isr";

    /// <summary>Cost of a device DPC's body (shared with the demo runner).</summary>
    public const string DpcCost = "dpc";

    /// <summary>Time a device DPC holds the spin lock all devices share.</summary>
    public const string SpinLockHoldCost = "spinLockHold";

    /// <summary>The device parameters only the kernel runner reads; <see cref="DemoCatalog"/> adds them to the shared device types.</summary>
    internal static IReadOnlyList<ParameterDescriptor> DeviceParameters { get; } =
    [
        new(IrqlParameter, ParameterKind.Integer, "kernel runner: the line's DIRQL (device IRQLs are 3..12)", "5", 3, 12),
        new(AffinityParameter, ParameterKind.Integer, "kernel runner: processors that may take the interrupt, a bit mask (0: all)", "0", 0, 9.2233720368547758E18),
        new(SpreadDpcsParameter, ParameterKind.Boolean, "kernel runner: target the DPCs round-robin over the processors (receive-side scaling)", "false"),
    ];

    /// <summary>Registers the kernel cost model and the kernel runner.</summary>
    public static IServiceCollection AddKernelSimulation(this IServiceCollection services)
    {
        var d = Actors.KernelCostModel.Default;
        services.AddCostModelEntry(new CostModelEntry("interruptDispatch", d.InterruptDispatchNs, "kernel: taking an interrupt (save state, find the ISR)"));
        services.AddCostModelEntry(new CostModelEntry("dpcDispatch", d.DpcDispatchNs, "kernel: starting a DPC from the queue"));
        services.AddCostModelEntry(new CostModelEntry("contextSwitch", d.ContextSwitchNs, "kernel: switching threads"));
        services.AddCostModelEntry(new CostModelEntry("irqlChange", d.IrqlChangeNs, "kernel: KeRaiseIrql / KeLowerIrql"));
        services.AddCostModelEntry(new CostModelEntry("dpcQueue", d.DpcQueueNs, "kernel: KeInsertQueueDpc / KeRemoveQueueDpc"));
        services.AddCostModelEntry(new CostModelEntry("spinLock", d.SpinLockNs, "kernel: acquiring or releasing a spin lock"));
        services.AddCostModelEntry(new CostModelEntry("kernelTimer", d.TimerNs, "kernel: KeSetTimer / KeCancelTimer"));
        services.AddCostModelEntry(new CostModelEntry("dispatcherObject", d.DispatcherObjectNs, "kernel: setting or waiting on an event, mutex or semaphore"));
        services.AddCostModelEntry(new CostModelEntry("clockTick", d.ClockTickNs, "kernel: the clock ISR's work per tick"));
        services.AddCostModelEntry(new CostModelEntry("kernelCall", d.DefaultCallNs, "kernel: any other kernel service"));
        services.AddCostModelEntry(new CostModelEntry(SpinLockHoldCost, 1_000, "kernel runner: time a device DPC holds the spin lock all devices share"));
        services.AddScenarioRunner<KernelMachineRunner>();
        return services;
    }
}
