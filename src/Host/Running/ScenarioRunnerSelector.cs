namespace ActorKernel.Host;

/// <summary>Picks the runner for a scenario: by its <c>kind</c>, else the highest-priority runner that accepts it.</summary>
public sealed class ScenarioRunnerSelector(IEnumerable<IScenarioRunner> runners)
{
    private readonly IScenarioRunner[] _runners = [.. runners.OrderByDescending(r => r.Priority).ThenBy(r => r.Kind, StringComparer.Ordinal)];

    /// <summary>Every registered runner, highest priority first.</summary>
    public IReadOnlyList<IScenarioRunner> Runners => _runners;

    /// <summary>The runner for <paramref name="scenario"/>, or null with the problem that says why none fits.</summary>
    public IScenarioRunner? Select(Scenario scenario, out ScenarioProblem? problem)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        problem = null;
        if (scenario.Kind is { } kind)
        {
            var named = _runners.FirstOrDefault(r => r.Kind == kind);
            if (named is null)
            {
                problem = new ScenarioProblem(scenario.Source, "$.kind", $"unknown kind '{kind}' (known: {string.Join(", ", _runners.Select(r => r.Kind))})");
                return null;
            }
            if (!named.CanRun(scenario, out var why))
            {
                problem = new ScenarioProblem(scenario.Source, "$.kind", $"the '{kind}' runner cannot run this scenario: {why}");
                return null;
            }
            return named;
        }
        var reasons = new List<string>();
        foreach (var runner in _runners)
        {
            if (runner.CanRun(scenario, out var why))
            {
                return runner;
            }
            reasons.Add($"{runner.Kind}: {why}");
        }
        problem = new ScenarioProblem(scenario.Source, "$", $"no runner can run this scenario ({string.Join("; ", reasons)})");
        return null;
    }
}
