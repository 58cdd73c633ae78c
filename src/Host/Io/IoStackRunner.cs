using System.Globalization;

namespace ActorKernel.Host;

/// <summary>
/// Runs real driver stacks on the kernel's simulated processors: a <see cref="Actors.Machine"/> as
/// the kernel runner builds it, the I/O manager attached, the scenario's sample drivers loaded
/// (root bus PDO → function driver → upper filters) and each workload as a user process running the
/// workload library (<see cref="Actors.UserWorkload"/>) through Kernel32, synchronous or overlapped.
/// Scenarios ask for it with <c>"kind": "io"</c>.
/// </summary>
internal sealed class IoStackRunner(ISimulationCatalog catalog) : IScenarioRunner
{
    /// <summary>The kind name scenarios use to ask for this runner.</summary>
    public const string KindName = "io";

    public string Kind => KindName;

    public string Description => "real driver stacks (ramdisk, sioctl, root-bus, counting-filter, robots) driven by user processes through Kernel32 and the I/O manager";

    // Below the demo and kernel runners: a scenario without a kind keeps going where it went before.
    public int Priority => -20;

    public bool CanRun(Scenario scenario, out string reason)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var device = scenario.Devices.FirstOrDefault(d => d.Type != IoCatalog.RootDeviceType);
        var driver = scenario.Drivers.FirstOrDefault(d => !IoCatalog.FunctionDrivers.Contains(d.Name));
        var filter = scenario.Drivers.SelectMany(d => d.UpperFilters).FirstOrDefault(f => !IoCatalog.Filters.Contains(f));
        reason = device is not null ? $"device type '{device.Type}' is not modelled by the {KindName} runner (it drives '{IoCatalog.RootDeviceType}' devices)"
            : driver is not null ? $"driver '{driver.Name}' is not one of the {KindName} runner's function drivers ({string.Join(", ", IoCatalog.FunctionDrivers)})"
            : filter is not null ? $"filter '{filter}' is not one of the {KindName} runner's filters ({string.Join(", ", IoCatalog.Filters)})"
            : scenario.Drivers.Any(d => d.LowerFilters.Count > 0) ? $"the {KindName} runner has no lower filter drivers yet"
            : "";
        return reason.Length == 0;
    }

    public IEnumerable<ScenarioProblem> Check(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var sioctl = scenario.Drivers.Where(d => d.Name == IoCatalog.SioctlDriver).Skip(1).FirstOrDefault();
        if (sioctl is not null)
        {
            yield return new ScenarioProblem(scenario.Source, F($"$.drivers[{scenario.Drivers.IndexOf(sioctl)}].name"),
                "sioctl is a legacy driver with one control device (\\Device\\SIOCTL); bind it to one device only");
        }
        for (var i = 0; i < scenario.Drivers.Count; i++)
        {
            var d = scenario.Drivers[i];
            if (d.Name != IoCatalog.RamDiskDriver && scenario.FindDevice(d.Device ?? "") is { } device
                && (device.Parameter(IoCatalog.SizeParameter) ?? device.Parameter(IoCatalog.DirectIoParameter)) is not null)
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.drivers[{i}].device"),
                    $"device '{device.Name}' has ramdisk parameters but its driver is '{d.Name}'; they are ignored", ProblemSeverity.Warning);
            }
        }
        // One ramdisk.sys driver object serves every RAM disk, so the first one's options apply to all.
        var disks = scenario.Drivers.Where(d => d.Name == IoCatalog.RamDiskDriver).Select(d => scenario.FindDevice(d.Device ?? "")).OfType<DeviceSpec>().ToList();
        foreach (var disk in disks.Skip(1))
        {
            if (disk.Parameter(IoCatalog.SizeParameter)?.Number != disks[0].Parameter(IoCatalog.SizeParameter)?.Number
                || disk.Parameter(IoCatalog.DirectIoParameter)?.Boolean != disks[0].Parameter(IoCatalog.DirectIoParameter)?.Boolean)
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.devices[{scenario.Devices.IndexOf(disk)}].parameters"),
                    $"all RAM disks share one ramdisk.sys driver object: '{disk.Name}' gets the size and directIo of '{disks[0].Name}'", ProblemSeverity.Warning);
            }
        }
        for (var i = 0; i < scenario.Faults.Count; i++)
        {
            if (scenario.Faults[i].Type != "bugcheck")
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.faults[{i}].type"),
                    $"the {KindName} runner models only 'bugcheck' faults, so '{scenario.Faults[i].Type}' is ignored", ProblemSeverity.Warning);
            }
        }
    }

    public ISimulation Boot(SimulationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new IoSimulation(context, catalog);
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
