namespace ActorKernel.Actors;

/// <summary>
/// A service key (<c>HKLM\System\CurrentControlSet\Services\&lt;Name&gt;</c>): the driver image the
/// service loads and when.
/// </summary>
/// <param name="Name">The service name (the driver object is <c>\Driver\&lt;Name&gt;</c>).</param>
/// <param name="ImagePath">ImagePath: the image file (<c>serial.sys</c>).</param>
/// <param name="Start">Start: SERVICE_DEMAND_START (3) by default; SERVICE_DISABLED (4) keeps it from loading.</param>
public sealed record PnpServiceKey(string Name, string ImagePath, int Start = PnpServiceKey.DemandStart)
{
    /// <summary>SERVICE_DEMAND_START (3).</summary>
    public const int DemandStart = 3;

    /// <summary>SERVICE_DISABLED (4).</summary>
    public const int Disabled = 4;

    /// <summary>SERVICE_SYSTEM_START (1): loaded at boot by IopInitializeSystemDrivers, whether or not a device names it.</summary>
    public const int SystemStart = 1;

    /// <summary>SERVICE_AUTO_START (2): started at boot by the service control manager.</summary>
    public const int AutoStart = 2;
}

/// <summary>
/// One entry of the driver database (an INF's models section, as setup writes it into the device's
/// key): a hardware or compatible ID, the service that drives it and its setup class.
/// </summary>
/// <param name="Id">The hardware or compatible ID it matches (case-insensitive).</param>
/// <param name="Service">The function driver's service.</param>
/// <param name="Class">The setup class (<c>Ports</c>, <c>SCSIAdapter</c>, <c>Net</c>, <c>System</c>).</param>
public sealed record PnpDriverEntry(string Id, string Service, string Class);

/// <summary>UpperFilters and LowerFilters of a device key or a class key (REG_MULTI_SZ: the first is loaded, and attached, first).</summary>
/// <param name="UpperFilters">Services attached above the function driver, bottom first.</param>
/// <param name="LowerFilters">Services attached between the PDO and the function driver, bottom first.</param>
public sealed record PnpFilterKey(IReadOnlyList<string> UpperFilters, IReadOnlyList<string> LowerFilters)
{
    /// <summary>No filters.</summary>
    public static PnpFilterKey Empty { get; } = new([], []);
}

/// <summary>
/// A root-enumerated device (<c>HKLM\System\CurrentControlSet\Enum\Root\&lt;DeviceId&gt;\&lt;InstanceId&gt;</c>):
/// a device no bus can find, that the root enumerator reports from the registry (a legacy ISA
/// device, the PCI host bridge).
/// </summary>
/// <param name="DeviceId">The ID after <c>Root\</c>, which is also its hardware ID (<c>*PNP0501</c>).</param>
/// <param name="InstanceId">The instance (<c>0000</c>).</param>
/// <param name="Hardware">The name of the placed hardware it stands for, or null (a device with no resources, like the PCI host bridge).</param>
/// <param name="RawDeviceOk">The root enumerator reports DEVICE_CAPABILITIES.RawDeviceOK: with no driver database entry the device runs raw (its PDO alone).</param>
public sealed record PnpRootDevice(string DeviceId, string InstanceId, string? Hardware, bool RawDeviceOk = false)
{
    /// <summary>The [Root] value word that sets <see cref="RawDeviceOk"/>.</summary>
    public const string RawDeviceOkValue = "RawDeviceOK";
}

/// <summary>
/// The part of the registry the PnP manager reads, loaded from a scenario in the spirit of INF files:
/// service keys, the driver database (ID to service and class), class keys and device keys with
/// their UpperFilters and LowerFilters, and the root-enumerated devices (docs/pnp-power.md has the format).
/// </summary>
public sealed class PnpRegistry
{
    private readonly Dictionary<string, PnpServiceKey> _services = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, PnpDriverEntry> _drivers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, PnpFilterKey> _classes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, PnpFilterKey> _devices = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<PnpRootDevice> _root = [];
    private readonly List<string> _serviceOrder = [];

    /// <summary>The root-enumerated devices, in registry order (the order the root enumerator reports them).</summary>
    public IReadOnlyList<PnpRootDevice> RootDevices => _root;

