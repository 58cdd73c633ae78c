/*++

Module Name:

    UsbHubExtension.cs

Abstract:

    usbhub.sys's device extensions: the hub FDO's (the root hub PDO below it, the port driver's
    USB_BUS_INTERFACE_HUB_V5, the status-change pipe and its IRP, the number of ports, the port
    PDOs) and a port PDO's (the port, the device handle the port driver made for the device, its
    descriptors, whether it is still attached).

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Usb.Hub;

/// <summary>The hub's FDO extension.</summary>
public sealed class UsbHubFdoExtension
{
    /// <summary>The FDO.</summary>
    public DeviceObject? Self { get; internal set; }

    /// <summary>The device below: the root hub's PDO (every request of the hub and of its children goes there).</summary>
    public DeviceObject? LowerDevice { get; internal set; }

    /// <summary>The PDO the hub's stack stands on (BusRelations are invalidated on it).</summary>
    public DeviceObject? PhysicalDevice { get; internal set; }

    /// <summary>The hub's number in the driver (its port PDOs' instance IDs).</summary>
    public int HubNumber { get; internal init; }

    /// <summary>bNbrPorts of the hub descriptor.</summary>
    public int NumberOfPorts { get; internal set; }

    /// <summary>The port driver's direct-call interface (IRP_MN_QUERY_INTERFACE, USB_BUS_INTERFACE_HUB_GUID).</summary>
    internal UsbBusInterfaceHubV5? BusInterface { get; set; }

    /// <summary>The status-change (interrupt IN) pipe.</summary>
    internal UsbdPipeInformation? StatusChangePipe { get; set; }

    /// <summary>The IRP that keeps one status-change transfer pending at the root hub (reused).</summary>
    internal Irp? StatusChangeIrp { get; set; }

    /// <summary>The status-change URB (one byte: bit N set for a change on port N).</summary>
    internal UrbBulkOrInterruptTransfer? StatusChangeUrb { get; set; }

    /// <summary>Signalled while no status-change transfer is pending (removal waits for it).</summary>
    internal KEvent StatusChangeIdle { get; } = new();

    /// <summary>Nonpaged pool: the status-change bitmap, a port status and descriptors.</summary>
    internal ulong Pool { get; set; }

    internal ulong BitmapBuffer => Pool;

    internal ulong PortStatusBuffer => Pool + 8;

    internal ulong ScratchBuffer => Pool + 16;

    /// <summary>IRP_MN_START_DEVICE brought the hub up.</summary>
    public bool Started { get; internal set; }

    /// <summary>The hub is being removed: no status-change transfer is sent again.</summary>
    public bool Removed { get; internal set; }

    /// <summary>Port status changes handled (one per interrupt transfer that reported any).</summary>
    public long StatusChanges => Interlocked.Read(ref _statusChanges);

    internal long _statusChanges;

    /// <summary>The port PDOs, present or reported missing but not yet removed. Read under its own monitor.</summary>
    internal readonly List<UsbHubPdoExtension> Children = [];

    /// <summary>The PDOs of the devices attached now, in port order (for tests and the debugger).</summary>
    public IReadOnlyList<UsbHubPdoExtension> AttachedDevices
    {
        get
        {
            lock (Children)
            {
                return [.. Children.Where(c => c.Present).OrderBy(c => c.PortNumber)];
            }
        }
    }
}

/// <summary>A port PDO's extension: one USB device on one port of the hub.</summary>
public sealed class UsbHubPdoExtension
{
    internal UsbHubPdoExtension(UsbHubFdoExtension hub, ushort portNumber, UsbdDeviceHandle deviceHandle)
    {
        Hub = hub;
        PortNumber = portNumber;
        DeviceHandle = deviceHandle;
    }

    /// <summary>The hub it hangs on.</summary>
    public UsbHubFdoExtension Hub { get; }

    /// <summary>The 1-based port.</summary>
    public ushort PortNumber { get; }

    /// <summary>The port driver's handle for the device (set in each URB the PDO passes down).</summary>
    public UsbdDeviceHandle DeviceHandle { get; }

    /// <summary>The device descriptor (from the handle, read by InitializeUsbDevice).</summary>
    public UsbDeviceDescriptor DeviceDescriptor { get; internal init; }

    /// <summary>The whole first configuration.</summary>
    public byte[] ConfigurationDescriptor { get; internal init; } = [];

    /// <summary>The PDO.</summary>
    public DeviceObject? Pdo { get; internal set; }

    /// <summary>Attached (false once a connect change reported it gone). Under the hub's Children monitor.</summary>
    public bool Present { get; internal set; } = true;

    /// <summary>Left out of a BusRelations answer after it left. Under the hub's Children monitor.</summary>
    public bool ReportedMissing { get; internal set; }

    /// <summary>Was in a BusRelations answer (the PnP manager knows it). Under the hub's Children monitor.</summary>
    internal bool Reported { get; set; }

    /// <summary>IRP_MN_START_DEVICE reached it and no removal since.</summary>
    public bool Started { get; internal set; }

    /// <summary>URBs its client sent down through it.</summary>
    public long UrbsForwarded => Interlocked.Read(ref _urbsForwarded);

    internal long _urbsForwarded;

    // 1 once RemoveUsbDevice ran for the handle (at the disconnect, or with the hub's removal).
    internal int _handleRemoved;
}
