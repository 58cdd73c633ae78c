namespace ActorKernel.Host;

/// <summary>The catalog over every registered descriptor; duplicates are a programming error.</summary>
internal sealed class SimulationCatalog : ISimulationCatalog
{
    public SimulationCatalog(
        IEnumerable<DeviceTypeDescriptor> deviceTypes,
        IEnumerable<DriverDescriptor> drivers,
        IEnumerable<FilterDescriptor> filters,
        IEnumerable<CostModelEntry> costModel)
    {
        DeviceTypes = Sorted(deviceTypes, d => d.Name, "device type");
        Drivers = Sorted(drivers, d => d.Name, "driver");
        Filters = Sorted(filters, f => f.Name, "filter");
        CostModel = Sorted(costModel, c => c.Name, "cost-model entry");
    }

    public IReadOnlyList<DeviceTypeDescriptor> DeviceTypes { get; }

    public IReadOnlyList<DriverDescriptor> Drivers { get; }

    public IReadOnlyList<FilterDescriptor> Filters { get; }

    public IReadOnlyList<CostModelEntry> CostModel { get; }

    public DeviceTypeDescriptor? FindDeviceType(string name) => DeviceTypes.FirstOrDefault(d => d.Name == name);

    public DriverDescriptor? FindDriver(string name) => Drivers.FirstOrDefault(d => d.Name == name);

    public FilterDescriptor? FindFilter(string name) => Filters.FirstOrDefault(f => f.Name == name);

    public CostModelEntry? FindCost(string name) => CostModel.FirstOrDefault(c => c.Name == name);

    private static T[] Sorted<T>(IEnumerable<T> items, Func<T, string> name, string what)
    {
        var array = items.OrderBy(name, StringComparer.Ordinal).ToArray();
        for (var i = 1; i < array.Length; i++)
        {
            if (name(array[i]) == name(array[i - 1]))
            {
                throw new InvalidOperationException($"The {what} '{name(array[i])}' is registered twice in the simulation catalog.");
            }
        }
        return array;
    }
}
