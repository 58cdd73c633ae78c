namespace ActorKernel.Hardware;

/// <summary>
/// The machine's hardware below the kernel: physical memory, the address decoder that says which
/// device answers a port or physical address, PCI bus 0, and the devices placed on them with the
/// resources firmware assigned (the BIOS/ACPI role: PCI BARs get addresses from the platform's I/O
/// and memory windows, the interrupt line register gets the routed IRQ, decode and bus mastering are
/// enabled, as pci.sys leaves a started device). The kernel's HAL decodes every driver access here.
/// </summary>
public sealed class HardwarePlatform
{
    /// <summary>The first port handed to PCI I/O BARs (below it: legacy ISA devices placed at fixed ports).</summary>
    public const ulong PciIoWindowBase = 0xC000;

    /// <summary>The lowest address handed to PCI memory BARs (a 32-bit window under 4 GiB, above RAM).</summary>
    public const ulong PciMemoryWindowBase = 0xE000_0000;

    private readonly Lock _lock = new();
    private readonly List<PlacedDevice> _devices = [];
    private ulong _nextPort = PciIoWindowBase;
    private ulong _nextMemory;

    /// <summary>Creates the platform over <paramref name="memory"/>.</summary>
    /// <param name="memory">The machine's RAM.</param>
    public HardwarePlatform(PhysicalMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        Memory = memory;
        Decoder = new AddressDecoder();
        Pci = new PciBus(0, Decoder, memory);
        _nextMemory = Math.Max(PciMemoryWindowBase, AlignUp(memory.TopOfRam, 0x1000_0000));
    }

    /// <summary>Physical memory (what bus masters reach).</summary>
    public PhysicalMemory Memory { get; }

    /// <summary>The address decoder.</summary>
    public AddressDecoder Decoder { get; }

    /// <summary>PCI bus 0.</summary>
    public PciBus Pci { get; }

    /// <summary>Every placed device, in placement order.</summary>
    public IReadOnlyList<PlacedDevice> Devices
    {
        get
        {
            lock (_lock)
            {
                return [.. _devices];
            }
        }
    }

    /// <summary>The placed device called <paramref name="name"/>, or null.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>The device.</returns>
    public PlacedDevice? Find(string name)
    {
        lock (_lock)
        {
            return _devices.Find(d => d.Name == name);
        }
    }

