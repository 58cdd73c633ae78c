using ActorKernel.Actors;
using ActorKernel.Hardware;
using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host;

/// <summary>
/// The USB hardware a scenario may name (docs/stacks-usb.md): <c>usb-host-controller</c>, the
/// EHCI-like controller on PCI with its root ports, served by the <c>usb-host-controller</c>
/// driver (usbport.sys with akehci.sys, which reports the root hub's PDO, USB\ROOT_HUB20); and
/// <c>usb-mass-storage</c>, a bulk-only flash disk plugged into one root port of a controller
/// (its irq is recorded, not wired: a USB device interrupts through its controller). A
/// <c>hot-unplug</c> fault on the disk pulls it out of its port, <c>hot-plug</c> puts it back.
/// </summary>
public static class UsbCatalog
{
    /// <summary>The USB host controller (<see cref="UsbHostController"/>) on PCI.</summary>
    public const string UsbHostControllerType = "usb-host-controller";

    /// <summary>A bulk-only mass-storage device (<see cref="UsbMassStorageDevice"/>) on a root port.</summary>
    public const string UsbMassStorageType = "usb-mass-storage";

    /// <summary>The host controller's port/miniport pair.</summary>
    public const string UsbHostControllerDriver = "usb-host-controller";

    /// <summary>usb-mass-storage parameter: the controller it is plugged into.</summary>
    public const string ControllerParameter = "controller";

    /// <summary>usb-mass-storage parameter: the 1-based root port.</summary>
    public const string PortParameter = "port";

    /// <summary>usb-host-controller parameter: root ports.</summary>
    public const string PortsParameter = "ports";

    /// <summary>Registers the two types and the driver.</summary>
    public static IServiceCollection AddUsbModels(this IServiceCollection services)
    {
        services.AddDeviceType(new DeviceTypeDescriptor(UsbHostControllerType,
            "EHCI-like USB 2.0 host controller on PCI (level-triggered INTA#): root ports with connect/enable/reset change bits, a transfer-descriptor ring by bus-master DMA; served by usb-host-controller (usbport + akehci, root hub USB\\ROOT_HUB20)", 1, 23,
            [
                new ParameterDescriptor(PortsParameter, ParameterKind.Integer, "root ports", "2", 1, 8),
                new ParameterDescriptor("latency", ParameterKind.Duration, "fixed cost of every transfer descriptor (fetch, handshakes, write-back)", "20us", 0, 1_000_000_000),
                new ParameterDescriptor("byteTime", ParameterKind.Duration, "cost per byte on the bus", "17ns", 0, 1_000_000),
                new ParameterDescriptor(KernelCatalog.IrqlParameter, ParameterKind.Integer, "the line's DIRQL (device IRQLs are 3..12)", "5", 3, 12),
                new ParameterDescriptor(KernelCatalog.AffinityParameter, ParameterKind.Integer, "processors that may take the interrupt, a bit mask (0: all)", "0", 0, 9.2233720368547758E18),
            ])
        {
            Hardware = d => new UsbHostControllerConfig(d.Name!, d.Irq!.Value, new UsbHostControllerOptions
            {
                Ports = (int)(d.Parameter(PortsParameter)?.Number ?? 2),
                TransferOverheadNs = Ns(d, "latency", 20_000),
                ByteNs = Ns(d, "byteTime", 17),
            }),
        });
        services.AddDeviceType(new DeviceTypeDescriptor(UsbMassStorageType,
            "USB flash disk (bulk-only transport, SCSI: INQUIRY, READ CAPACITY, READ(10), WRITE(10) ...) on a root port of a usb-host-controller; hot-unplug pulls it out (irq is recorded, not wired)", 0, 23,
            [
                new ParameterDescriptor(ControllerParameter, ParameterKind.String, "the usb-host-controller it is plugged into"),
                new ParameterDescriptor(PortParameter, ParameterKind.Integer, "the root port (1-based)", "1", 1, 8),
                new ParameterDescriptor("size", ParameterKind.Integer, "the disk's size in bytes (whole sectors of 512)", "4194304", 4096, 1L << 34),
                new ParameterDescriptor("latency", ParameterKind.Duration, "the device's time for each READ(10) / WRITE(10)", "50us", 0, 1_000_000_000),
            ]));
        services.AddDriver(new DriverDescriptor(UsbHostControllerDriver,
            "usbport.sys with the controller's miniport (akehci.sys): root hub PDO, URBs by scatter/gather DMA, ISR and DPC; \\Device\\USBFDO-N", [UsbHostControllerType]));
        return services;
    }

    /// <summary>A usb-mass-storage device's model (its image of <c>size</c> bytes).</summary>
    /// <param name="d">The scenario device.</param>
    /// <returns>The model.</returns>
    internal static UsbMassStorageDevice MassStorage(DeviceSpec d) =>
        new(new MemoryDiskImage((long)(d.Parameter("size")?.Number ?? 4_194_304) / HardwareCatalog.SectorSize), Ns(d, "latency", 50_000));

    private static long Ns(DeviceSpec d, string name, long fallback) =>
        d.Parameter(name) is { } p && Duration.TryParseNanoseconds(p.Text, out var ns) ? ns : fallback;
}

/// <summary>The USB host controller, one memory BAR on PCI (class 0C, subclass 03, EHCI prog-if 20), INTA#.</summary>
/// <param name="Name">Device name.</param>
/// <param name="Line">Interrupt line.</param>
/// <param name="Options">Root ports and costs.</param>
public sealed record UsbHostControllerConfig(string Name, int Line, UsbHostControllerOptions Options) : PlacedHardwareConfig(Name, Line)
{
    /// <inheritdoc />
    public override InterruptTrigger Trigger => InterruptTrigger.Level;

    /// <inheritdoc />
    public override PlacedHardware Place(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var controller = new UsbHostController(Options, machine.Hal.Platform.Memory, machine.CreateInterruptPin(Line));
        var actor = controller.Attach(machine.System, $"{machine.Options.Name}-{Name}");
        var placed = machine.Hal.Platform.PlacePciDevice(Name,
            new PciDeviceDefinition(Drivers.Usb.AkEhci.VendorId, Drivers.Usb.AkEhci.DeviceId, 0x0C, 0x03, 0x20, [new PciBarDefinition(PciBarKind.Memory32, controller)]), Line);
        return new PlacedHardware(this, placed, actor, controller);
    }
}
