namespace ActorKernel.Host.Stress;

/// <summary>The <c>stress</c> verb's arguments, as typed.</summary>
/// <param name="Scenario">The scenario name.</param>
/// <param name="Seeds">--seeds.</param>
/// <param name="Strategy">--strategy.</param>
/// <param name="Shard">--shard i/N.</param>
/// <param name="Seed">--seed.</param>
/// <param name="Faults">--faults.</param>
/// <param name="TimeBudget">--time-budget.</param>
/// <param name="Output">--out.</param>
/// <param name="NoShrink">--no-shrink.</param>
/// <param name="List">--list.</param>
/// <param name="Verify">--verify IMAGE (repeatable): Driver Verifier's special pool, pool tracking and I/O verification on that zoo driver.</param>
/// <param name="Checked">--checked: every run on the checked build of the kernel.</param>
public sealed record StressRequest(string? Scenario, string? Seeds, string? Strategy, string? Shard, string? Seed, string? Faults,
    string? TimeBudget, string? Output, bool NoShrink, bool List, IReadOnlyList<string>? Verify = null, bool Checked = false);