    /// <summary>
    /// Places a legacy (ISA-style) device at fixed addresses: port windows, memory windows, an
    /// edge-triggered interrupt line (or none: -1) and an optional system DMA channel.
    /// </summary>
    /// <param name="name">The device's name.</param>
    /// <param name="ports">(first port, window) pairs.</param>
    /// <param name="memory">(physical address, window) pairs (must lie above RAM).</param>
    /// <param name="interruptLine">The IRQ line, or -1.</param>
    /// <param name="dmaChannel">A system DMA channel, or -1.</param>
    /// <returns>The placed device.</returns>
    public PlacedDevice PlaceLegacyDevice(string name, IReadOnlyList<(ulong Port, IRegisterWindow Window)> ports,
        IReadOnlyList<(ulong Address, IRegisterWindow Window)>? memory = null, int interruptLine = -1, int dmaChannel = -1)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(ports);
        lock (_lock)
        {
            var device = NewDevice(name, null);
            foreach (var (port, window) in ports)
            {
                if (port + (ulong)window.Length > 0x1_0000)
                {
                    throw new ArgumentException(FormattableString.Invariant($"Device {name}: ports 0x{port:X}+{window.Length} run past 0xFFFF."), nameof(ports));
                }
                Decoder.Map(BusAddressSpace.Port, port, window, device);
                device.Add(new HardwareResource(HardwareResourceKind.Port, port, (ulong)window.Length));
            }
            foreach (var (address, window) in memory ?? [])
            {
                if (Memory.IsRam(address))
                {
                    throw new ArgumentException(FormattableString.Invariant($"Device {name}: memory window 0x{address:X} lies in RAM."), nameof(memory));
                }
                Decoder.Map(BusAddressSpace.Memory, address, window, device);
                device.Add(new HardwareResource(HardwareResourceKind.Memory, address, (ulong)window.Length));
            }
            if (interruptLine >= 0)
            {
                device.Add(new HardwareResource(HardwareResourceKind.Interrupt, (ulong)interruptLine, 0));
            }
            if (dmaChannel >= 0)
            {
                device.Add(new HardwareResource(HardwareResourceKind.Dma, (ulong)dmaChannel, 0));
            }
            _devices.Add(device);
            return device;
        }
    }

    /// <summary>
    /// Plugs a PCI device into bus 0 and assigns its resources as firmware does: each BAR gets the
    /// next naturally aligned address of the I/O or memory window, InterruptLine gets
    /// <paramref name="interruptLine"/> (a level-triggered, shareable INTx# route), and the command
    /// register gets I/O space, memory space and bus master enabled.
    /// </summary>
    /// <param name="name">The device's name.</param>
    /// <param name="definition">Its configuration header.</param>
    /// <param name="interruptLine">The IRQ line INTx# is routed to, or -1 (no interrupt).</param>
    /// <param name="slot">The device number, or -1 for the first free slot.</param>
    /// <returns>The placed device; <see cref="PlacedDevice.Pci"/> is its function.</returns>
    public PlacedDevice PlacePciDevice(string name, PciDeviceDefinition definition, int interruptLine, int slot = -1)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(definition);
        lock (_lock)
        {
            var function = Pci.Insert(definition, slot);
            var device = NewDevice(name, function);
            function.Placed = device;
            for (var i = 0; i < definition.Bars.Count; i++)
            {
                var bar = definition.Bars[i];
                ulong address;
                if (bar.Kind == PciBarKind.Io)
                {
                    address = AlignUp(_nextPort, bar.Size);
                    if (address + bar.Size > 0x1_0000)
                    {
                        throw new InvalidOperationException($"Device {name}: the PCI I/O window is full.");
                    }
                    _nextPort = address + bar.Size;
                }
                else
                {
                    address = AlignUp(_nextMemory, Math.Max(bar.Size, 0x1000u));
                    if (address + bar.Size > 0x1_0000_0000)
                    {
                        throw new InvalidOperationException($"Device {name}: the 32-bit PCI memory window is full.");
                    }
                    _nextMemory = address + bar.Size;
                }
                function.AssignBar(i, (uint)address);
                device.Add(new HardwareResource(bar.Kind == PciBarKind.Io ? HardwareResourceKind.Port : HardwareResourceKind.Memory, address, (ulong)bar.Window.Length));
            }
            if (interruptLine >= 0 && definition.InterruptPin != 0)
            {
                function.WriteConfig((int)PciConfigOffset.InterruptLine, [(byte)interruptLine]);
                device.Add(new HardwareResource(HardwareResourceKind.Interrupt, (ulong)interruptLine, 0, LevelSensitive: true, Shared: true));
            }
            var command = (ushort)(PciCommand.IoSpace | PciCommand.MemorySpace | PciCommand.BusMaster);
            function.WriteConfig((int)PciConfigOffset.Command, [(byte)command, (byte)(command >> 8)]);
            _devices.Add(device);
            return device;
        }
    }

    /// <summary>
    /// Pulls the PCI device called <paramref name="name"/> out of its slot (surprise removal, the hardware
    /// side): the slot answers configuration reads with all-ones and the bus reports Presence Detect
    /// Changed. The device model's own behaviour once unplugged (registers reading all-ones, no interrupt,
    /// no DMA) is the model's: the block controller's SurpriseUnplug fault.
    /// </summary>
    /// <param name="name">The device's name.</param>
    /// <returns>Whether a PCI device of that name was placed.</returns>
    public bool UnplugPciDevice(string name)
    {
        PlacedDevice? device;
        lock (_lock)
        {
            device = _devices.Find(d => d.Name == name);
            if (device?.Pci is null)
            {
                return false;
            }
            _devices.Remove(device);
        }
        Pci.Remove(device.Pci.Device);
        return true;
    }

    private PlacedDevice NewDevice(string name, PciFunction? function)
    {
        if (_devices.Exists(d => d.Name == name))
        {
            throw new ArgumentException($"A device called {name} is already placed.", nameof(name));
        }
        return new PlacedDevice(name, function);
    }

    private static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);
}
