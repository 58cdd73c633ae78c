namespace ActorKernel.Hardware;

/// <summary>The kind of one hardware resource (the bus-relative "raw" view; the kernel turns it into a CM_PARTIAL_RESOURCE_DESCRIPTOR).</summary>
public enum HardwareResourceKind
{
    /// <summary>A range of I/O ports.</summary>
    Port = 1,

    /// <summary>An interrupt line (an IRQ input of the interrupt controller).</summary>
    Interrupt = 2,

    /// <summary>A range of memory-space addresses (a memory BAR).</summary>
    Memory = 3,

    /// <summary>A system DMA channel (ISA slave DMA); bus masters need none.</summary>
    Dma = 4,
}

/// <summary>One resource the platform assigned to a device.</summary>
/// <param name="Kind">Port, memory, interrupt or DMA.</param>
/// <param name="Start">First port or physical address; the line for an interrupt; the channel for DMA.</param>
/// <param name="Length">Bytes or ports (0 for interrupts and DMA).</param>
/// <param name="LevelSensitive">For an interrupt: level-triggered (PCI INTx) rather than latched.</param>
/// <param name="Shared">For an interrupt: other devices may share the line.</param>
public sealed record HardwareResource(HardwareResourceKind Kind, ulong Start, ulong Length, bool LevelSensitive = false, bool Shared = false);

/// <summary>
/// A device model placed on the machine: its name, the resources the platform assigned (ports,
/// memory windows, interrupt line, DMA), and, for a PCI device, its configuration-space function.
/// </summary>
public sealed class PlacedDevice
{
    private readonly List<HardwareResource> _resources = [];

    internal PlacedDevice(string name, PciFunction? pci)
    {
        Name = name;
        Pci = pci;
    }

    /// <summary>The device's name in the machine (a scenario's device name).</summary>
    public string Name { get; }

    /// <summary>The PCI function, or null for a device on the legacy (ISA-style) bus.</summary>
    public PciFunction? Pci { get; }

    /// <summary>Its resources, in assignment order (ports and memory in BAR order, then the interrupt).</summary>
    public IReadOnlyList<HardwareResource> Resources
    {
        get
        {
            lock (_resources)
            {
                return [.. _resources];
            }
        }
    }

    /// <summary>The interrupt line assigned, or -1.</summary>
    public int InterruptLine
    {
        get
        {
            lock (_resources)
            {
                return _resources.Find(r => r.Kind == HardwareResourceKind.Interrupt) is { } r ? (int)r.Start : -1;
            }
        }
    }

    internal void Add(HardwareResource resource)
    {
        lock (_resources)
        {
            _resources.Add(resource);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
