using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host;

/// <summary>
/// The device types, driver, filter and costs the demo-workload runner models, registered in the
/// catalog so scenarios can name them. The kernel runner (<see cref="KernelCatalog"/>) models the
/// same two device types, so they are registered once here with its parameters too.
/// </summary>
public static class DemoCatalog
{
    /// <summary>The demo's function driver.</summary>
    public const string EchoDriver = "demo-echo";

    /// <summary>The demo's filter driver.</summary>
    public const string PassThroughFilter = "demo-passthrough";

    /// <summary>The timer device type.</summary>
    public const string TimerType = "timer";

    /// <summary>The interrupt-source device type.</summary>
    public const string InterruptSourceType = "interrupt-source";

    private static readonly ParameterDescriptor ErrorRate =
        new("errorRate", ParameterKind.Number, "share of requests the device fails with STATUS_DEVICE_DATA_ERROR", "0", 0, 1);

    /// <summary>Registers the demo entries and the demo-workload runner.</summary>
    public static IServiceCollection AddDemoSimulation(this IServiceCollection services)
    {
        services.AddDeviceType(new DeviceTypeDescriptor(TimerType,
            "a programmable interval timer: completes each request at its next tick (kernel runner: interrupts every period)", 0, 23,
            [
                new ParameterDescriptor("period", ParameterKind.Duration, "time between ticks", "1ms", 1_000, 3_600_000_000_000),
                ErrorRate,
                .. KernelCatalog.DeviceParameters,
            ]));
        services.AddDeviceType(new DeviceTypeDescriptor(InterruptSourceType,
            "a device that raises its interrupt a fixed latency (plus jitter) after each request (kernel runner: by itself, every latency..latency+jitter)", 0, 23,
            [
                new ParameterDescriptor("latency", ParameterKind.Duration, "time from request to interrupt (kernel runner: shortest gap between interrupts)", "100us", 100, 3_600_000_000_000),
                new ParameterDescriptor("jitter", ParameterKind.Duration, "extra latency, uniform in 0..jitter", "0s", 0, 3_600_000_000_000),
                ErrorRate,
                .. KernelCatalog.DeviceParameters,
            ]));
        services.AddDriver(new DriverDescriptor(EchoDriver,
            "echoes reads, accepts writes, answers IOCTL_ECHO; the demo function driver", [InterruptSourceType, TimerType]));
        services.AddFilter(new FilterDescriptor(PassThroughFilter, "passes every request down and every completion up unchanged"));
        services.AddCostModelEntry(new CostModelEntry("ioCallDriver", 250, "passing a request to the next lower device object"));
        services.AddCostModelEntry(new CostModelEntry("ioCompleteRequest", 150, "passing a completion to the next higher device object"));
        services.AddCostModelEntry(new CostModelEntry("isr", 1_000, "an interrupt service routine"));
        services.AddCostModelEntry(new CostModelEntry("dpc", 2_000, "a deferred procedure call"));
        services.AddScenarioRunner<DemoWorkloadRunner>();
        return services;
    }
}
