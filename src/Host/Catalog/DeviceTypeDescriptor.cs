namespace ActorKernel.Host;

/// <summary>
/// A device model the simulated machine can hold: what <c>devices[i].type</c> may name. Register one
/// with <see cref="CatalogServiceCollectionExtensions.AddDeviceType"/>.
/// </summary>
/// <param name="Name">The type name used in scenario files (<c>timer</c>, <c>disk</c>).</param>
/// <param name="Description">One line for <c>list devices</c>.</param>
/// <param name="MinIrq">The lowest interrupt line it may be wired to.</param>
/// <param name="MaxIrq">The highest interrupt line it may be wired to.</param>
/// <param name="Parameters">The parameters it accepts.</param>
public sealed record DeviceTypeDescriptor(
    string Name,
    string Description,
    int MinIrq,
    int MaxIrq,
    IReadOnlyList<ParameterDescriptor> Parameters)
{
    /// <summary>The parameter called <paramref name="name"/>, or null.</summary>
    public ParameterDescriptor? FindParameter(string name) =>
        Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));
}
