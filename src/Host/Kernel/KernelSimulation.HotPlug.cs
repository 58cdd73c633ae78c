using ActorKernel.Hardware;

namespace ActorKernel.Host;

// Hot plug on the scenario's timeline (issue 15): a card plugged into PCI while the machine runs, and
// a card pulled out. The runner does nothing to the device tree itself: the hardware changes, pci.sys
// hears the slot's Presence Detect Changed and calls IoInvalidateDeviceRelations, and the PnP manager
// builds the new stack (and announces its interface) or surprise-removes the missing one.
internal sealed partial class KernelSimulation
{
    partial void ScheduleHotPlugEvent(FaultSpec fault, long at, ref bool scheduled)
    {
        switch (fault.Type)
        {
            case "hot-plug" or "hot-unplug" when fault.Device is { } usb && IsUsbDevice(usb):
                // A USB disk in or out of its root port (KernelSimulation.Usb.cs).
                AtBootTime(at, () => ReplugUsbDevice(usb, plugIn: fault.Type == "hot-plug"));
                scheduled = true;
                break;
            case "hot-plug" when fault.Device is { } name && !_hardware.ContainsKey(name)
                && _hardware.Values.FirstOrDefault(h => h.Config is BlockDiskConfig) is { Config: BlockDiskConfig template }:
                // A new block-disk card, built like the scenario's first one (its line, size and costs).
                AtBootTime(at, () => _hardware.Add(name, (template with { Name = name }).Place(Machine)));
                scheduled = true;
                break;
            case "hot-unplug" when fault.Device is { } name:
                AtBootTime(at, () => HotUnplug(name));
                scheduled = true;
                break;
        }
    }

    /// <summary>The card leaves its slot: the controller loses power (its registers read all-ones) and the slot empties.</summary>
    private void HotUnplug(string name)
    {
        if (!_hardware.TryGetValue(name, out var hardware) || hardware.Placed.Pci is null)
        {
            return;
        }
        if (hardware.Model is BlockController controller)
        {
            controller.InjectFault(BlockControllerFault.SurpriseUnplug);
        }
        Machine.Hal.Platform.UnplugPciDevice(name);
    }
}
