using ActorKernel.Runtime;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host;

/// <summary>
/// Builds and boots the simulated machine a scenario describes. The host picks one runner per
/// scenario: the one whose <see cref="Kind"/> the scenario's <c>kind</c> names, otherwise the
/// highest-<see cref="Priority"/> runner whose <see cref="CanRun"/> accepts it. Register runners
/// with <see cref="CatalogServiceCollectionExtensions.AddScenarioRunner{TRunner}"/>.
/// </summary>
public interface IScenarioRunner
{
    /// <summary>The name a scenario's <c>kind</c> uses to ask for this runner (<c>demo-workload</c>).</summary>
    string Kind { get; }

    /// <summary>One line for <c>list scenarios</c> and error messages.</summary>
    string Description { get; }

    /// <summary>Among runners that accept a scenario without a <c>kind</c>, the highest priority wins.</summary>
    int Priority { get; }

    /// <summary>Whether this runner can run <paramref name="scenario"/>; when not, <paramref name="reason"/> says why.</summary>
    bool CanRun(Scenario scenario, out string reason);

    /// <summary>Runner-specific problems of a scenario that already passed <see cref="Scenario.Validate"/> (e.g. faults it ignores).</summary>
    IEnumerable<ScenarioProblem> Check(Scenario scenario);

    /// <summary>Builds the machine and boots it; the host then drives it through <see cref="ISimulation"/>.</summary>
    ISimulation Boot(SimulationContext context);
}

/// <summary>Everything a runner needs to boot one machine.</summary>
/// <param name="Scenario">The validated scenario.</param>
/// <param name="Seed">The root seed of this boot (the run's seed for boot 0, a derived one after a reboot).</param>
/// <param name="Dispatcher">The dispatcher to run on (the scenario's, or <c>--dispatcher</c>).</param>
/// <param name="EndNanoseconds">When the run ends, in run time (simulated nanoseconds since the first boot).</param>
/// <param name="BootNanoseconds">When this boot starts in run time (0 for the first boot, the crash time after a reboot); faults before it are not replayed.</param>
/// <param name="BootIndex">0 for the first boot, n after n crashes.</param>
/// <param name="LoggerFactory">For the runner's own logging.</param>
public sealed record SimulationContext(
    Scenario Scenario,
    ulong Seed,
    DispatcherKind Dispatcher,
    long EndNanoseconds,
    long BootNanoseconds,
    int BootIndex,
    ILoggerFactory LoggerFactory);

/// <summary>What a machine is doing after <see cref="ISimulation.Advance"/>.</summary>
public enum SimulationStatus
{
    /// <summary>Still running.</summary>
    Running,

    /// <summary>The run's time is over, the workloads have stopped and nothing is in flight.</summary>
    Finished,

    /// <summary>A bugcheck stopped the machine; <see cref="ISimulation.Complete"/> returns its crash report.</summary>
    Crashed,
}

/// <summary>
/// A booted machine driven by the host: in slices of simulated time on the deterministic dispatcher
/// (on the host's thread), by sampling on the concurrent one. Not thread-safe: one driver at a time.
/// </summary>
public interface ISimulation : IDisposable
{
    /// <summary>Run time now: simulated nanoseconds since the first boot.</summary>
    long NowNanoseconds { get; }

    /// <summary>
    /// Deterministic: runs up to <paramref name="sliceNanoseconds"/> of simulated time (less when the
    /// machine finishes or crashes). Concurrent: waits up to <paramref name="wallBudget"/> for the
    /// machine to finish or crash, or <paramref name="cancellationToken"/>.
    /// </summary>
    SimulationStatus Advance(long sliceNanoseconds, TimeSpan wallBudget, CancellationToken cancellationToken);

    /// <summary>Graceful stop: workloads issue nothing more; requests in flight still complete.</summary>
    void StopWorkloads();

    /// <summary>The drain deadline passed: every request still in flight completes with STATUS_CANCELLED.</summary>
    void CancelInFlight();

    /// <summary>Counters and gauges for the live view; cheap enough to call a few times a second.</summary>
    ProgressSnapshot Snapshot();

    /// <summary>Stops the machine (terminating its actors) and returns what it did; call once, last.</summary>
    SimulationResult Complete();
}
