using ActorKernel.Actors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host.Tests.Stacks;

/// <summary>A shipped scenario booted in this process by the host's own runner (the PnP manager builds its stacks), run to its end on demand.</summary>
internal sealed class StackScenario : IDisposable
{
    private readonly IHost _host;

    public StackScenario(string name)
    {
        _host = HostFactory.Build([]);
        var (scenario, runner, problems) = _host.Services.GetRequiredService<ScenarioCheck>().Check(name);
        Assert.True(scenario is not null && runner is not null, string.Join("\n", problems));
        Assert.DoesNotContain(problems, p => p.Severity == ProblemSeverity.Warning);
        var context = new SimulationContext(scenario!, scenario!.Machine.Seed!.Value, scenario.DispatcherKind, scenario.DurationNanoseconds!.Value, 0, 0,
            _host.Services.GetRequiredService<ILoggerFactory>());
        Simulation = runner!.Boot(context);
    }

    public ISimulation Simulation { get; }

    /// <summary>Each machine of the run (one unless the scenario has <c>machines</c>).</summary>
    public IReadOnlyList<KernelSimulation> Machines => Simulation switch
    {
        KernelSimulation one => [one],
        MachinesSimulation many => [.. many.Machines.Select(m => m.Simulation)],
        _ => throw new InvalidOperationException(Simulation.GetType().Name),
    };

    /// <summary>Runs to the end (the run's time, then the drain) and returns the result; a crash or a broken invariant fails the test.</summary>
    public SimulationResult RunToEnd()
    {
        var status = SimulationStatus.Running;
        for (var slices = 0; status == SimulationStatus.Running && slices < 10_000; slices++)
        {
            status = Simulation.Advance(10_000_000, TimeSpan.FromMinutes(1), CancellationToken.None);
        }
        Assert.Equal(SimulationStatus.Finished, status);
        var result = Simulation.Complete();
        Assert.Null(result.Crash);
        Assert.Empty(result.Violations);
        return result;
    }

    /// <summary>A counter of the result (0 when absent).</summary>
    public static long Counter(SimulationResult result, string name) => result.Counters.Where(c => c.Key == name).Select(c => c.Value).FirstOrDefault();

    /// <summary>The device objects of <paramref name="node"/>'s stack, the PDO first.</summary>
    public static List<DeviceObject> StackOf(DeviceNode node)
    {
        var stack = new List<DeviceObject>();
        for (var d = node.PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
        {
            stack.Add(d);
        }
        return stack;
    }

    public void Dispose()
    {
        Simulation.Dispose();
        _host.Dispose();
    }
}
