using ActorKernel.Runtime;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host.Debugger;

/// <summary>
/// A scenario started under the debugger (<c>kd --scenario NAME</c>): checked as <c>run</c> checks
/// it, booted on the deterministic dispatcher by the kernel runner (its devices started), and stopped
/// before its workloads run, so breakpoints can be set before any request is issued.
/// </summary>
internal static class KdScenario
{
    /// <summary>Boots <paramref name="reference"/> under the debugger.</summary>
    /// <param name="check">The host's scenario check.</param>
    /// <param name="loggerFactory">For the runner's logging.</param>
    /// <param name="reference">A scenario file or a shipped scenario's name.</param>
    /// <param name="seed">Overrides the scenario's seed.</param>
    /// <param name="problems">Receives the scenario's errors when it cannot run.</param>
    /// <returns>The live target, or null when the scenario cannot run.</returns>
    public static KdLiveTarget? Boot(ScenarioCheck check, ILoggerFactory loggerFactory, string reference, ulong? seed, out IReadOnlyList<string> problems) =>
        BootSimulation(check, loggerFactory, reference, seed, out problems) is { } booted
            ? new KdLiveTarget(booted.Simulation.Machine, [booted.Simulation.Io], booted.EndNs, booted.Simulation)
            : null;

    /// <summary>Boots <paramref name="reference"/> on the deterministic dispatcher with the kernel runner, before anything ran.</summary>
    /// <param name="check">The host's scenario check.</param>
    /// <param name="loggerFactory">For the runner's logging.</param>
    /// <param name="reference">A scenario file or a shipped scenario's name.</param>
    /// <param name="seed">Overrides the scenario's seed.</param>
    /// <param name="problems">Receives the scenario's errors when it cannot run.</param>
    /// <returns>The booted simulation (the caller disposes it) and the run's end, or null.</returns>
    public static (KernelSimulation Simulation, long EndNs)? BootSimulation(ScenarioCheck check, ILoggerFactory loggerFactory, string reference, ulong? seed, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var (scenario, runner, found) = check.Check(reference, s =>
        {
            s.Machine.Dispatcher = "deterministic";
            if (seed is { } value)
            {
                s.Machine.Seed = value;
            }
        });
        problems = [.. found.Where(p => p.Severity == ProblemSeverity.Error).Select(p => p.ToString())];
        if (scenario is null || runner is null)
        {
            return null;
        }
        var endNs = scenario.DurationNanoseconds!.Value;
        var context = new SimulationContext(scenario, scenario.Machine.Seed!.Value, DispatcherKind.Deterministic, endNs, 0, 0, loggerFactory);
        var simulation = runner.Boot(context);
        if (simulation is not KernelSimulation kernel)
        {
            simulation.Dispose();
            problems = [$"{reference}: the '{runner.Kind}' runner's machine cannot be debugged (kd debugs the kernel runner's)"];
            return null;
        }
        return (kernel, endNs);
    }
}
