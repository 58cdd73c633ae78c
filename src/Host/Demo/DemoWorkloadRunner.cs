using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>
/// The runner that works before the kernel lands: user-program workloads on the actor runtime issue
/// requests through filter → function → device actor chains whose devices complete after a
/// simulated latency. It runs scenarios made only of the demo catalog's devices, driver and filter.
/// </summary>
internal sealed class DemoWorkloadRunner(ISimulationCatalog catalog) : IScenarioRunner
{
    /// <summary>The kind name scenarios use to ask for this runner.</summary>
    public const string KindName = "demo-workload";

    public string Kind => KindName;

    public string Description => "workloads through filter → function → device actor chains (timer, interrupt-source; demo-echo)";

    public int Priority => 0;

    public bool CanRun(Scenario scenario, out string reason)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var device = scenario.Devices.FirstOrDefault(d => d.Type is not (DemoCatalog.TimerType or DemoCatalog.InterruptSourceType));
        if (device is not null)
        {
            reason = $"device type '{device.Type}' is not modelled by the {KindName} runner";
            return false;
        }
        var driver = scenario.Drivers.FirstOrDefault(d => d.Name != DemoCatalog.EchoDriver
            || d.UpperFilters.Concat(d.LowerFilters).Any(f => f != DemoCatalog.PassThroughFilter));
        if (driver is not null)
        {
            reason = $"driver '{driver.Name}' or one of its filters is not modelled by the {KindName} runner";
            return false;
        }
        reason = "";
        return true;
    }

    public IEnumerable<ScenarioProblem> Check(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        for (var i = 0; i < scenario.Devices.Count; i++)
        {
            foreach (var p in KernelCatalog.DeviceParameters.Where(p => scenario.Devices[i].Parameter(p.Name) is not null))
            {
                yield return new ScenarioProblem(scenario.Source, $"$.devices[{i}].parameters.{p.Name}",
                    $"the {KindName} runner has no interrupt controller, so '{p.Name}' is ignored (it is for the kernel runner)", ProblemSeverity.Warning);
            }
        }
        for (var i = 0; i < scenario.Faults.Count; i++)
        {
            if (scenario.Faults[i].Type == "page-out-pool")
            {
                yield return new ScenarioProblem(scenario.Source, $"$.faults[{i}].type",
                    $"the {KindName} runner has no pageable pool, so 'page-out-pool' is ignored", ProblemSeverity.Warning);
            }
        }
    }

    public ISimulation Boot(SimulationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new DemoSimulation(context, catalog);
    }

    /// <summary>The options of the actor system for this boot.</summary>
    internal static ActorSystemOptions SystemOptions(SimulationContext context) =>
        context.Dispatcher == DispatcherKind.Deterministic
            ? ActorSystemOptions.DeterministicWith(context.Seed)
            : ActorSystemOptions.ConcurrentWith(timeScale: context.Scenario.Machine.TimeScale ?? 1.0);
}
