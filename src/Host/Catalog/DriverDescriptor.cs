namespace ActorKernel.Host;

/// <summary>
/// A function driver the registry can bind to a device: what <c>drivers[i].name</c> may name.
/// Register one with <see cref="CatalogServiceCollectionExtensions.AddDriver"/>.
/// </summary>
/// <param name="Name">The driver (service) name used in scenario files.</param>
/// <param name="Description">One line for <c>list drivers</c>.</param>
/// <param name="DeviceTypes">The device types it can drive.</param>
public sealed record DriverDescriptor(string Name, string Description, IReadOnlyList<string> DeviceTypes);
