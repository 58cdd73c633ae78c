using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host;

/// <summary>
/// The stacks of issue 19 that scenarios name (docs/stacks-toaster.md, docs/stacks-network.md): the
/// toaster family (<c>toaster-bus</c> with busenum.sys, <c>toaster</c> devices it enumerates once a
/// program plugs them in, toaster.sys, the sample's four filters) and the NDIS pair (<c>akndis</c> on a
/// <c>nic</c>: the NDIS library with the akndis.sys miniport).
/// </summary>
public static class StackCatalog
{
    /// <summary>The toaster bus: a device the root enumerator reports (<c>Root\busenum\0000</c>), driven by busenum.sys.</summary>
    public const string ToasterBusType = "toaster-bus";

    /// <summary>A toaster: enumerated by its bus once a user program plugs it in (IOCTL_BUSENUM_PLUGIN_HARDWARE).</summary>
    public const string ToasterType = "toaster";

    /// <summary>The toaster bus driver (busenum.sys).</summary>
    public const string BusEnumDriver = "busenum";

    /// <summary>The toaster function driver (toaster.sys).</summary>
    public const string ToasterDriver = "toaster";

    /// <summary>The toaster sample's filter built as a device upper filter (devupper.sys).</summary>
    public const string DevUpperFilter = "devupper";

    /// <summary>The toaster sample's filter built as a device lower filter (devlower.sys).</summary>
    public const string DevLowerFilter = "devlower";

    /// <summary>The toaster sample's filter built as a class upper filter (clsupper.sys).</summary>
    public const string ClsUpperFilter = "clsupper";

    /// <summary>The toaster sample's filter built as a class lower filter (clslower.sys).</summary>
    public const string ClsLowerFilter = "clslower";

    /// <summary>The NDIS library with the akndis.sys miniport, on a <c>nic</c>.</summary>
    public const string AkNdisDriver = "akndis";

    /// <summary>Device parameter (toaster): the <c>toaster-bus</c> device that enumerates it.</summary>
    public const string BusParameter = "bus";

    /// <summary>Device parameter (toaster): its serial number on the bus (the instance ID, two digits).</summary>
    public const string SerialNoParameter = "serialNo";

    /// <summary>Registers the toaster and network device types, drivers and filters.</summary>
    public static IServiceCollection AddStackDrivers(this IServiceCollection services)
    {
        services.AddDeviceType(new DeviceTypeDescriptor(ToasterBusType,
            "the toaster sample's bus, reported by the root enumerator (Root\\busenum\\0000) with no hardware below; busenum.sys enumerates the toasters a program plugs in (irq is recorded, not wired)", 0, 23, []));
        services.AddDeviceType(new DeviceTypeDescriptor(ToasterType,
            "a toaster on a toaster-bus: at boot enum.exe plugs it in with IOCTL_BUSENUM_PLUGIN_HARDWARE, busenum.sys reports its PDO; a hot-unplug fault is enum.exe's IOCTL_BUSENUM_UNPLUG_HARDWARE (irq is recorded, not wired)", 0, 23,
            [
                new ParameterDescriptor(BusParameter, ParameterKind.String, "the toaster-bus device it is plugged into", ""),
                new ParameterDescriptor(SerialNoParameter, ParameterKind.Integer, "its serial number on the bus (instance ID: two digits)", "1", 1, 99),
            ]));
        services.AddDriver(new DriverDescriptor(BusEnumDriver, "busenum.sys: the toaster bus driver, FDO \\Device\\BusEnum0; a PDO per toaster plugged in", [ToasterBusType]));
        services.AddDriver(new DriverDescriptor(ToasterDriver, "toaster.sys: the toaster function driver, \\Device\\ToasterN; reads and writes its 4 KiB of settings at their offset", [ToasterType]));
        services.AddFilter(new FilterDescriptor(DevUpperFilter, "the toaster sample's filter as devupper.sys (put it in a toaster's upperFilters: the device key)"));
        services.AddFilter(new FilterDescriptor(DevLowerFilter, "the toaster sample's filter as devlower.sys (put it in a toaster's lowerFilters: the device key)"));
        services.AddFilter(new FilterDescriptor(ClsUpperFilter, "the toaster sample's filter as clsupper.sys (put it in classUpperFilters: the TOASTER class key)"));
        services.AddFilter(new FilterDescriptor(ClsLowerFilter, "the toaster sample's filter as clslower.sys (put it in classLowerFilters: the TOASTER class key)"));
        services.AddDriver(new DriverDescriptor(AkNdisDriver,
            "the NDIS library with the akndis.sys miniport: NDIS owns the dispatch table, AddDevice and Unload and calls the miniport's handlers; a write sends a frame, a read receives one; \\Device\\AkNdisN", [HardwareCatalog.NicType]));
        return services;
    }
}

