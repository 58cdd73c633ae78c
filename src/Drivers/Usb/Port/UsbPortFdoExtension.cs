/*++

Module Name:

    UsbPortFdoExtension.cs

Abstract:

    The port driver's per-controller state (usbport's FDO extension): the stack it sits in, the
    miniport's registration and extension, the DMA adapter and common buffer, the interrupt and
    DPC, the root hub PDO and device handle, the device handles and USB addresses, the transfers
    at the controller and those waiting for room, and the root hub's pending status-change URBs.

Environment:

    Kernel mode. The lists are under <see cref="Lock"/> (DISPATCH_LEVEL).

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Usb;

/// <summary>The port driver's FDO extension.</summary>
public sealed class UsbPortFdoExtension
{
    internal UsbPortFdoExtension(UsbPortRegistrationPacket packet)
    {
        Packet = packet;
        RootHub.PortContext = new UsbDeviceContext();
    }

    /// <summary>The miniport's routines.</summary>
    public UsbPortRegistrationPacket Packet { get; }

    /// <summary>The miniport's own state (set by StartController).</summary>
    public object? MiniportExtension { get; set; }

    /// <summary>The FDO.</summary>
    public DeviceObject? Fdo { get; internal set; }

    /// <summary>The controller's PCI PDO.</summary>
    public DeviceObject? PhysicalDeviceObject { get; internal set; }

    /// <summary>Where the FDO sends what it does not handle.</summary>
    public DeviceObject? LowerDevice { get; internal set; }

    /// <summary>The root hub's PDO, once reported.</summary>
    public DeviceObject? RootHubPdo { get; internal set; }

    /// <summary>The translated interrupt resource StartController found.</summary>
    public CmPartialResourceDescriptor? InterruptResource { get; set; }

    /// <summary>The bus-master DMA adapter.</summary>
    public DmaAdapter? DmaAdapter { get; internal set; }

    /// <summary>The common buffer's system address.</summary>
    public ulong CommonBuffer { get; internal set; }

    /// <summary>The common buffer's logical (device) address.</summary>
    public ulong CommonBufferLogical { get; internal set; }

    /// <summary>The connected interrupt.</summary>
    public KInterrupt? Interrupt { get; internal set; }

    /// <summary>Whether the controller runs.</summary>
    public bool Started { get; internal set; }

    /// <summary>Whether the controller's PDO was surprise-removed or removed.</summary>
    public bool Removed { get; internal set; }

    /// <summary>Transfers completed since start.</summary>
    public long CompletedTransfers => Interlocked.Read(ref _completedTransfers);

    internal long _completedTransfers;

    internal KSpinLock Lock { get; } = new();

    internal IoRemoveLock RemoveLock { get; } = new();

    internal KDpc Dpc { get; } = new();

    internal string? SymbolicLinkName { get; set; }

    /// <summary>The root hub's device handle (URBs with no handle at the root hub PDO are its).</summary>
    internal UsbdDeviceHandle RootHub { get; } = new(0, UsbDeviceSpeed.High, isRootHub: true);

    /// <summary>USB addresses in use (index = address; 0 is the default address, never assigned).</summary>
    internal bool[] AddressInUse { get; } = new bool[128];

    /// <summary>Transfers at the controller.</summary>
    internal List<UsbTransfer> Active { get; } = [];

    /// <summary>Transfers waiting for room at the controller, in order.</summary>
    internal LinkedList<UsbTransfer> Waiting { get; } = [];

    /// <summary>The root hub's status-change (interrupt IN) URBs waiting for a port change.</summary>
    internal LinkedList<UsbTransfer> StatusChange { get; } = [];

    /// <summary>Finished transfers the miniport reported, completed by the DPC after it drops the lock.</summary>
    internal UsbTransfer? DoneHead { get; set; }

    internal UsbTransfer? DoneTail { get; set; }
}
