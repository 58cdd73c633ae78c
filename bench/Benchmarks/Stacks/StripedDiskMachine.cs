using System.Buffers.Binary;
using ActorKernel.Actors;
using ActorKernel.Benchmarks.Diagnostics;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Storage;
using ActorKernel.Drivers.Storage.Class;
using ActorKernel.Drivers.Volume;
using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Benchmarks.Stacks;

/// <summary>
/// The machine the stripe and file-system read benchmarks share: 4 processors, two zero-latency PCI
/// block controllers whose images each hold an MBR with one partition, and the PnP manager building
/// pci.sys, the port/miniport, disk.sys and the striped volume over both partitions from registry
/// entries (plus whatever services the caller adds, such as a file system).
/// </summary>
internal static class StripedDiskMachine
{
    private const int Line = 11;
    private const string Registry = """
        [Services]
        pci = pci.sys
        BlkMini = blkmini.sys
        disk = disk.sys
        stripe = stripe.sys
        {0}
        [Drivers]
        *PNP0A03 = pci, System
        PCI\VEN_1234&DEV_B10C = BlkMini, SCSIAdapter
        GenDisk = disk, DiskDrive
        AkStripe = stripe, Volume

        [Root]
        *PNP0A03\0000 =
        AkStripe\0000 =
        """;

    /// <summary>Builds and starts the machine and waits until the PnP manager is idle.</summary>
    /// <param name="dispatcher">The dispatcher.</param>
    /// <param name="services">More [Services] lines (e.g. a file system started at system start), or empty.</param>
    /// <param name="images">Their images' entry points.</param>
    /// <returns>The machine and its I/O manager.</returns>
    public static (Machine Machine, IoManager Io) Create(DispatcherKind dispatcher, string services, IReadOnlyDictionary<string, DriverInitialize> images)
    {
        var machine = Machine.Create(new MachineOptions
        {
            Processors = 4,
            Seed = 1,
            ClockIntervalNs = 0,
            SystemWorkerThreads = 0,
            Dispatcher = dispatcher,
            InterruptLines = [new InterruptLineConfig(Line, 0x7B, 8, Trigger: InterruptTrigger.Level)],
        });
        var io = new IoManager();
        io.AttachTo(machine);
        for (var i = 0; i < 2; i++)
        {
            var image = new MemoryDiskImage(16 << 11);
            var mbr = new byte[512];
            mbr[0x1BE + 4] = 0x07;
            BinaryPrimitives.WriteUInt32LittleEndian(mbr.AsSpan(0x1BE + 8), 2048);
            BinaryPrimitives.WriteUInt32LittleEndian(mbr.AsSpan(0x1BE + 12), (16 << 11) - 2048);
            mbr[510] = 0x55;
            mbr[511] = 0xAA;
            image.WriteSectors(0, mbr);
            var controller = new BlockController(BlockControllerOptions.NoLatency, image, machine.Hal.Platform.Memory, machine.CreateInterruptPin(Line));
            controller.Attach(machine.System, "disk" + i);
            machine.Hal.Platform.PlacePciDevice("disk" + i, new PciDeviceDefinition(0x1234, 0xB10C, 0x01, 0x80, 0x00, [new PciBarDefinition(PciBarKind.Memory32, controller)]), Line);
        }
        machine.Start();
        var entries = new Dictionary<string, DriverInitialize>(StringComparer.OrdinalIgnoreCase)
        {
            [Pci.ImageName] = Pci.DriverEntry,
            [BlkMiniport.ImageName] = BlkMiniport.DriverEntry,
            [DiskClass.ImageName] = DiskClass.DriverEntry,
            [StripeVolume.ImageName] = StripeVolume.DriverEntryFor([@"\Device\Harddisk0\Partition1", @"\Device\Harddisk1\Partition1"], 64 * 1024),
        };
        foreach (var (name, entry) in images)
        {
            entries[name] = entry;
        }
        var pnp = PnpManager.Create(machine, io, PnpRegistry.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, Registry, services)), entries);
        pnp.RequestDeviceEnumeration();
        if (images.Count > 0)
        {
            pnp.RequestSystemStartDrivers();
        }
        UserReadLoop.Wait(machine, dispatcher, () => pnp.IsIdle);
        return (machine, io);
    }
}