    /// <summary>The service keys, in the order they were first added (the order boot loads the system-start ones).</summary>
    public IReadOnlyList<PnpServiceKey> Services => [.. _serviceOrder.Select(n => _services[n])];

    /// <summary>Adds or replaces a service key.</summary>
    /// <param name="service">The key.</param>
    /// <returns>This registry.</returns>
    public PnpRegistry AddService(PnpServiceKey service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (!_services.ContainsKey(service.Name))
        {
            _serviceOrder.Add(service.Name);
        }
        _services[service.Name] = service;
        return this;
    }

    /// <summary>Adds a driver database entry.</summary>
    /// <param name="entry">The entry.</param>
    /// <returns>This registry.</returns>
    public PnpRegistry AddDriver(PnpDriverEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _drivers[entry.Id] = entry;
        return this;
    }

    /// <summary>Sets a setup class key's filters.</summary>
    /// <param name="className">The class.</param>
    /// <param name="filters">Its UpperFilters and LowerFilters.</param>
    /// <returns>This registry.</returns>
    public PnpRegistry SetClassFilters(string className, PnpFilterKey filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        _classes[className] = filters;
        return this;
    }

    /// <summary>Sets a device key's filters: the key is an instance path or one of the device's hardware IDs.</summary>
    /// <param name="device">The instance path or hardware ID.</param>
    /// <param name="filters">Its UpperFilters and LowerFilters.</param>
    /// <returns>This registry.</returns>
    public PnpRegistry SetDeviceFilters(string device, PnpFilterKey filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        _devices[device] = filters;
        return this;
    }

    /// <summary>Adds a root-enumerated device.</summary>
    /// <param name="device">The device.</param>
    /// <returns>This registry.</returns>
    public PnpRegistry AddRootDevice(PnpRootDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _root.Add(device);
        return this;
    }

    /// <summary>The service key called <paramref name="name"/>, or null.</summary>
    /// <param name="name">The service name.</param>
    /// <returns>The key.</returns>
    public PnpServiceKey? FindService(string name) => _services.GetValueOrDefault(name);

    /// <summary>
    /// The driver database entry for a device: the first of its hardware IDs that has one, else the
    /// first of its compatible IDs (both lists run from most to least specific), or null.
    /// </summary>
    /// <param name="hardwareIds">The device's hardware IDs.</param>
    /// <param name="compatibleIds">Its compatible IDs.</param>
    /// <returns>The entry.</returns>
    public PnpDriverEntry? FindDriver(IEnumerable<string> hardwareIds, IEnumerable<string> compatibleIds)
    {
        foreach (var id in hardwareIds.Concat(compatibleIds))
        {
            if (_drivers.TryGetValue(id, out var entry))
            {
                return entry;
            }
        }
        return null;
    }

    /// <summary>The class key's filters (none when the class has no key).</summary>
    /// <param name="className">The class.</param>
    /// <returns>The filters.</returns>
    public PnpFilterKey ClassFilters(string? className) =>
        className is not null && _classes.TryGetValue(className, out var key) ? key : PnpFilterKey.Empty;

    /// <summary>The device key's filters: the key named by the instance path, else by the first hardware ID that has one.</summary>
    /// <param name="instancePath">The device's instance path.</param>
    /// <param name="hardwareIds">Its hardware IDs.</param>
    /// <returns>The filters.</returns>
    public PnpFilterKey DeviceFilters(string instancePath, IEnumerable<string> hardwareIds)
    {
        if (_devices.TryGetValue(instancePath, out var key))
        {
            return key;
        }
        foreach (var id in hardwareIds)
        {
            if (_devices.TryGetValue(id, out key))
            {
                return key;
            }
        }
        return PnpFilterKey.Empty;
    }

