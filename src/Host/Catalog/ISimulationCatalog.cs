namespace ActorKernel.Host;

/// <summary>
/// What a scenario may name: device types, drivers, filters and cost-model entries. Built from every
/// descriptor registered in the service collection, so a project adds its own models by registering
/// them (see <see cref="CatalogServiceCollectionExtensions"/>). Lists are sorted by name (ordinal).
/// </summary>
public interface ISimulationCatalog
{
    /// <summary>Every device type.</summary>
    IReadOnlyList<DeviceTypeDescriptor> DeviceTypes { get; }

    /// <summary>Every function driver.</summary>
    IReadOnlyList<DriverDescriptor> Drivers { get; }

    /// <summary>Every filter driver.</summary>
    IReadOnlyList<FilterDescriptor> Filters { get; }

    /// <summary>Every cost-model entry.</summary>
    IReadOnlyList<CostModelEntry> CostModel { get; }

    /// <summary>The device type called <paramref name="name"/>, or null.</summary>
    DeviceTypeDescriptor? FindDeviceType(string name);

    /// <summary>The driver called <paramref name="name"/>, or null.</summary>
    DriverDescriptor? FindDriver(string name);

    /// <summary>The filter called <paramref name="name"/>, or null.</summary>
    FilterDescriptor? FindFilter(string name);

    /// <summary>The cost-model entry called <paramref name="name"/>, or null.</summary>
    CostModelEntry? FindCost(string name);
}
