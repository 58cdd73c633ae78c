using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ActorKernel.Host;

/// <summary>How a project makes its device models, drivers and filters known to scenarios.</summary>
public static class CatalogServiceCollectionExtensions
{
    /// <summary>Registers a device type.</summary>
    public static IServiceCollection AddDeviceType(this IServiceCollection services, DeviceTypeDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return services.AddSingleton(descriptor).AddCatalog();
    }

    /// <summary>Registers a function driver.</summary>
    public static IServiceCollection AddDriver(this IServiceCollection services, DriverDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return services.AddSingleton(descriptor).AddCatalog();
    }

    /// <summary>Registers a filter driver.</summary>
    public static IServiceCollection AddFilter(this IServiceCollection services, FilterDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return services.AddSingleton(descriptor).AddCatalog();
    }

    /// <summary>Registers a cost-model entry.</summary>
    public static IServiceCollection AddCostModelEntry(this IServiceCollection services, CostModelEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return services.AddSingleton(entry).AddCatalog();
    }

    /// <summary>Registers a scenario runner; the host picks one per scenario (see <see cref="IScenarioRunner"/>).</summary>
    public static IServiceCollection AddScenarioRunner<TRunner>(this IServiceCollection services)
        where TRunner : class, IScenarioRunner
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IScenarioRunner, TRunner>());
        return services;
    }

    private static IServiceCollection AddCatalog(this IServiceCollection services)
    {
        services.TryAddSingleton<ISimulationCatalog, SimulationCatalog>();
        return services;
    }
}
