namespace ActorKernel.Actors.Verifier;

/// <summary>
/// Something the explorer runs many times: a named body that builds a machine through
/// <see cref="ExplorationRun.CreateMachine"/>, drives a workload and declares its invariants. A
/// scenario of the host (`stress NAME`) or the body of an xunit test.
/// </summary>
/// <param name="Name">The name a replay file records (and the host resolves).</param>
/// <param name="Body">One run.</param>
public sealed record ExplorerScenario(string Name, Action<ExplorationRun> Body);
