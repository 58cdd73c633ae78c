using ActorKernel.Actors;

namespace ActorKernel.Host;

/// <summary>
/// A device model the simulated machine can hold: what <c>devices[i].type</c> may name. Register one
/// with <see cref="CatalogServiceCollectionExtensions.AddDeviceType"/>. A hardware model is this one
/// entry: its parameters (checked by validation, shown by <c>list devices</c>) and
/// <see cref="Hardware"/>, which turns a scenario device into the machine's device configuration.
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
    /// <summary>
    /// Builds the device model from a validated scenario device (its name, line and parameters); null
    /// for a device without hardware (a root-enumerated PDO whose <c>irq</c> is only recorded).
    /// </summary>
    public Func<DeviceSpec, DeviceConfig>? Hardware { get; init; }

    /// <summary>Whether the model drives an interrupt line (its <c>irq</c> is wired to the interrupt controller).</summary>
    public bool WiresInterrupt => Hardware is not null;

    /// <summary>The parameter called <paramref name="name"/>, or null.</summary>
    public ParameterDescriptor? FindParameter(string name) =>
        Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));
}
