using System.Globalization;

namespace ActorKernel.Host;

/// <summary>
/// Runs a scenario on the kernel's simulated processors (<see cref="Actors.Machine"/>): 1..64
/// processors with their IRQLs, the clock, and each timer or interrupt-source device on its own
/// interrupt line with a small driver (ISR → DPC → shared spin lock). It reports per-processor IRQL
/// residency, ISR and DPC counts and spin-lock contention. It has no I/O manager yet, so it runs
/// scenarios without drivers or workloads; scenarios ask for it with <c>"kind": "kernel"</c>.
/// </summary>
internal sealed class KernelMachineRunner(ISimulationCatalog catalog) : IScenarioRunner
{
    /// <summary>The kind name scenarios use to ask for this runner.</summary>
    public const string KindName = "kernel";

    public string Kind => KindName;

    public string Description => "the kernel's processors: IRQLs, interrupts, DPCs and spin locks (timer, interrupt-source; no drivers or workloads yet)";

    // Below the demo runner: a scenario without a kind keeps going to the demo workload.
    public int Priority => -10;

    public bool CanRun(Scenario scenario, out string reason)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var device = scenario.Devices.FirstOrDefault(d => d.Type is not (DemoCatalog.TimerType or DemoCatalog.InterruptSourceType));
        reason = device is not null ? $"device type '{device.Type}' is not modelled by the {KindName} runner"
            : scenario.Drivers.Count > 0 ? $"the {KindName} runner has no I/O manager yet, so it cannot load drivers from the scenario"
            : scenario.Workloads.Count > 0 ? $"the {KindName} runner has no I/O manager yet, so it cannot run workloads"
            : "";
        return reason.Length == 0;
    }

    public IEnumerable<ScenarioProblem> Check(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var lines = new Dictionary<int, string>();
        for (var i = 0; i < scenario.Devices.Count; i++)
        {
            var d = scenario.Devices[i];
            var path = F($"$.devices[{i}].irq");
            if (d.Irq == KernelCatalog.ClockLine)
            {
                yield return new ScenarioProblem(scenario.Source, path, F($"IRQ {KernelCatalog.ClockLine} is the kernel clock's line (CLOCK_LEVEL); use another line"));
            }
            else if (d.Irq is { } irq && !lines.TryAdd(irq, d.Name!))
            {
                yield return new ScenarioProblem(scenario.Source, path, F($"IRQ {irq} is already used by device '{lines[irq]}'; the {KindName} runner does not share lines"));
            }
            if (d.Parameter(KernelCatalog.AffinityParameter)?.Number is { } mask && scenario.Machine.Processors is { } n && n < 64
                && ((ulong)mask & ((1UL << n) - 1)) == 0 && mask != 0)
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.devices[{i}].parameters.affinity"),
                    F($"affinity 0x{(ulong)mask:X} names none of the machine's {n} processor(s)"));
            }
            if (d.Parameter("errorRate") is not null)
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.devices[{i}].parameters.errorRate"),
                    $"the {KindName} runner issues no requests, so 'errorRate' is ignored", ProblemSeverity.Warning);
            }
        }
        var byIrql = scenario.Devices.GroupBy(d => d.Parameter(KernelCatalog.IrqlParameter)?.Number ?? KernelCatalog.DefaultDeviceIrql)
            .FirstOrDefault(g => g.Count() > 16);
        if (byIrql is not null)
        {
            yield return new ScenarioProblem(scenario.Source, "$.devices", F($"more than 16 devices at IRQL {byIrql.Key}: an IRQL has 16 vectors"));
        }
        for (var i = 0; i < scenario.Faults.Count; i++)
        {
            if (scenario.Faults[i].Type == "page-out-pool")
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.faults[{i}].type"),
                    $"the {KindName} runner has no memory manager yet, so 'page-out-pool' is ignored", ProblemSeverity.Warning);
            }
        }
    }

    public ISimulation Boot(SimulationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new KernelSimulation(context, catalog);
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
