using System.Globalization;
using System.Text;
using ActorKernel.Actors;
using ActorKernel.Hardware;

namespace ActorKernel.Host;

/// <summary>A sample driver as the registry knows it: its service key, its image, and its setup class when it drives devices.</summary>
/// <param name="Service">The service name (<c>\Driver\Service</c>).</param>
/// <param name="Image">The image (a service's ImagePath).</param>
/// <param name="Class">The setup class of the devices it is the function driver of.</param>
/// <param name="Legacy">A legacy driver (no AddDevice): a SERVICE_SYSTEM_START service with a Root\LEGACY_ device node.</param>
internal sealed record ScenarioDriverImage(string Service, string Image, string Class, bool Legacy = false);

/// <summary>Where one scenario driver's stack stands in the tree: the device node the PnP manager builds it on.</summary>
/// <param name="Spec">The scenario driver (function driver and filters).</param>
/// <param name="Device">The scenario device.</param>
/// <param name="InstancePath">The device node's instance path (<c>Root\INTECHO\0000</c>, <c>PCI\VEN_1234&amp;DEV_B10C&amp;SUBSYS_00000000&amp;REV_00\10</c>).</param>
internal sealed record ScenarioDeviceKey(DriverSpec Spec, DeviceSpec Device, string InstancePath);

/// <summary>
/// A scenario as the registry the PnP manager reads (docs/pnp-power.md, "A scenario as registry"):
/// a service key per sample driver used; a driver database entry per function driver (by the
/// device's hardware ID: the card's PCI IDs, <c>*PNP0501</c> for a 16550, the service name for a
/// device the root enumerator reports); a device key per scenario device with filters (the scenario
/// lists filters top first, REG_MULTI_SZ lists them in attach order, bottom first); the devices no bus
/// finds under <c>[Root]</c>, and the PCI host bridge when a card sits on PCI. Setup writes this; the
/// PnP manager does the rest.
/// </summary>
internal static class ScenarioRegistry
{
    /// <summary>The hardware ID of the PCI host bridge.</summary>
    public const string PciHostBridgeId = "*PNP0A03";

    /// <summary>The hardware ID of a 16550-compatible port.</summary>
    public const string SerialPortId = "*PNP0501";

    /// <summary>The hardware ID (the root-device key) of a device run raw (<c>root-bus</c>: no function driver).</summary>
    public const string RawDeviceId = "RAWPDO";

    /// <summary>disk.sys, the class driver of every SCSI disk a storage port reports (hardware ID GenDisk, class DiskDrive).</summary>
    public static readonly ScenarioDriverImage DiskClassImage = new(Drivers.Storage.Class.DiskClass.ServiceName, Drivers.Storage.Class.DiskClass.ImageName, "DiskDrive");

    /// <summary>akfs.sys, the file system of a striped volume with fileSystem akfs: a system-start service with no device of its own in the tree (Root\LEGACY_AKFS).</summary>
    public static readonly ScenarioDriverImage AkfsImage = new(Drivers.FileSystem.Akfs.ServiceName, Drivers.FileSystem.Akfs.ImageName, "FileSystem", Legacy: true);

