using System.Buffers.Binary;
using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.Pnp;
using ActorKernel.Drivers.Storage.Class;
using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Conformance.Tests.Stacks;

/// <summary>
/// The layered storage stack built by the PnP manager from registry entries: block controllers on
/// PCI (each image with an MBR and one partition), the port/miniport on each, the disk class driver
/// on each LUN (GenDisk), the partitions as raw PDOs, and optionally the striping volume (a root
/// device). <see cref="StorageStackBed.Build"/> enumerates the tree until the PnP manager is idle.
/// </summary>
internal sealed class StorageStackBed : IDisposable
{
    /// <summary>Sectors per disk (4 MiB).</summary>
    public const long DiskSectors = 8192;

    /// <summary>Partition 1's first sector.</summary>
    public const uint PartitionStart = 64;

    /// <summary>Partition 1's length in sectors.</summary>
    public const uint PartitionSectors = 4096;

    /// <summary>The registry: pci, the miniport, disk.sys (GenDisk, class DiskDrive), the stripe set (a root device, class Volume).</summary>
    public const string Registry = """
        [Services]
        pci = pci.sys
        BlkMini = blkmini.sys
        disk = disk.sys
        stripe = stripe.sys

        [Drivers]
        *PNP0A03 = pci, System
        PCI\VEN_1234&DEV_B10C = BlkMini, SCSIAdapter
        GenDisk = disk, DiskDrive
        AkStripe = stripe, Volume

        [Root]
        *PNP0A03\0000 =
        """;

    public StorageStackBed(int disks = 1, bool stripe = false, int processors = 1, DispatcherKind dispatcher = DispatcherKind.Deterministic,
        Drivers.FileSystem.AkfsOptions? fileSystem = null)
    {
        Pnp = new PnpBed(processors, dispatcher);
        Pnp.AddImage(DiskClass.ImageName, DiskClass.DriverEntry);
        Pnp.AddImage(Drivers.Volume.StripeVolume.ImageName, Drivers.Volume.StripeVolume.DriverEntryFor(
            [@"\Device\Harddisk0\Partition1", @"\Device\Harddisk1\Partition1"], StripeSize));
        for (var i = 0; i < disks; i++)
        {
            Images.Add(new MemoryDiskImage(DiskSectors));
            WriteMbr(Images[i], 0x1000_0000u + (uint)i);
            var controller = new BlockController(BlockControllerOptions.NoLatency, Images[i], Machine.Hal.Platform.Memory, Machine.CreateInterruptPin(PnpBed.PciLine));
            controller.Attach(Machine.System, "disk" + i);
            Machine.Hal.Platform.PlacePciDevice("disk" + i, new PciDeviceDefinition(0x1234, 0xB10C, 0x01, 0x80, 0x00, [new PciBarDefinition(PciBarKind.Memory32, controller)]), PnpBed.PciLine);
            Controllers.Add(controller);
        }
        var registry = stripe ? Registry + "\nAkStripe\\0000 =\n" : Registry;
        if (fileSystem is not null)
        {
            // akfs.sys: a system-start service that registers its CDO (IoRegisterFileSystem) once the tree is built.
            Pnp.AddImage(Drivers.FileSystem.Akfs.ImageName, Drivers.FileSystem.Akfs.DriverEntryWith(fileSystem));
            registry = registry.Replace("stripe = stripe.sys\n", "stripe = stripe.sys\nakfs = akfs.sys, 1\n", StringComparison.Ordinal);
        }
        Pnp.Enumerate(registry);
        if (fileSystem is not null)
        {
            Pnp.Pnp.RequestSystemStartDrivers();
            Pnp.RunUntil(() => Pnp.Pnp.IsIdle);
        }
    }

    /// <summary>The stripe size of the volume (64 KiB, NT's default for striped volumes).</summary>
    public const uint StripeSize = 64 * 1024;

    public PnpBed Pnp { get; }

    public Machine Machine => Pnp.Machine;

    public List<MemoryDiskImage> Images { get; } = [];

    public List<BlockController> Controllers { get; } = [];

    /// <summary>An MBR with the signature, the disk signature and partition 1 (type 0x07) at <see cref="PartitionStart"/>.</summary>
    private static void WriteMbr(MemoryDiskImage image, uint signature)
    {
        var mbr = new byte[512];
        BinaryPrimitives.WriteUInt32LittleEndian(mbr.AsSpan(0x1B8), signature);
        var entry = mbr.AsSpan(0x1BE, 16);
        entry[4] = 0x07;
        BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], PartitionStart);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], PartitionSectors);
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        image.WriteSectors(0, mbr);
    }

    /// <summary>The device stack on a node's PDO, bottom first, as "driver:device" (device "-" when unnamed).</summary>
    public static List<string> Stack(DeviceNode node)
    {
        var stack = new List<string>();
        for (DeviceObject? d = node.PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
        {
            stack.Add(d.DriverObject.Name + ":" + (d.DeviceExtension is DiskCommonExtension or Drivers.Volume.StripeExtension ? d.Name : "-"));
        }
        return stack;
    }

    /// <summary>Runs <paramref name="body"/> in a user thread of a new process until it returns.</summary>
    public void RunUser(Func<UserProcess, ValueTask> body)
    {
        var process = UserProcess.Create(Machine, Pnp.Io, "stackuser.exe");
        var done = false;
        process.CreateThread(0, "main", async () =>
        {
            await body(process);
            done = true;
        });
        Pnp.RunUntil(() => done);
    }

    public void Dispose() => Pnp.Dispose();
}
