namespace ActorKernel.Host;

/// <summary>Loading, validation and runner selection in one step, shared by <c>run</c> and <c>validate</c>.</summary>
public sealed class ScenarioCheck(ScenarioLibrary library, ISimulationCatalog catalog, ScenarioRunnerSelector selector)
{
    /// <summary>Loads <paramref name="reference"/>, applies <paramref name="adjust"/> (command-line overrides), validates it and picks a runner.</summary>
    /// <returns>Every problem, and the scenario and runner when there is no error.</returns>
    public (Scenario? Scenario, IScenarioRunner? Runner, IReadOnlyList<ScenarioProblem> Problems) Check(string? reference, Action<Scenario>? adjust = null)
    {
        var (scenario, runner, problems) = CheckUnsorted(reference, adjust);
        return (scenario, runner, ProblemOrder.Sort(problems));
    }

    private (Scenario?, IScenarioRunner?, List<ScenarioProblem>) CheckUnsorted(string? reference, Action<Scenario>? adjust)
    {
        var (scenario, problems) = library.Load(reference);
        var all = new List<ScenarioProblem>(problems);
        if (scenario is null)
        {
            return (null, null, all);
        }
        adjust?.Invoke(scenario);
        all.AddRange(scenario.Validate(catalog));
        if (all.Any(p => p.Severity == ProblemSeverity.Error))
        {
            return (null, null, all);
        }
        var runner = selector.Select(scenario, out var problem);
        if (runner is null)
        {
            all.Add(problem!);
            return (null, null, all);
        }
        all.AddRange(runner.Check(scenario));
        return all.Any(p => p.Severity == ProblemSeverity.Error) ? (null, null, all) : (scenario, runner, all);
    }
}