    /// <summary>The sample driver a scenario name stands for, or null.</summary>
    public static ScenarioDriverImage? Find(string name) => name switch
    {
        FileSystemCatalog.StripeDriver => new(Drivers.Volume.StripeVolume.ServiceName, Drivers.Volume.StripeVolume.ImageName, "Volume"),
        DriverCatalog.InterruptEchoDriver => new(Drivers.Interrupts.InterruptEcho.ServiceName, Drivers.Interrupts.InterruptEcho.ImageName, "System"),
        DriverCatalog.RamDiskDriver => new(Drivers.RamDisk.RamDisk.ServiceName, Drivers.RamDisk.RamDisk.ImageName, "DiskDrive"),
        DriverCatalog.SioctlDriver => new(Drivers.Ioctl.Sioctl.ServiceName, Drivers.Ioctl.Sioctl.ImageName, "LegacyDriver", Legacy: true),
        DriverCatalog.ProsewareRobotDriver => new(Drivers.Robot.ProsewareRobot.ServiceName, Drivers.Robot.ProsewareRobot.ImageName, "Robot"),
        DriverCatalog.CountingFilterName => new(Drivers.Filter.CountingFilter.ServiceName, Drivers.Filter.CountingFilter.ImageName, "System"),
        DriverCatalog.LeakyFilterName => new(Drivers.Filter.LeakyFilter.ServiceName, Drivers.Filter.LeakyFilter.ImageName, "System"),
        DriverCatalog.AfterThoughtFilter => new(Drivers.Robot.AfterThought.ServiceName, Drivers.Robot.AfterThought.ImageName, "Robot"),
        DriverCatalog.PlantedBugFilterName => new(Drivers.Planted.PlantedBug.ServiceName, Drivers.Planted.PlantedBug.ImageName, "System"),
        HardwareCatalog.BlockStorageDriver => new(Drivers.Storage.BlkMiniport.ServiceName, Drivers.Storage.BlkMiniport.ImageName, "SCSIAdapter"),
        HardwareCatalog.SerialDriver => new(Drivers.Serial.Serial.ServiceName, Drivers.Serial.Serial.ImageName, "Ports"),
        HardwareCatalog.NicDriver => new(Drivers.Network.Nic.ServiceName, Drivers.Network.Nic.ImageName, "Net"),
        StackCatalog.BusEnumDriver => new(Drivers.Toaster.BusEnum.ServiceName, Drivers.Toaster.BusEnum.ImageName, "System"),
        StackCatalog.ToasterDriver => new(Drivers.Toaster.Toaster.ServiceName, Drivers.Toaster.Toaster.ImageName, Drivers.Toaster.ToasterCodes.SetupClass),
        StackCatalog.DevUpperFilter => new(Drivers.Toaster.ToasterFilter.DevUpperService, Drivers.Toaster.ToasterFilter.DevUpperImage, Drivers.Toaster.ToasterCodes.SetupClass),
        StackCatalog.DevLowerFilter => new(Drivers.Toaster.ToasterFilter.DevLowerService, Drivers.Toaster.ToasterFilter.DevLowerImage, Drivers.Toaster.ToasterCodes.SetupClass),
        StackCatalog.ClsUpperFilter => new(Drivers.Toaster.ToasterFilter.ClsUpperService, Drivers.Toaster.ToasterFilter.ClsUpperImage, Drivers.Toaster.ToasterCodes.SetupClass),
        StackCatalog.ClsLowerFilter => new(Drivers.Toaster.ToasterFilter.ClsLowerService, Drivers.Toaster.ToasterFilter.ClsLowerImage, Drivers.Toaster.ToasterCodes.SetupClass),
        StackCatalog.AkNdisDriver => new(Drivers.Ndis.AkNdis.ServiceName, Drivers.Ndis.AkNdis.ImageName, "Net"),
        UsbCatalog.UsbHostControllerDriver => new(Drivers.Usb.AkEhci.ServiceName, Drivers.Usb.AkEhci.ImageName, "USB"),
        UsbStorageCatalog.UsbStorageDriver => UsbStorageCatalog.UsbStorImage,
        _ => null,
    };

