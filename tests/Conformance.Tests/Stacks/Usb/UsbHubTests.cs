using ActorKernel.Actors;
using ActorKernel.Drivers.Usb;
using ActorKernel.Drivers.Usb.Hub;
using ActorKernel.Drivers.Usb.Storage;

namespace ActorKernel.Conformance.Tests.Stacks.Usb;

/// <summary>usbhub.sys on the root hub: port changes, device creation through the port driver's bus interface, the port PDO's identity and its URB path.</summary>
[Trait("Area", "Stacks")]
public sealed class UsbHubTests
{
    [Fact]
    public void The_hub_reports_a_device_with_the_standard_usb_identifiers_and_compatible_ids_of_its_interface()
    {
        using var bed = new UsbStackBed();
        var device = bed.UsbDeviceNode()!;

        Assert.Equal(@"USB\VID_1234&PID_B55B", device.DeviceId);
        Assert.Equal([@"USB\VID_1234&PID_B55B&REV_1000", @"USB\VID_1234&PID_B55B"], device.HardwareIds);
        // bDeviceClass 0: the class is the interface's (mass storage, SCSI transparent, bulk-only), which usbstor.inf matches.
        Assert.Equal([UsbStor.CompatibleId, @"USB\Class_08&SubClass_06", @"USB\Class_08"], device.CompatibleIds);
        Assert.Equal("USBSTOR", device.ServiceName);
        var pdo = device.PhysicalDeviceObject;
        Assert.StartsWith(@"\Device\USBPDO-", pdo.Name, StringComparison.Ordinal);
        Assert.True((pdo.Flags & DeviceObjectFlags.BusEnumeratedDevice) != 0);
        var child = pdo.GetExtension<UsbHubPdoExtension>();
        Assert.Equal((ushort)UsbStackBed.DiskPort, child.PortNumber);
        Assert.Equal((ushort)UsbStackBed.DiskPort, child.DeviceHandle.PortNumber);
        Assert.NotEqual(0, child.DeviceHandle.DeviceAddress); // InitializeUsbDevice gave it an address (SET_ADDRESS)
        Assert.Same(pdo, child.DeviceHandle.DevicePdo);        // SetDeviceHandleData
    }

    [Fact]
    public void A_device_attached_after_boot_is_found_by_a_connect_change_a_port_reset_and_the_bus_interface()
    {
        using var bed = new UsbStackBed(attach: false);
        var rootHub = Assert.Single(bed.ControllerNode().Children);
        var hub = rootHub.PhysicalDeviceObject.AttachedDevice!.GetExtension<UsbHubFdoExtension>();
        Assert.Equal(bed.Controller.PortCount, hub.NumberOfPorts); // bNbrPorts of the hub descriptor
        Assert.Empty(rootHub.Children);
        var changesBefore = hub.StatusChanges;

        bed.Controller.AttachDevice(UsbStackBed.DiskPort, bed.Device);
        bed.WaitForDisk();

        // C_PORT_CONNECTION -> SET_FEATURE(PORT_RESET), then C_PORT_RESET -> CreateUsbDevice/InitializeUsbDevice -> the PDO.
        Assert.True(hub.StatusChanges - changesBefore >= 2, $"{hub.StatusChanges - changesBefore} status changes");
        var attached = Assert.Single(hub.AttachedDevices);
        Assert.Same(attached.Pdo, bed.UsbDeviceNode()!.PhysicalDeviceObject);
        Assert.Equal(DeviceNodeState.Started, bed.UsbDeviceNode()!.State);
    }

    [Fact]
    public void The_port_pdo_passes_its_clients_urbs_to_the_root_hub_pdo_in_the_same_irp()
    {
        using var bed = new UsbStackBed();
        var device = bed.UsbDeviceNode()!;
        var pdo = device.PhysicalDeviceObject;
        var rootHubPdo = device.Parent!.PhysicalDeviceObject;
        var child = pdo.GetExtension<UsbHubPdoExtension>();

        Assert.True(child.UrbsForwarded > 0, "usbstor's URBs went through the port PDO");
        // One stack location more than the root hub's PDO, so usbstor's IRP can go on below it; 
        Assert.Equal(rootHubPdo.StackSize + 1, pdo.StackSize);
        Assert.Equal(pdo.StackSize + 1, bed.DiskNode()!.PhysicalDeviceObject.StackSize); // usbstor's LUN PDO: its own location, then the hub PDO's
    }
}
