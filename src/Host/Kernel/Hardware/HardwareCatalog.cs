using ActorKernel.Actors;
using ActorKernel.Hardware;
using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host;

/// <summary>
/// The bus-placed hardware models a scenario may name (<c>block-disk</c>, <c>uart</c>, <c>nic</c>) and
/// the drivers that serve them (<c>block-storage</c>: the storage port with blkmini.sys; <c>serial</c>:
/// serial.sys; <c>aknic</c>: aknic.sys). Each model is one catalog entry whose
/// <see cref="DeviceTypeDescriptor.Hardware"/> builder returns a <see cref="PlacedHardwareConfig"/>:
/// the runner's build step wires its line and places it on the PCI bus or at its legacy ports.
/// </summary>
public static class HardwareCatalog
{
    /// <summary>The block storage controller (<see cref="BlockController"/>) on PCI.</summary>
    public const string BlockDiskType = "block-disk";

    /// <summary>Device parameter (block-disk): the image comes partitioned (an MBR with one partition).</summary>
    public const string PartitionParameter = "partition";

    /// <summary>The 16550 UART (<see cref="Uart16550"/>), a legacy COM port.</summary>
    public const string UartType = "uart";

    /// <summary>The network adapter (<see cref="NetworkAdapter"/>) on PCI.</summary>
    public const string NicType = "nic";

    /// <summary>The storage port driver with the controller's miniport (blkmini.sys).</summary>
    public const string BlockStorageDriver = "block-storage";

    /// <summary>The 16550 driver (serial.sys).</summary>
    public const string SerialDriver = "serial";

    /// <summary>The network adapter driver (aknic.sys).</summary>
    public const string NicDriver = "aknic";

    /// <summary>Device parameter (nic, uart): the name of the device at the other end of the cable.</summary>
    public const string LinkParameter = "link";

    /// <summary>The controller's sector size: workloads on a block disk move whole sectors.</summary>
    public const int SectorSize = 512;

    /// <summary>The largest transfer the storage port takes (the miniport's 16 pages; it does not split).</summary>
    public const int MaxDiskTransfer = 16 * 4096;

    /// <summary>The largest frame aknic.sys carries (an Ethernet frame without FCS).</summary>
    public const int MaxFrame = 1514;

    /// <summary>The smallest frame (an Ethernet header).</summary>
    public const int MinFrame = 14;

    private static readonly ParameterDescriptor[] Line =
    [
        new(KernelCatalog.IrqlParameter, ParameterKind.Integer, "the line's DIRQL (device IRQLs are 3..12)", "5", 3, 12),
        new(KernelCatalog.AffinityParameter, ParameterKind.Integer, "processors that may take the interrupt, a bit mask (0: all)", "0", 0, 9.2233720368547758E18),
    ];