    /// <summary>
    /// The registry text of <paramref name="scenario"/> (one machine's drivers and devices) over the
    /// hardware firmware placed, and per scenario driver the instance path of its device node.
    /// </summary>
    /// <param name="scenario">The scenario (or one machine of it).</param>
    /// <param name="hardware">The placed hardware, by scenario device name.</param>
    /// <returns>The text, in the format <see cref="PnpRegistry.Parse"/> reads, and the device keys in scenario order.</returns>
    public static (string Text, IReadOnlyList<ScenarioDeviceKey> Devices) Build(Scenario scenario, IReadOnlyDictionary<string, PlacedHardware> hardware)
    {
        var services = new List<(string Service, string Image, int Start)>();
        var drivers = new List<(string Id, string Service, string Class)>();
        var deviceKeys = new List<(string Key, IReadOnlyList<string> Upper, IReadOnlyList<string> Lower)>();
        var classKeys = new List<(string Key, IReadOnlyList<string> Upper, IReadOnlyList<string> Lower)>();
        var root = new List<string>();
        var keys = new List<ScenarioDeviceKey>();
        var instances = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

        void Service(ScenarioDriverImage image)
        {
            if (!services.Exists(s => string.Equals(s.Service, image.Service, StringComparison.OrdinalIgnoreCase)))
            {
                services.Add((image.Service, image.Image, image.Legacy ? PnpServiceKey.SystemStart : PnpServiceKey.DemandStart));
            }
        }

        void Driver(string id, ScenarioDriverImage image)
        {
            if (!drivers.Exists(d => string.Equals(d.Id, id, StringComparison.OrdinalIgnoreCase)))
            {
                drivers.Add((id, image.Service, image.Class));
            }
        }

        string NextRoot(string deviceId, string? placed, bool raw)
        {
            var n = instances.GetValueOrDefault(deviceId);
            instances[deviceId] = n + 1;
            var instance = n.ToString("D4", CultureInfo.InvariantCulture);
            root.Add(deviceId + "\\" + instance + " = " + string.Join(", ", new[] { placed, raw ? PnpRootDevice.RawDeviceOkValue : null }.OfType<string>()));
            return "Root\\" + deviceId + "\\" + instance;
        }

        if (scenario.Drivers.Any(d => hardware.TryGetValue(d.Device ?? "", out var h) && h.Placed.Pci is not null))
        {
            var pci = new ScenarioDriverImage(Drivers.Bus.Pci.ServiceName, Drivers.Bus.Pci.ImageName, "System");
            Service(pci);
            Driver(PciHostBridgeId, pci);
            NextRoot(PciHostBridgeId, null, false);
        }
        if (scenario.Devices.Any(FileSystemCatalog.HasAkfs))
        {
            Service(AkfsImage); // a file system loads at boot and registers itself (IoRegisterFileSystem); no device node names it
        }
        foreach (var spec in scenario.Drivers)
        {
            var device = scenario.FindDevice(spec.Device!)!;
            var function = Find(spec.Name!);
            string path;
            if (function is { Legacy: true })
            {
                Service(function);
                path = PnpManager.LegacyInstancePath(function.Service);
            }
            else if (hardware.TryGetValue(device.Name!, out var placed) && placed.Placed.Pci is { } card)
            {
                var id = PciDeviceId(card.Definition);
                if (function is not null)
                {
                    Service(function);
                    Driver(id.Split('&')[0] + "&" + id.Split('&')[1], function); // PCI\VEN_v&DEV_d: every revision and subsystem
                }
                if (spec.Name == HardwareCatalog.BlockStorageDriver)
                {
                    // The port reports its logical unit (SCSI\Disk..., GenDisk): disk.sys is its function driver, as disk.inf installs it.
                    Service(DiskClassImage);
                    Driver(Drivers.Storage.StoragePort.GenericDiskId, DiskClassImage);
                }
                if (spec.Name == UsbCatalog.UsbHostControllerDriver)
                {
                    // The port reports its root hub: usbhub.sys (usb.inf); the hub a bulk-only disk: usbstor.sys (usbstor.inf); its LUN: disk.sys.
                    Service(UsbStorageCatalog.UsbHubImage);
                    Driver(Drivers.Usb.Hub.UsbHub.RootHub20Id, UsbStorageCatalog.UsbHubImage);
                    Service(UsbStorageCatalog.UsbStorImage);
                    Driver(Drivers.Usb.Storage.UsbStor.CompatibleId, UsbStorageCatalog.UsbStorImage);
                    Service(DiskClassImage);
                    Driver(Drivers.Storage.StoragePort.GenericDiskId, DiskClassImage);
                }
                path = id + "\\" + ((card.Device << 3) | 0).ToString("X2", CultureInfo.InvariantCulture);
            }
            else if (device.Type == StackCatalog.ToasterType && function is not null)
            {
                // busenum.sys reports a toaster once a program plugs it in: the sample's hardware ID, the serial number as instance ID.
                Service(function);
                Driver(Drivers.Toaster.ToasterCodes.BusHardwareId, function);
                var serial = (int)(device.Parameter(StackCatalog.SerialNoParameter)?.Number ?? 1);
                path = Drivers.Toaster.ToasterCodes.BusHardwareId + "\\" + serial.ToString("D2", CultureInfo.InvariantCulture);
            }
            else if (device.Type == UsbCatalog.UsbMassStorageType)
            {
                // No bus driver of the runner's reports it: its hub does, after the port's reset (installed with the controller).
                path = UsbStorageCatalog.InstancePath(scenario, device);
            }
            else if (function is null)
            {
                path = NextRoot(RawDeviceId, hardware.ContainsKey(device.Name!) ? device.Name : null, raw: true);
            }
            else
            {
                var id = hardware.ContainsKey(device.Name!) && spec.Name == HardwareCatalog.SerialDriver ? SerialPortId
                    : spec.Name == StackCatalog.BusEnumDriver ? Drivers.Toaster.ToasterCodes.BusEnumRootId // the sample's INF: root\busenum
                    : function.Service.ToUpperInvariant();
                Service(function);
                Driver(id, function);
                path = NextRoot(id, hardware.ContainsKey(device.Name!) ? device.Name : null, raw: false);
            }
            var upper = Filters(spec.UpperFilters, Service);
            var lower = Filters(spec.LowerFilters, Service);
            if (upper.Count > 0 || lower.Count > 0)
            {
                deviceKeys.Add((path, upper, lower));
            }
            if ((spec.ClassUpperFilters.Count > 0 || spec.ClassLowerFilters.Count > 0) && function is not null
                && !classKeys.Exists(c => string.Equals(c.Key, function.Class, StringComparison.OrdinalIgnoreCase)))
            {
                // Control\Class\{guid}: one key per setup class, on every device of the class (validation keeps them equal).
                classKeys.Add((function.Class, Filters(spec.ClassUpperFilters, Service), Filters(spec.ClassLowerFilters, Service)));
            }
            keys.Add(new ScenarioDeviceKey(spec, device, path));
        }

        var text = new StringBuilder();
        text.Append("; the registry of scenario ").Append(scenario.Name).Append(" (ActorKernel.Host ScenarioRegistry)\n");
        text.Append("[Services]\n");
        foreach (var (service, image, start) in services)
        {
            text.Append(service).Append(" = ").Append(image).Append(start == PnpServiceKey.DemandStart ? "" : string.Create(CultureInfo.InvariantCulture, $", {start}")).Append('\n');
        }
        text.Append("\n[Drivers]\n");
        foreach (var (id, service, className) in drivers)
        {
            text.Append(id).Append(" = ").Append(service).Append(", ").Append(className).Append('\n');
        }
        foreach (var (key, upper, lower) in deviceKeys)
        {
            text.Append("\n[Device ").Append(key).Append("]\n");
            if (upper.Count > 0)
            {
                text.Append("UpperFilters = ").Append(string.Join(", ", upper)).Append('\n');
            }
            if (lower.Count > 0)
            {
                text.Append("LowerFilters = ").Append(string.Join(", ", lower)).Append('\n');
            }
        }
        foreach (var (key, upper, lower) in classKeys)
        {
            text.Append("\n[Class ").Append(key).Append("]\n");
            if (upper.Count > 0)
            {
                text.Append("UpperFilters = ").Append(string.Join(", ", upper)).Append('\n');
            }
            if (lower.Count > 0)
            {
                text.Append("LowerFilters = ").Append(string.Join(", ", lower)).Append('\n');
            }
        }
        text.Append("\n[Root]\n");
        foreach (var line in root)
        {
            text.Append(line.TrimEnd()).Append('\n');
        }
        return (text.ToString(), keys);
    }

    /// <summary>The registry's filter list: the scenario names the top first; REG_MULTI_SZ attaches the first first (lowest).</summary>
    private static List<string> Filters(IEnumerable<string> scenarioOrder, Action<ScenarioDriverImage> service)
    {
        var services = new List<string>();
        foreach (var name in scenarioOrder.Reverse())
        {
            var image = Find(name) ?? throw new InvalidOperationException($"no image for filter '{name}'"); // validation refused unknown filters
            service(image);
            services.Add(image.Service);
        }
        return services;
    }

    /// <summary>pci.sys's device ID for a card: <c>PCI\VEN_v&amp;DEV_d&amp;SUBSYS_ss&amp;REV_r</c> ("Identifiers for PCI Devices").</summary>
    private static string PciDeviceId(PciDeviceDefinition d) =>
        string.Create(CultureInfo.InvariantCulture, $"PCI\\VEN_{d.VendorId:X4}&DEV_{d.DeviceId:X4}&SUBSYS_{d.SubsystemId:X4}{d.SubsystemVendorId:X4}&REV_{d.RevisionId:X2}");
}