    /// <summary>
    /// Parses the registry text of a scenario: INF-like sections <c>[Services]</c> (<c>name = image[, start]</c>),
    /// <c>[Drivers]</c> (<c>ID = service, class</c>), <c>[Class NAME]</c> and <c>[Device ID-or-instance-path]</c>
    /// (<c>UpperFilters = a, b</c>, <c>LowerFilters = c</c>) and <c>[Root]</c> (<c>DeviceId\InstanceId = hardware</c>);
    /// <c>;</c> starts a comment.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns>The registry.</returns>
    /// <exception cref="FormatException">A line that is not a section, a comment or <c>name = value</c> in a known section; the message names the line.</exception>
    public static PnpRegistry Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var registry = new PnpRegistry();
        string? section = null;
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            var comment = line.IndexOf(';', StringComparison.Ordinal);
            line = (comment >= 0 ? line[..comment] : line).Trim();
            if (line.Length == 0)
            {
                continue;
            }
            if (line[0] == '[')
            {
                if (line[^1] != ']')
                {
                    throw Error(n, "a section header ends with ']'");
                }
                section = line[1..^1].Trim();
                if (!IsKnownSection(section))
                {
                    throw Error(n, $"unknown section [{section}] (expected [Services], [Drivers], [Root], [Class NAME] or [Device ID])");
                }
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (section is null || equals <= 0)
            {
                throw Error(n, section is null ? "a value before any section" : "expected 'name = value'");
            }
            var name = line[..equals].Trim();
            var values = line[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            registry.ParseValue(section, name, values, n);
        }
        return registry;
    }

    private void ParseValue(string section, string name, string[] values, int n)
    {
        if (section.Equals("Services", StringComparison.OrdinalIgnoreCase))
        {
            if (values.Length is < 1 or > 2)
            {
                throw Error(n, $"service {name}: expected 'name = image[, start]'");
            }
            var start = PnpServiceKey.DemandStart;
            if (values.Length == 2 && !int.TryParse(values[1], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out start))
            {
                throw Error(n, $"service {name}: Start '{values[1]}' is not a number");
            }
            AddService(new PnpServiceKey(name, values[0], start));
        }
        else if (section.Equals("Drivers", StringComparison.OrdinalIgnoreCase))
        {
            if (values.Length != 2)
            {
                throw Error(n, $"driver entry {name}: expected 'ID = service, class'");
            }
            AddDriver(new PnpDriverEntry(name, values[0], values[1]));
        }
        else if (section.Equals("Root", StringComparison.OrdinalIgnoreCase))
        {
            var slash = name.LastIndexOf('\\');
            var raw = values.Length > 0 && values[^1].Equals(PnpRootDevice.RawDeviceOkValue, StringComparison.OrdinalIgnoreCase);
            var hardware = raw ? values[..^1] : values;
            if (slash <= 0 || slash == name.Length - 1 || hardware.Length > 1)
            {
                throw Error(n, $"root device {name}: expected 'DeviceId\\InstanceId = [hardware][, RawDeviceOK]'");
            }
            AddRootDevice(new PnpRootDevice(name[..slash], name[(slash + 1)..], hardware.Length == 1 ? hardware[0] : null, raw));
        }
        else
        {
            var isClass = section.StartsWith("Class ", StringComparison.OrdinalIgnoreCase);
            var key = section[(isClass ? "Class ".Length : "Device ".Length)..].Trim();
            var current = isClass ? ClassFilters(key) : (_devices.GetValueOrDefault(key) ?? PnpFilterKey.Empty);
            PnpFilterKey updated;
            if (name.Equals("UpperFilters", StringComparison.OrdinalIgnoreCase))
            {
                updated = current with { UpperFilters = values };
            }
            else if (name.Equals("LowerFilters", StringComparison.OrdinalIgnoreCase))
            {
                updated = current with { LowerFilters = values };
            }
            else
            {
                throw Error(n, $"unknown value {name} (a class or device key holds UpperFilters and LowerFilters)");
            }
            if (isClass)
            {
                SetClassFilters(key, updated);
            }
            else
            {
                SetDeviceFilters(key, updated);
            }
        }
    }

    private static bool IsKnownSection(string section) =>
        section.Equals("Services", StringComparison.OrdinalIgnoreCase) || section.Equals("Drivers", StringComparison.OrdinalIgnoreCase)
        || section.Equals("Root", StringComparison.OrdinalIgnoreCase)
        || (section.StartsWith("Class ", StringComparison.OrdinalIgnoreCase) && section.Length > "Class ".Length)
        || (section.StartsWith("Device ", StringComparison.OrdinalIgnoreCase) && section.Length > "Device ".Length);

    private static FormatException Error(int line, string message) =>
        new(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"registry line {line + 1}: {message}"));
}
