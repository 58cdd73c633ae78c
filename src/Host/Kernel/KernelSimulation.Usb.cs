using ActorKernel.Hardware;

namespace ActorKernel.Host;

// USB devices on the root ports of the scenario's host controllers (docs/stacks-usb.md): plugged in
// before the machine starts, as if they were in their ports at power-on (the controller's reset then
// shows each as a connect change), and pulled out or plugged back on the timeline. The runner only
// changes the hardware: the controller's port change interrupt reaches the root hub's status change
// transfer, and the hub driver does the rest.
internal sealed partial class KernelSimulation
{
    private readonly Dictionary<string, (UsbHostController Controller, int Port, UsbMassStorageDevice Device)> _usbDevices = new(StringComparer.Ordinal);

    /// <summary>Each usb-mass-storage device into its port of its (placed) controller.</summary>
    private void PlugUsbDevices()
    {
        foreach (var d in _context.Scenario.Devices.Where(d => d.Type == UsbCatalog.UsbMassStorageType))
        {
            if (d.Parameter(UsbCatalog.ControllerParameter)?.Text is { } name && _hardware.TryGetValue(name, out var placed) && placed.Model is UsbHostController controller)
            {
                var port = (int)(d.Parameter(UsbCatalog.PortParameter)?.Number ?? 1);
                var device = UsbCatalog.MassStorage(d);
                controller.AttachDevice(port, device);
                _usbDevices.Add(d.Name!, (controller, port, device));
            }
        }
    }

    /// <summary>The placed usb-host-controller named <paramref name="name"/>, or null.</summary>
    internal UsbHostController? UsbController(string name) => _hardware.TryGetValue(name, out var placed) ? placed.Model as UsbHostController : null;

    private bool IsUsbDevice(string name) => _context.Scenario.FindDevice(name)?.Type == UsbCatalog.UsbMassStorageType;

    /// <summary>The disk leaves its port (the controller sets CSC and PEDC and interrupts) or comes back to it (CSC), its medium kept.</summary>
    private void ReplugUsbDevice(string name, bool plugIn)
    {
        if (!_usbDevices.TryGetValue(name, out var usb))
        {
            return;
        }
        if (plugIn)
        {
            if (usb.Controller.DeviceAt(usb.Port) is null)
            {
                usb.Controller.AttachDevice(usb.Port, usb.Device);
            }
        }
        else
        {
            usb.Controller.DetachDevice(usb.Port);
        }
    }
}
