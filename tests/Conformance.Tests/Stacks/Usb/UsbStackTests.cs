using ActorKernel.Actors;
using ActorKernel.Drivers.Storage.Class;
using ActorKernel.Drivers.Usb;
using ActorKernel.Drivers.Usb.Hub;
using ActorKernel.Drivers.Usb.Storage;

namespace ActorKernel.Conformance.Tests.Stacks.Usb;

/// <summary>The USB storage path as the PnP manager builds it: the device tree and each of the four device stacks.</summary>
[Trait("Area", "Stacks")]
public sealed class UsbStackTests
{
    [Fact]
    public void The_usb_disk_is_built_through_pnp_as_four_device_stacks()
    {
        using var bed = new UsbStackBed();
        var controller = bed.ControllerNode();
        var rootHub = Assert.Single(controller.Children);
        var device = bed.UsbDeviceNode()!;
        var disk = bed.DiskNode()!;

        Assert.Contains(UsbHub.RootHub20Id, rootHub.HardwareIds);
        Assert.Same(rootHub, device.Parent);
        Assert.Equal(["pci.sys", AkEhci.ImageName], UsbStackBed.Stack(controller));
        Assert.Equal([AkEhci.ImageName, UsbHub.ImageName], UsbStackBed.Stack(rootHub));
        Assert.Equal([UsbHub.ImageName, UsbStor.ImageName], UsbStackBed.Stack(device));
        Assert.Equal([UsbStor.ImageName, DiskClass.ImageName], UsbStackBed.Stack(disk));
        Assert.Contains(UsbStor.CompatibleId, device.CompatibleIds);
        Assert.All(new[] { controller, rootHub, device, disk }, n => Assert.Equal(DeviceNodeState.Started, n.State));
    }
}
