namespace ActorKernel.Hardware;

/// <summary>Offsets of the type 0 PCI configuration header (PCI Local Bus Specification 3.0, 6.1; <c>PCI_COMMON_CONFIG</c> in wdm.h).</summary>
public enum PciConfigOffset
{
    /// <summary>VendorID (16 bits, read-only); 0xFFFF (PCI_INVALID_VENDORID) reads from an empty slot.</summary>
    VendorId = 0x00,

    /// <summary>DeviceID (16 bits, read-only).</summary>
    DeviceId = 0x02,

    /// <summary>Command (16 bits): I/O space, memory space, bus master enables.</summary>
    Command = 0x04,

    /// <summary>Status (16 bits).</summary>
    Status = 0x06,

    /// <summary>RevisionID (8 bits, read-only).</summary>
    RevisionId = 0x08,

    /// <summary>ProgIf: programming interface (8 bits, read-only).</summary>
    ProgIf = 0x09,

    /// <summary>SubClass (8 bits, read-only).</summary>
    SubClass = 0x0A,

    /// <summary>BaseClass (8 bits, read-only).</summary>
    BaseClass = 0x0B,

    /// <summary>CacheLineSize (8 bits).</summary>
    CacheLineSize = 0x0C,

    /// <summary>LatencyTimer (8 bits).</summary>
    LatencyTimer = 0x0D,

    /// <summary>HeaderType (8 bits, read-only): 0 for a single-function type 0 device.</summary>
    HeaderType = 0x0E,

    /// <summary>BaseAddresses[0]; BAR n is at 0x10 + 4n, n = 0..5.</summary>
    Bar0 = 0x10,

    /// <summary>SubVendorID (16 bits, read-only).</summary>
    SubsystemVendorId = 0x2C,

    /// <summary>SubSystemID (16 bits, read-only).</summary>
    SubsystemId = 0x2E,

    /// <summary>InterruptLine (8 bits): written by firmware with the IRQ line the pin is routed to.</summary>
    InterruptLine = 0x3C,

    /// <summary>InterruptPin (8 bits, read-only): 0 none, 1..4 INTA#..INTD#.</summary>
    InterruptPin = 0x3D,
}

/// <summary>The PCI command register bits modelled (<c>PCI_ENABLE_*</c> in wdm.h).</summary>
[Flags]
public enum PciCommand : ushort
{
    /// <summary>No decode, no mastering.</summary>
    None = 0,

    /// <summary>PCI_ENABLE_IO_SPACE (0x1): the device answers its I/O BARs.</summary>
    IoSpace = 0x0001,

    /// <summary>PCI_ENABLE_MEMORY_SPACE (0x2): the device answers its memory BARs.</summary>
    MemorySpace = 0x0002,

    /// <summary>PCI_ENABLE_BUS_MASTER (0x4): the device may start DMA.</summary>
    BusMaster = 0x0004,

    /// <summary>PCI_DISABLE_LEVEL_INTERRUPT (0x400): the device may not assert INTx#.</summary>
    InterruptDisable = 0x0400,
}

/// <summary>What kind of window a BAR decodes.</summary>
public enum PciBarKind
{
    /// <summary>A 32-bit memory BAR (type 00).</summary>
    Memory32 = 0,

    /// <summary>An I/O BAR (bit 0 set).</summary>
    Io = 1,
}

/// <summary>One base address register a device implements.</summary>
/// <param name="Kind">I/O or 32-bit memory.</param>
/// <param name="Window">The registers it decodes; its length, rounded up to a power of two (at least 4 ports or 16 bytes), is the BAR's size.</param>
/// <param name="Prefetchable">Memory BAR bit 3.</param>
public sealed record PciBarDefinition(PciBarKind Kind, IRegisterWindow Window, bool Prefetchable = false)
{
    /// <summary>The size the BAR reports to the all-ones probe.</summary>
    public uint Size
    {
        get
        {
            var min = Kind == PciBarKind.Io ? 4u : 16u;
            return Math.Max(min, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Window.Length));
        }
    }
}

/// <summary>A PCI device as its datasheet describes its configuration header.</summary>
/// <param name="VendorId">Vendor ID.</param>
/// <param name="DeviceId">Device ID.</param>
/// <param name="BaseClass">Class code (e.g. 0x01 mass storage, 0x02 network, 0x07 communication).</param>
/// <param name="SubClass">Subclass.</param>
/// <param name="ProgIf">Programming interface.</param>
/// <param name="Bars">BARs 0.. in order (at most six).</param>
/// <param name="InterruptPin">0 none, 1..4 INTA#..INTD#.</param>
public sealed record PciDeviceDefinition(ushort VendorId, ushort DeviceId, byte BaseClass, byte SubClass, byte ProgIf, IReadOnlyList<PciBarDefinition> Bars, byte InterruptPin = 1)
{
    /// <summary>RevisionID.</summary>
    public byte RevisionId { get; init; }

    /// <summary>SubVendorID.</summary>
    public ushort SubsystemVendorId { get; init; }

    /// <summary>SubSystemID.</summary>
    public ushort SubsystemId { get; init; }
}

/// <summary>PCI_SLOT_NUMBER: device number in bits 0-4, function number in bits 5-7 (the SlotNumber of HalGetBusDataByOffset).</summary>
public static class PciSlotNumber
{
    /// <summary>Packs a device and function number.</summary>
    /// <param name="device">0..31.</param>
    /// <param name="function">0..7.</param>
    /// <returns>u.AsULONG.</returns>
    public static uint Make(int device, int function = 0) => (uint)(device & 0x1F) | ((uint)(function & 0x7) << 5);

    /// <summary>The device number of a slot.</summary>
    /// <param name="slot">u.AsULONG.</param>
    /// <returns>0..31.</returns>
    public static int Device(uint slot) => (int)(slot & 0x1F);

    /// <summary>The function number of a slot.</summary>
    /// <param name="slot">u.AsULONG.</param>
    /// <returns>0..7.</returns>
    public static int Function(uint slot) => (int)((slot >> 5) & 0x7);
}
