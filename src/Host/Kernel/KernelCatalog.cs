using ActorKernel.Actors;
using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host;

/// <summary>
/// The kernel's catalog entries: the hardware models a scenario may place (each one entry: its
/// parameters and how it becomes a device of <see cref="MachineOptions"/>), the kernel and I/O
/// manager cost models, the sample drivers' routine costs, and the one runner,
/// <see cref="KernelRunner"/>. A new model (a block controller, a UART) is one more
/// <see cref="CatalogServiceCollectionExtensions.AddDeviceType"/> with a <see cref="DeviceTypeDescriptor.Hardware"/> builder.
/// </summary>
public static class KernelCatalog
{
    /// <summary>The interrupt line of the kernel's clock (CLOCK_LEVEL); devices may not use it.</summary>
    public const int ClockLine = 0;

    /// <summary>The DIRQL of a device that names none.</summary>
    public const int DefaultDeviceIrql = 5;

    /// <summary>The programmable interval timer model (<see cref="Hardware.TimerDevice"/>).</summary>
    public const string TimerType = "timer";

    /// <summary>The interrupt-source model (<see cref="Hardware.InterruptSourceDevice"/>).</summary>
    public const string InterruptSourceType = "interrupt-source";

    /// <summary>Device parameter: the line's DIRQL, 3..12.</summary>
    public const string IrqlParameter = "irql";

    /// <summary>Device parameter: the processors that may take the interrupt, a bit mask (0: all).</summary>
    public const string AffinityParameter = "affinity";

    /// <summary>Device parameter: the driver targets the device's DPCs round-robin over the processors.</summary>
    public const string SpreadDpcsParameter = "spreadDpcs";

    /// <summary>Cost of a sample driver's ISR body.</summary>
    public const string IsrCost = "isr";

    /// <summary>Cost of a sample driver's DPC body.</summary>
    public const string DpcCost = "dpc";

    /// <summary>Time a sample driver's DPC holds the statistics spin lock its devices share.</summary>
    public const string SpinLockHoldCost = "spinLockHold";

    /// <summary>The parameters every interrupt-driven model has: where its line goes.</summary>
    private static readonly ParameterDescriptor[] LineParameters =
    [
        new(IrqlParameter, ParameterKind.Integer, "the line's DIRQL (device IRQLs are 3..12)", "5", 3, 12),
        new(AffinityParameter, ParameterKind.Integer, "processors that may take the interrupt, a bit mask (0: all)", "0", 0, 9.2233720368547758E18),
        new(SpreadDpcsParameter, ParameterKind.Boolean, "its driver targets the DPCs round-robin over the processors (receive-side scaling)", "false"),
    ];

    /// <summary>Registers the hardware models, the cost models and the kernel runner.</summary>
    public static IServiceCollection AddKernelSimulation(this IServiceCollection services)
    {
        services.AddDeviceType(new DeviceTypeDescriptor(TimerType,
            "programmable interval timer: raises its line every period", 1, 23,
            [
                new ParameterDescriptor("period", ParameterKind.Duration, "time between interrupts", "1ms", 1_000, 3_600_000_000_000),
                .. LineParameters,
            ])
        {
            Hardware = d => new TimerDeviceConfig(d.Name!, d.Irq!.Value, DurationParameter(d, "period", 1_000_000)),
        });
        services.AddDeviceType(new DeviceTypeDescriptor(InterruptSourceType,
            "a device (NIC, disk) whose completions raise its line at seeded random gaps of latency..latency+jitter", 1, 23,
            [
                new ParameterDescriptor("latency", ParameterKind.Duration, "shortest gap between interrupts", "100us", 100, 3_600_000_000_000),
                new ParameterDescriptor("jitter", ParameterKind.Duration, "extra gap, uniform in 0..jitter", "0s", 0, 3_600_000_000_000),
                .. LineParameters,
            ])
        {
            Hardware = d =>
            {
                var latency = DurationParameter(d, "latency", 100_000);
                return new InterruptSourceConfig(d.Name!, d.Irq!.Value, latency, latency + DurationParameter(d, "jitter", 0));
            },
        });
        var k = KernelCostModel.Default;
        services.AddCostModelEntry(new CostModelEntry("interruptDispatch", k.InterruptDispatchNs, "kernel: taking an interrupt (save state, find the ISR)"));
        services.AddCostModelEntry(new CostModelEntry("dpcDispatch", k.DpcDispatchNs, "kernel: starting a DPC from the queue"));
        services.AddCostModelEntry(new CostModelEntry("contextSwitch", k.ContextSwitchNs, "kernel: switching threads"));
        services.AddCostModelEntry(new CostModelEntry("irqlChange", k.IrqlChangeNs, "kernel: KeRaiseIrql / KeLowerIrql"));
        services.AddCostModelEntry(new CostModelEntry("dpcQueue", k.DpcQueueNs, "kernel: KeInsertQueueDpc / KeRemoveQueueDpc"));
        services.AddCostModelEntry(new CostModelEntry("spinLock", k.SpinLockNs, "kernel: acquiring or releasing a spin lock"));
        services.AddCostModelEntry(new CostModelEntry("kernelTimer", k.TimerNs, "kernel: KeSetTimer / KeCancelTimer"));
        services.AddCostModelEntry(new CostModelEntry("dispatcherObject", k.DispatcherObjectNs, "kernel: setting or waiting on an event, mutex or semaphore"));
        services.AddCostModelEntry(new CostModelEntry("clockTick", k.ClockTickNs, "kernel: the clock ISR's work per tick"));
        services.AddCostModelEntry(new CostModelEntry("kernelCall", k.DefaultCallNs, "kernel: any other kernel service"));
        var io = IoCostModel.Default;
        services.AddCostModelEntry(new CostModelEntry("ioCallDriver", io.CallDriverNs, "I/O manager: IoCallDriver, the hop to the next lower device object"));
        services.AddCostModelEntry(new CostModelEntry("ioCompleteRequest", io.CompleteLocationNs, "I/O manager: IoCompleteRequest, per stack location passed"));
        services.AddCostModelEntry(new CostModelEntry(IsrCost, 1_000, "intecho.sys: its ISR's body (read and acknowledge the device)"));
        services.AddCostModelEntry(new CostModelEntry(DpcCost, 2_000, "intecho.sys: its DPC's body"));
        services.AddCostModelEntry(new CostModelEntry(SpinLockHoldCost, 1_000, "intecho.sys: time its DPC holds the statistics spin lock all its devices share"));
        services.AddHardwareModels();
        services.AddUsbModels();
        services.AddUsbStorageDriver();
        services.AddScenarioRunner<KernelRunner>();
        return services;
    }

    private static long DurationParameter(DeviceSpec d, string name, long fallback) =>
        d.Parameter(name) is { } p && Duration.TryParseNanoseconds(p.Text, out var ns) ? ns : fallback;
}
