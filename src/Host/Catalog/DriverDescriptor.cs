namespace ActorKernel.Host;

/// <summary>
/// A function driver the registry can bind to a device: what <c>drivers[i].name</c> may name.
/// Register one with <see cref="CatalogServiceCollectionExtensions.AddDriver"/>.
/// </summary>
/// <param name="Name">The driver (service) name used in scenario files.</param>
/// <param name="Description">One line for <c>list drivers</c>.</param>
/// <param name="DeviceTypes">The device types it can drive.</param>
public sealed record DriverDescriptor(string Name, string Description, IReadOnlyList<string> DeviceTypes);

/// <summary>
/// A filter driver that may sit above or below a function driver: what <c>upperFilters</c> and
/// <c>lowerFilters</c> may name. Register one with <see cref="CatalogServiceCollectionExtensions.AddFilter"/>.
/// </summary>
/// <param name="Name">The filter's name used in scenario files.</param>
/// <param name="Description">One line for <c>list drivers</c>.</param>
public sealed record FilterDescriptor(string Name, string Description);

/// <summary>One entry of the machine's cost model that <c>machine.costModel</c> may override.</summary>
/// <param name="Name">Its JSON name (<c>ioCallDriver</c>).</param>
/// <param name="DefaultNanoseconds">Its simulated cost when not overridden.</param>
/// <param name="Description">What the cost is charged for.</param>
public sealed record CostModelEntry(string Name, long DefaultNanoseconds, string Description);
