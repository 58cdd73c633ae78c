using ActorKernel.Actors;
using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>
/// A hardware model that sits on a bus: the runner's build step wires its line with
/// <see cref="Trigger"/>, then <see cref="Place"/> builds the model on the machine's actor system,
/// its pin from <see cref="Machine.CreateInterruptPin"/> and its DMA memory from the platform, and
/// places it on the PCI bus or at its legacy ports, as firmware would before the PnP manager starts it.
/// </summary>
/// <param name="Name">The scenario device's name.</param>
/// <param name="Line">Its interrupt line.</param>
/// <param name="Link">The device at the other end of a cable, or null.</param>
public abstract record PlacedHardwareConfig(string Name, int Line, string? Link = null) : DeviceConfig(Name, Line)
{
    /// <summary>How the line signals: PCI INTx# is level-triggered, an ISA line edge-triggered.</summary>
    public abstract InterruptTrigger Trigger { get; }

    /// <summary>Builds the model on <paramref name="machine"/> and places it on its bus.</summary>
    public abstract PlacedHardware Place(Machine machine);
}

/// <summary>A model placed on the machine: what the PnP start hands the driver and what faults reach.</summary>
/// <param name="Config">Its configuration.</param>
/// <param name="Placed">Its place on the bus and its resources.</param>
/// <param name="Actor">Its actor (frames, serial input, cables).</param>
/// <param name="Model">The model itself (register window, fault injection).</param>
public sealed record PlacedHardware(PlacedHardwareConfig Config, PlacedDevice Placed, IActorRef Actor, object Model);

/// <summary>The block controller over an in-memory image, one memory BAR on PCI (class 01, subclass 80), INTA#.</summary>
/// <param name="Name">Device name.</param>
/// <param name="Line">Interrupt line.</param>
/// <param name="Options">The controller's queue and costs.</param>
/// <param name="Sectors">Capacity in 512-byte sectors.</param>
public sealed record BlockDiskConfig(string Name, int Line, BlockControllerOptions Options, long Sectors) : PlacedHardwareConfig(Name, Line)
{
    /// <summary>The first sector of the partition a partitioned image holds.</summary>
    public const uint PartitionStart = 64;

    /// <summary>The image comes with an MBR: one partition (type 0x07, NTFS/IFS) from <see cref="PartitionStart"/> to the end, as a disk partitioned before it was installed.</summary>
    public bool Partitioned { get; init; }

    private void WriteMbr(MemoryDiskImage image)
    {
        var mbr = new byte[512];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(mbr.AsSpan(0x1B8), Name.Aggregate(0x811C_9DC5u, (h, c) => (h ^ c) * 0x0100_0193u)); // the disk signature: FNV-1a of the name, the same every run
        mbr[0x1BE + 4] = 0x07;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(mbr.AsSpan(0x1BE + 8), PartitionStart);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(mbr.AsSpan(0x1BE + 12), (uint)(Sectors - PartitionStart));
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        image.WriteSectors(0, mbr);
    }

    /// <inheritdoc />
    public override InterruptTrigger Trigger => InterruptTrigger.Level;

    /// <inheritdoc />
    public override PlacedHardware Place(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var image = new MemoryDiskImage(Sectors);
        if (Partitioned)
        {
            WriteMbr(image);
        }
        var controller = new BlockController(Options, image, machine.Hal.Platform.Memory, machine.CreateInterruptPin(Line));
        var actor = controller.Attach(machine.System, $"{machine.Options.Name}-{Name}");
        var placed = machine.Hal.Platform.PlacePciDevice(Name,
            new PciDeviceDefinition(0x1234, 0xB10C, 0x01, 0x80, 0x00, [new PciBarDefinition(PciBarKind.Memory32, controller)]), Line);
        return new PlacedHardware(this, placed, actor, controller);
    }
}

/// <summary>The 16550 at eight legacy ports from <paramref name="Port"/>, an edge-triggered ISA line.</summary>
/// <param name="Name">Device name.</param>
/// <param name="Line">Interrupt line.</param>
/// <param name="Port">First I/O port.</param>
/// <param name="Link">The uart at the other end of a null-modem cable, or null.</param>
public sealed record UartConfig(string Name, int Line, ulong Port, string? Link) : PlacedHardwareConfig(Name, Line, Link)
{
    /// <inheritdoc />
    public override InterruptTrigger Trigger => InterruptTrigger.Edge;

    /// <inheritdoc />
    public override PlacedHardware Place(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var pin = machine.CreateInterruptPin(Line);
        var name = Name;
        var (actor, uart) = Spawn(machine, Name, () => new Uart16550(pin, null, name));
        var placed = machine.Hal.Platform.PlaceLegacyDevice(Name, [(Port, (IRegisterWindow)uart)], null, Line);
        return new PlacedHardware(this, placed, actor, uart);
    }

    /// <summary>
    /// Creates an actor-model and returns it once constructed: the runtime builds an actor on its own
    /// turn, so the deterministic dispatcher is stepped (no simulated time passes) and the concurrent one waited for.
    /// </summary>
    internal static (IActorRef Actor, T Model) Spawn<T>(Machine machine, string name, Func<T> create) where T : ActorBase
    {
        T? model = null;
        using var built = new ManualResetEventSlim();
        var actor = machine.System.ActorOf(Props.Create(() =>
        {
            model = create();
            built.Set();
            return model;
        }), $"{machine.Options.Name}-{name}");
        if (machine.System.Deterministic is not null)
        {
            machine.RunFor(TimeSpan.FromTicks(1));
        }
        if (!built.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new InvalidOperationException($"the model of device {name} was not constructed");
        }
        return (actor, model!);
    }
}

/// <summary>The network adapter, one memory BAR on PCI (class 02, Ethernet), INTA#.</summary>
/// <param name="Name">Device name.</param>
/// <param name="Line">Interrupt line.</param>
/// <param name="BitsPerSecond">Link speed.</param>
/// <param name="WireLatencyNs">Propagation delay of the cable.</param>
/// <param name="Link">The nic at the other end of the cable, or null.</param>
public sealed record NicConfig(string Name, int Line, long BitsPerSecond, long WireLatencyNs, string? Link) : PlacedHardwareConfig(Name, Line, Link)
{
    /// <inheritdoc />
    public override InterruptTrigger Trigger => InterruptTrigger.Level;

    /// <summary>The adapter's MAC address: locally administered, the line in the last byte.</summary>
    public byte[] MacAddress => [0x02, 0, 0, 0, 0, (byte)Line];

    /// <inheritdoc />
    public override PlacedHardware Place(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var pin = machine.CreateInterruptPin(Line);
        IDmaMemory memory = machine.Hal.Platform.Memory;
        var mac = MacAddress;
        var (actor, nic) = UartConfig.Spawn(machine, Name, () => new NetworkAdapter(pin, memory, mac, BitsPerSecond, WireLatencyNs));
        var placed = machine.Hal.Platform.PlacePciDevice(Name,
            new PciDeviceDefinition(0x8086, 0x100E, 0x02, 0x00, 0x00, [new PciBarDefinition(PciBarKind.Memory32, nic)]), Line);
        return new PlacedHardware(this, placed, actor, nic);
    }
}