    /// <summary>Registers the three models and their drivers.</summary>
    public static IServiceCollection AddHardwareModels(this IServiceCollection services)
    {
        services.AddDeviceType(new DeviceTypeDescriptor(BlockDiskType,
            "bus-master block controller on PCI (level-triggered INTA#): command ring, seek/transfer costs, scatter/gather DMA; served by block-storage (\\\\.\\BlkDisk0)", 1, 23,
            [
                new ParameterDescriptor("size", ParameterKind.Integer, "the disk's size in bytes (whole sectors of 512)", "8388608", 4096, 1L << 40),
                new ParameterDescriptor("latency", ParameterKind.Duration, "fixed cost of every command (fetch, decode, completion)", "10us", 0, 1_000_000_000),
                new ParameterDescriptor("seek", ParameterKind.Duration, "cost of a media access that does not start where the last one ended", "100us", 0, 1_000_000_000),
                new ParameterDescriptor("transfer", ParameterKind.Duration, "media transfer cost per sector", "1us", 0, 1_000_000_000),
                new ParameterDescriptor("queueDepth", ParameterKind.Integer, "the largest queue depth the controller advertises (CAP)", "256", 2, 65535),
                new ParameterDescriptor("writeCache", ParameterKind.Boolean, "write-back cache on at reset (CONTROL.WCE)", "false"),
                new ParameterDescriptor(PartitionParameter, ParameterKind.Boolean, "the disk comes with an MBR and one partition (type 0x07) from sector 64 to its end: disk.sys reports \\Device\\HarddiskN\\Partition1", "false"),
                .. Line,
            ])
        {
            Hardware = d => new BlockDiskConfig(d.Name!, d.Irq!.Value, new BlockControllerOptions
            {
                CommandOverheadNs = Ns(d, "latency", 10_000),
                SeekNs = Ns(d, "seek", 100_000),
                SectorTransferNs = Ns(d, "transfer", 1_000),
                MaxQueueDepth = (int)(d.Parameter("queueDepth")?.Number ?? 256),
                WriteCacheEnabled = d.Parameter("writeCache")?.Boolean == true,
            }, (long)(d.Parameter("size")?.Number ?? 8_388_608) / SectorSize) { Partitioned = d.Parameter(PartitionParameter)?.Boolean == true },
        });
        services.AddDeviceType(new DeviceTypeDescriptor(UartType,
            "16550 UART at legacy ports (an ISA, edge-triggered line): FIFOs, RX/TX/line-status interrupts; served by serial (\\\\.\\COMn); link: a null-modem cable to another uart", 1, 23,
            [
                new ParameterDescriptor("port", ParameterKind.Integer, "the first of its 8 I/O ports (COM1: 1016 = 0x3F8)", "1016", 256, 65528),
                new ParameterDescriptor(LinkParameter, ParameterKind.String, "the uart at the other end of a null-modem cable", ""),
                .. Line,
            ])
        {
            Hardware = d => new UartConfig(d.Name!, d.Irq!.Value, (ulong)(d.Parameter("port")?.Number ?? 0x3F8), Link(d)),
        });
        services.AddDeviceType(new DeviceTypeDescriptor(NicType,
            "bus-master network adapter on PCI (level-triggered INTA#): RX/TX descriptor rings, interrupt moderation; served by aknic (\\\\.\\NicN); link: the cable to another nic", 1, 23,
            [
                new ParameterDescriptor("bitsPerSecond", ParameterKind.Integer, "link speed", "1000000000", 1_000_000, 100_000_000_000),
                new ParameterDescriptor("wireLatency", ParameterKind.Duration, "propagation delay of the cable", "500ns", 0, 1_000_000_000),
                new ParameterDescriptor(LinkParameter, ParameterKind.String, "the nic at the other end of the cable", ""),
                .. Line,
            ])
        {
            Hardware = d => new NicConfig(d.Name!, d.Irq!.Value, (long)(d.Parameter("bitsPerSecond")?.Number ?? 1e9), Ns(d, "wireLatency", 500), Link(d)),
        });
        services.AddDriver(new DriverDescriptor(BlockStorageDriver,
            "storage port with the block controller's miniport (blkmini.sys): StartIo, scatter/gather DMA, ISR at DIRQL, completion DPC; \\Device\\BlkDiskN", [BlockDiskType]));
        services.AddDriver(new DriverDescriptor(SerialDriver,
            "serial.sys: the 16550's driver, ring buffer filled by its ISR, serial timeouts, IOCTL_SERIAL_*; \\Device\\SerialN (\\\\.\\COMn)", [UartType]));
        services.AddDriver(new DriverDescriptor(NicDriver,
            "aknic.sys: the network adapter's driver, a write sends a frame and a read receives one, by DMA through its rings; \\Device\\NicN", [NicType]));
        services.AddFileSystemStack(); // FileSystemCatalog.cs: the striped volume and akfs (issue 19)
        return services;
    }

    private static string? Link(DeviceSpec d) => d.Parameter(LinkParameter)?.Text is { Length: > 0 } link ? link : null;

    private static long Ns(DeviceSpec d, string name, long fallback) =>
        d.Parameter(name) is { } p && Duration.TryParseNanoseconds(p.Text, out var ns) ? ns : fallback;
}
