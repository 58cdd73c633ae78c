using System.Globalization;

namespace ActorKernel.Host;

/// <summary>
/// The runner's rules for bus-placed hardware, each problem with its JSON path: cables between
/// devices of one type, device faults on a device that has them, and transfers the driver takes.
/// </summary>
internal static class HardwareChecks
{
    /// <summary>A USB disk sits on a root port of a usb-host-controller, one device per port, whole sectors.</summary>
    private static IEnumerable<ScenarioProblem> UsbDeviceChecks(Scenario scenario, DeviceSpec d, int i)
    {
        var name = d.Parameter(UsbCatalog.ControllerParameter)?.Text;
        var port = (int)(d.Parameter(UsbCatalog.PortParameter)?.Number ?? 1);
        var controller = name is null ? null : scenario.FindDevice(name);
        if (name is not null && controller?.Type != UsbCatalog.UsbHostControllerType)
        {
            yield return new ScenarioProblem(scenario.Source, F($"$.devices[{i}].parameters.controller"), $"'{name}' is not a {UsbCatalog.UsbHostControllerType} (a USB disk plugs into a controller's root port)");
        }
        else if (controller is not null && port > (int)(controller.Parameter(UsbCatalog.PortsParameter)?.Number ?? 2))
        {
            yield return new ScenarioProblem(scenario.Source, F($"$.devices[{i}].parameters.port"), F($"'{name}' has {controller.Parameter(UsbCatalog.PortsParameter)?.Number ?? 2} root ports, not {port}"));
        }
        else if (scenario.Devices.Take(i).FirstOrDefault(o => o.Type == UsbCatalog.UsbMassStorageType && o.Parameter(UsbCatalog.ControllerParameter)?.Text == name
            && (int)(o.Parameter(UsbCatalog.PortParameter)?.Number ?? 1) == port) is { } other)
        {
            yield return new ScenarioProblem(scenario.Source, F($"$.devices[{i}].parameters.port"), F($"port {port} of '{name}' already has '{other.Name}'"));
        }
        if (d.Parameter("size")?.Number is { } size && size % HardwareCatalog.SectorSize != 0)
        {
            yield return new ScenarioProblem(scenario.Source, F($"$.devices[{i}].parameters.size"), F($"size must be whole sectors (a multiple of {HardwareCatalog.SectorSize}), got {size}"));
        }
    }

    public static IEnumerable<ScenarioProblem> Check(Scenario scenario)
    {
        for (var i = 0; i < scenario.Devices.Count; i++)
        {
            var d = scenario.Devices[i];
            if (d.Type is HardwareCatalog.NicType or HardwareCatalog.UartType && d.Parameter(HardwareCatalog.LinkParameter)?.Text is { Length: > 0 } link
                && !link.Contains('/', StringComparison.Ordinal)) // machine/device: a cable to another machine, checked with the machines section
            {
                var path = F($"$.devices[{i}].parameters.link");
                var peer = scenario.FindDevice(link);
                if (link == d.Name)
                {
                    yield return new ScenarioProblem(scenario.Source, path, $"device '{d.Name}' cannot be linked to itself");
                }
                else if (peer is null)
                {
                    yield return new ScenarioProblem(scenario.Source, path, $"no device named '{link}' to link to (devices: {string.Join(", ", scenario.Devices.Select(x => x.Name))})");
                }
                else if (peer.Type != d.Type)
                {
                    yield return new ScenarioProblem(scenario.Source, path, $"a {d.Type} links to another {d.Type}; '{link}' is a '{peer.Type}'");
                }
                else if (peer.Parameter(HardwareCatalog.LinkParameter)?.Text is { Length: > 0 } back && back != d.Name)
                {
                    yield return new ScenarioProblem(scenario.Source, path, $"'{link}' is already linked to '{back}'; a cable has two ends");
                }
            }
            if (d.Type == UsbCatalog.UsbMassStorageType)
            {
                foreach (var problem in UsbDeviceChecks(scenario, d, i))
                {
                    yield return problem;
                }
            }
            if (d.Type == HardwareCatalog.BlockDiskType && d.Parameter("size")?.Number is { } size && size % HardwareCatalog.SectorSize != 0)
            {
                yield return new ScenarioProblem(scenario.Source, F($"$.devices[{i}].parameters.size"), F($"size must be whole sectors (a multiple of {HardwareCatalog.SectorSize}), got {size}"));
            }
        }
        for (var i = 0; i < scenario.Faults.Count; i++)
        {
            var f = scenario.Faults[i];
            if (f.Device is null || scenario.FindDevice(f.Device) is not { } device)
            {
                continue;
            }
            var path = F($"$.faults[{i}].device");
            switch (f.Type)
            {
                case "stuck-line" when device.Type is not (HardwareCatalog.BlockDiskType or HardwareCatalog.NicType):
                    yield return new ScenarioProblem(scenario.Source, path,
                        $"device '{device.Name}' is a '{device.Type}': a line stuck asserted needs a level-triggered line (a PCI device: block-disk, nic)");
                    break;
                case "dma-error" or "stop-answering" or "surprise-unplug" when device.Type != HardwareCatalog.BlockDiskType:
                    yield return new ScenarioProblem(scenario.Source, path, $"'{f.Type}' is a block controller's fault; device '{device.Name}' is a '{device.Type}'");
                    break;
            }
        }
        for (var i = 0; i < scenario.Workloads.Count; i++)
        {
            var w = scenario.Workloads[i];
            var type = scenario.FindDevice(w.Device ?? "")?.Type;
            var path = F($"$.workloads[{i}].size");
            if (type == HardwareCatalog.BlockDiskType)
            {
                if (w.MinSize is { } min && (min % HardwareCatalog.SectorSize != 0 || min < HardwareCatalog.SectorSize)
                    || w.MaxSize is { } max && (max % HardwareCatalog.SectorSize != 0 || max > HardwareCatalog.MaxDiskTransfer))
                {
                    yield return new ScenarioProblem(scenario.Source, path,
                        F($"a block-disk moves whole sectors: sizes must be multiples of {HardwareCatalog.SectorSize} in {HardwareCatalog.SectorSize}..{HardwareCatalog.MaxDiskTransfer} (the port does not split transfers), got {w.MinSize}..{w.MaxSize}"));
                }
                if (w.Ioctl is > 0)
                {
                    yield return new ScenarioProblem(scenario.Source, F($"$.workloads[{i}].mix.ioctl"), "the storage port answers no IOCTLs (disk IOCTLs are not modelled); use read and write");
                }
            }
            else if (type == HardwareCatalog.NicType && (w.MinSize < HardwareCatalog.MinFrame || w.MaxSize > HardwareCatalog.MaxFrame))
            {
                yield return new ScenarioProblem(scenario.Source, path,
                    F($"a nic moves Ethernet frames: sizes must be in {HardwareCatalog.MinFrame}..{HardwareCatalog.MaxFrame}, got {w.MinSize}..{w.MaxSize}"));
            }
        }
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
