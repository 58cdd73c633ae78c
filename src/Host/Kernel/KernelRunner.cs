using System.Globalization;

namespace ActorKernel.Host;

/// <summary>
/// The one runner: every scenario runs on the kernel (<see cref="Actors.Machine"/>): its processors
/// with their IRQLs, the clock, the scenario's hardware models on their interrupt lines, the I/O
/// manager with the scenario's sample drivers loaded into real device stacks (root-bus PDO → lower
/// filters → function driver → upper filters), and each workload as a user process calling Kernel32.
/// </summary>
internal sealed class KernelRunner(ISimulationCatalog catalog) : IScenarioRunner
{
    /// <summary>The kind name scenarios may use to ask for this runner.</summary>
    public const string KindName = "kernel";

    public string Kind => KindName;

    public string Description => "the kernel: processors and IRQLs, hardware models on interrupt lines, the I/O manager with sample drivers, user-mode workloads through Kernel32";

    public int Priority => 0;

    public bool CanRun(Scenario scenario, out string reason)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        reason = "";
        return true;
    }

    public IEnumerable<ScenarioProblem> Check(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        if (scenario.Machines.Count > 0)
        {
            return MachinesProblems(scenario);
        }
        return MachineProblems(scenario);
    }

    /// <summary>The <c>machines</c> form: each machine's rules, at its paths under <c>$.machines[i]</c>.</summary>
    private IEnumerable<ScenarioProblem> MachinesProblems(Scenario scenario)
    {
        for (var i = 0; i < scenario.Machines.Count; i++)
        {
            var prefix = F($"$.machines[{i}]");
            foreach (var p in MachineProblems(scenario.Machines[i]))
            {
                yield return p with { Path = p.Path.StartsWith('$') ? prefix + p.Path[1..] : p.Path };
            }
        }
    }

    private IEnumerable<ScenarioProblem> MachineProblems(Scenario scenario)
    {
        var lines = new Dictionary<int, string>();
        for (var i = 0; i < scenario.Devices.Count; i++)
        {
            var d = scenario.Devices[i];
            if (catalog.FindDeviceType(d.Type ?? "") is not { WiresInterrupt: true })
            {
                continue;
            }
            var path = F($"$.devices[{i}].irq");
            if (d.Irq is { } irq && !lines.TryAdd(irq, d.Name!))
            {
                yield return new ScenarioProblem(scenario.Source, path, F($"IRQ {irq} is already used by device '{lines[irq]}'; lines are not shared"));
            }
            if (d.Parameter(KernelCatalog.AffinityParameter)?.Number is { } mask && scenario.Machine.Processors is { } n && n < 64
                && ((ulong)mask & ((1UL << n) - 1)) == 0 && mask != 0)
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.devices[{i}].parameters.affinity"),
                    F($"affinity 0x{(ulong)mask:X} names none of the machine's {n} processor(s)"));
            }
        }
        var byIrql = scenario.Devices.Where(d => catalog.FindDeviceType(d.Type ?? "") is { WiresInterrupt: true })
            .GroupBy(d => d.Parameter(KernelCatalog.IrqlParameter)?.Number ?? KernelCatalog.DefaultDeviceIrql)
            .FirstOrDefault(g => g.Count() > 16);
        if (byIrql is not null)
        {
            yield return new ScenarioProblem(scenario.Source, "$.devices", F($"more than 16 devices at IRQL {byIrql.Key}: an IRQL has 16 vectors"));
        }
        foreach (var p in DriverProblems(scenario).Concat(HardwareChecks.Check(scenario)).Concat(StackChecks.Check(scenario)))
        {
            yield return p;
        }
        for (var i = 0; i < scenario.Faults.Count; i++)
        {
            var fault = scenario.Faults[i];
            if (fault.Type == "interrupt-storm" && scenario.FindDevice(fault.Device ?? "") is { } device
                && catalog.FindDeviceType(device.Type ?? "") is { WiresInterrupt: false })
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.faults[{i}].device"),
                    $"device '{device.Name}' is a '{device.Type}' with no interrupt line to flood; name a hardware model (timer, interrupt-source)");
            }
        }
    }

    private IEnumerable<ScenarioProblem> DriverProblems(Scenario scenario)
    {
        var sioctl = scenario.Drivers.Where(d => d.Name == DriverCatalog.SioctlDriver).Skip(1).FirstOrDefault();
        if (sioctl is not null)
        {
            yield return new ScenarioProblem(scenario.Source, F($"$.drivers[{scenario.Drivers.IndexOf(sioctl)}].name"),
                "sioctl is a legacy driver with one control device (\\Device\\SIOCTL); bind it to one device only");
        }
        for (var i = 0; i < scenario.Drivers.Count; i++)
        {
            var d = scenario.Drivers[i];
            // RAM-disk parameters on a device whose own type does not take them (a block-disk's size is its own).
            if (d.Name != DriverCatalog.RamDiskDriver && scenario.FindDevice(d.Device ?? "") is { } device
                && new[] { DriverCatalog.SizeParameter, DriverCatalog.DirectIoParameter }.Any(p => device.Parameter(p) is not null
                    && catalog.FindDeviceType(device.Type ?? "")?.Parameters.Any(t => t.Name == p) != true))
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.drivers[{i}].device"),
                    $"device '{device.Name}' has ramdisk parameters but its driver is '{d.Name}'; they are ignored", ProblemSeverity.Warning);
            }
            if (d.UpperFilters.Contains(DriverCatalog.PlantedBugFilterName) && d.Verifier.ForceIrqlChecking != true)
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.drivers[{i}].verifier"),
                    "the planted bug touches paged pool at DISPATCH_LEVEL; without \"forceIrqlChecking\": true the page is usually resident and the bug may stay hidden", ProblemSeverity.Warning);
            }
        }
        // One ramdisk.sys driver object serves every RAM disk, so the first one's options apply to all.
        var disks = scenario.Devices.Select((d, i) => (Device: d, Index: i))
            .Where(x => x.Device.Name is not null && scenario.DriverFor(x.Device.Name)?.Name == DriverCatalog.RamDiskDriver).ToList();
        foreach (var (disk, index) in disks.Skip(1))
        {
            var first = disks[0].Device;
            if (disk.Parameter(DriverCatalog.SizeParameter)?.Number != first.Parameter(DriverCatalog.SizeParameter)?.Number
                || disk.Parameter(DriverCatalog.DirectIoParameter)?.Boolean != first.Parameter(DriverCatalog.DirectIoParameter)?.Boolean)
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.devices[{index}].parameters"),
                    $"all RAM disks share one ramdisk.sys driver object: '{disk.Name}' gets the size and directIo of '{first.Name}'", ProblemSeverity.Warning);
            }
        }
    }

    public ISimulation Boot(SimulationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Scenario.Machines.Count > 0 ? new MachinesSimulation(context, catalog) : new KernelSimulation(context, catalog);
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
