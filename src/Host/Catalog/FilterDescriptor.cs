namespace ActorKernel.Host;

/// <summary>
/// A filter driver that may sit above or below a function driver: what <c>upperFilters</c> and
/// <c>lowerFilters</c> may name. Register one with <see cref="CatalogServiceCollectionExtensions.AddFilter"/>.
/// </summary>
/// <param name="Name">The filter's name used in scenario files.</param>
/// <param name="Description">One line for <c>list drivers</c>.</param>
public sealed record FilterDescriptor(string Name, string Description);
