using System.Globalization;
using ActorKernel.Drivers.Usb.Hub;
using ActorKernel.Drivers.Usb.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host;

/// <summary>
/// The USB storage path a scenario gets (docs/stacks-usb.md, "Hub and mass storage"): on every
/// usb-host-controller the runner installs usbhub.sys on the root hub's PDO (USB\ROOT_HUB20, as
/// usb.inf does), usbstor.sys on each bulk-only mass-storage device the hub reports
/// (USB\Class_08&amp;SubClass_06&amp;Prot_50, usbstor.inf) and disk.sys on each of its LUNs (GenDisk).
/// The <c>usb-storage</c> driver entry binds a usb-mass-storage device as a workload target: its
/// requests open the disk (disk.sys's <c>\Device\HarddiskN\DR0</c>) on the device's LUN 0.
/// </summary>
public static class UsbStorageCatalog
{
    /// <summary>The scenario driver name of the USB disk's stacks (usbstor.sys with disk.sys above it).</summary>
    public const string UsbStorageDriver = "usb-storage";

    /// <summary>usbhub.sys as the registry knows it (class USB).</summary>
    internal static readonly ScenarioDriverImage UsbHubImage = new(UsbHub.ServiceName, UsbHub.ImageName, "USB");

    /// <summary>usbstor.sys as the registry knows it (class USB).</summary>
    internal static readonly ScenarioDriverImage UsbStorImage = new(UsbStor.ServiceName, UsbStor.ImageName, "USB");

    /// <summary>idVendor and idProduct of the usb-mass-storage model's device descriptor (the hub's device ID USB\VID_1234&amp;PID_B55B).</summary>
    internal const string MassStorageDeviceId = @"USB\VID_1234&PID_B55B";

    /// <summary>Registers the driver.</summary>
    /// <param name="services">The host's services.</param>
    /// <returns>The same.</returns>
    public static IServiceCollection AddUsbStorageDriver(this IServiceCollection services)
    {
        services.AddDriver(new DriverDescriptor(UsbStorageDriver,
            "usbstor.sys on the hub's PDO for the device (bulk-only transport: SRB -> CBW, data, CSW as URBs) with disk.sys on its LUN; \\Device\\HarddiskN\\DR0",
            [UsbCatalog.UsbMassStorageType]));
        return services;
    }

    /// <summary>
    /// The instance path of the USB disk's device node: the hub's device ID and its instance ID
    /// "hub&amp;0&amp;port", the hub being the controller's index among the scenario's usb-host-controllers
    /// with a driver (PCI enumerates them, and usbhub.sys numbers its hubs, in that order).
    /// </summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="device">The usb-mass-storage device.</param>
    /// <returns>The path, e.g. <c>USB\VID_1234&amp;PID_B55B\0&amp;0&amp;1</c>.</returns>
    internal static string InstancePath(Scenario scenario, DeviceSpec device)
    {
        var controller = device.Parameter(UsbCatalog.ControllerParameter)?.Text;
        var controllers = scenario.Devices.Where(d => d.Type == UsbCatalog.UsbHostControllerType && scenario.DriverFor(d.Name!) is not null).Select(d => d.Name).ToList();
        var hub = Math.Max(0, controllers.IndexOf(controller));
        var port = (int)(device.Parameter(UsbCatalog.PortParameter)?.Number ?? 1);
        return string.Create(CultureInfo.InvariantCulture, $"{MassStorageDeviceId}\\{hub}&0&{port}");
    }
}
