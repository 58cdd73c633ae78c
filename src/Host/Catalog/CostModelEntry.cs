namespace ActorKernel.Host;

/// <summary>One entry of the machine's cost model that <c>machine.costModel</c> may override.</summary>
/// <param name="Name">Its JSON name (<c>ioCallDriver</c>).</param>
/// <param name="DefaultNanoseconds">Its simulated cost when not overridden.</param>
/// <param name="Description">What the cost is charged for.</param>
public sealed record CostModelEntry(string Name, long DefaultNanoseconds, string Description);