/// <summary>The runner's rules for the toaster family, each problem with its JSON path.</summary>
internal static class StackChecks
{
    public static IEnumerable<ScenarioProblem> Check(Scenario scenario)
    {
        var serials = new HashSet<(string Bus, double Serial)>();
        for (var i = 0; i < scenario.Devices.Count; i++)
        {
            var d = scenario.Devices[i];
            if (d.Type != StackCatalog.ToasterType)
            {
                continue;
            }
            var path = F($"$.devices[{i}].parameters");
            var bus = d.Parameter(StackCatalog.BusParameter)?.Text;
            if (bus is null || scenario.FindDevice(bus) is not { Type: StackCatalog.ToasterBusType } busDevice)
            {
                yield return new ScenarioProblem(scenario.Source, path + ".bus", $"a toaster is plugged into a toaster-bus; '{bus}' is none (devices: {string.Join(", ", scenario.Devices.Select(x => x.Name))})");
                continue;
            }
            if (scenario.DriverFor(busDevice.Name!)?.Name != StackCatalog.BusEnumDriver)
            {
                yield return new ScenarioProblem(scenario.Source, path + ".bus", $"bus '{bus}' has no busenum driver: nobody would enumerate toaster '{d.Name}'");
            }
            var serial = d.Parameter(StackCatalog.SerialNoParameter)?.Number ?? 1;
            if (!serials.Add((bus, serial)))
            {
                yield return new ScenarioProblem(scenario.Source, path + ".serialNo", F($"serial number {serial} is already plugged into '{bus}'; the bus refuses a second one"));
            }
        }
        // aknic.sys and akndis.sys both install for the adapter's PCI IDs: the driver database binds one to every adapter.
        var nicDrivers = scenario.Drivers.Where(d => d.Name is HardwareCatalog.NicDriver or StackCatalog.AkNdisDriver).ToList();
        if (nicDrivers.Select(d => d.Name).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            var second = nicDrivers.First(d => d.Name != nicDrivers[0].Name);
            yield return new ScenarioProblem(scenario.Source, F($"$.drivers[{scenario.Drivers.IndexOf(second)}].name"),
                $"aknic and akndis both install for PCI\\VEN_8086&DEV_100E: one machine's adapters all get the same driver ('{nicDrivers[0].Name}' is bound first)");
        }
        for (var i = 0; i < scenario.Drivers.Count; i++)
        {
            var d = scenario.Drivers[i];
            if (d.ClassUpperFilters.Count + d.ClassLowerFilters.Count == 0)
            {
                continue;
            }
            // One class key per setup class: every device of the class gets the same class filters.
            var image = ScenarioRegistry.Find(d.Name ?? "");
            var first = scenario.Drivers.First(x => ScenarioRegistry.Find(x.Name ?? "")?.Class == image?.Class && x.ClassUpperFilters.Count + x.ClassLowerFilters.Count > 0);
            if (!first.ClassUpperFilters.SequenceEqual(d.ClassUpperFilters) || !first.ClassLowerFilters.SequenceEqual(d.ClassLowerFilters))
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.drivers[{i}]"),
                    $"class filters belong to the setup class ({image?.Class}), one key for all its devices: '{d.Device}' names others than '{first.Device}'");
            }
        }
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
