namespace ActorKernel.Host;

/// <summary>The kind of value a device parameter takes in a scenario file.</summary>
public enum ParameterKind
{
    /// <summary>A duration string (<c>100us</c>, <c>2ms</c>).</summary>
    Duration,

    /// <summary>A whole number.</summary>
    Integer,

    /// <summary>Any number.</summary>
    Number,

    /// <summary>A string.</summary>
    String,

    /// <summary>true or false.</summary>
    Boolean,
}

/// <summary>One parameter a device type accepts under <c>devices[i].parameters</c>.</summary>
/// <param name="Name">Its JSON name.</param>
/// <param name="Kind">Its value kind.</param>
/// <param name="Description">What it does, for <c>list devices</c> and the docs.</param>
/// <param name="Default">Its default as written in a scenario, or null when required.</param>
/// <param name="Minimum">The smallest allowed value (nanoseconds for durations), or null.</param>
/// <param name="Maximum">The largest allowed value (nanoseconds for durations), or null.</param>
public sealed record ParameterDescriptor(
    string Name,
    ParameterKind Kind,
    string Description,
    string? Default = null,
    double? Minimum = null,
    double? Maximum = null)
{
    /// <summary>Whether a scenario must give it.</summary>
    public bool Required => Default is null;
}
