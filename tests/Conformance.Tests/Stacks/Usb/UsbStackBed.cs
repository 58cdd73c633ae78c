using System.Buffers.Binary;
using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.Pnp;
using ActorKernel.Drivers.Storage.Class;
using ActorKernel.Drivers.Usb;
using ActorKernel.Drivers.Usb.Hub;
using ActorKernel.Drivers.Usb.Storage;
using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Conformance.Tests.Stacks.Usb;

/// <summary>
/// The USB storage path built by the PnP manager from registry entries, as on Windows: the host
/// controller on PCI (the port/miniport pair, akehci.sys over usbport), its root hub PDO
/// (USB\ROOT_HUB20: usbhub.sys), the mass-storage device on a root port (the hub's PDO,
/// USB\Class_08&amp;SubClass_06&amp;Prot_50: usbstor.sys), its LUN PDO (GenDisk: disk.sys) and the
/// disk's partition (an MBR with one partition). <see cref="Build"/> runs until the disk is started.
/// </summary>
internal sealed class UsbStackBed : IDisposable
{
    /// <summary>Sectors of the USB disk (4 MiB).</summary>
    public const long DiskSectors = 8192;

    /// <summary>Partition 1's first sector.</summary>
    public const uint PartitionStart = 64;

    /// <summary>Partition 1's length in sectors.</summary>
    public const uint PartitionSectors = 4096;

    /// <summary>The root port the disk is on.</summary>
    public const int DiskPort = 1;

    /// <summary>The USB device's instance path: the hub's standard IDs, hub 0, port 1.</summary>
    public const string DeviceInstance = @"USB\VID_1234&PID_B55B\0&0&1";

    /// <summary>The registry: pci, the host controller's miniport, usbhub on the root hub, usbstor on mass storage, disk.sys on GenDisk.</summary>
    public const string Registry = """
        [Services]
        pci = pci.sys
        AkEhci = akehci.sys
        usbhub = usbhub.sys
        USBSTOR = usbstor.sys
        disk = disk.sys

        [Drivers]
        *PNP0A03 = pci, System
        PCI\VEN_1234&DEV_EC00 = AkEhci, USB
        USB\ROOT_HUB20 = usbhub, USB
        USB\Class_08&SubClass_06&Prot_50 = USBSTOR, USB
        GenDisk = disk, DiskDrive

        [Root]
        *PNP0A03\0000 =
        """;

    public UsbStackBed(int processors = 1, DispatcherKind dispatcher = DispatcherKind.Deterministic, long commandLatencyNs = 0, bool attach = true)
    {
        Pnp = new PnpBed(processors, dispatcher, systemWorkerThreads: 2);
        Pnp.AddImage(AkEhci.ImageName, AkEhci.DriverEntry);
        Pnp.AddImage(UsbHub.ImageName, UsbHub.DriverEntry);
        Pnp.AddImage(UsbStor.ImageName, UsbStor.DriverEntry);
        Pnp.AddImage(DiskClass.ImageName, DiskClass.DriverEntry);
        Image = new MemoryDiskImage(DiskSectors);
        WriteMbr(Image);
        Device = new UsbMassStorageDevice(Image, commandLatencyNs);
        Controller = new UsbHostController(UsbHostControllerOptions.NoLatency, Machine.Hal.Platform.Memory, Machine.CreateInterruptPin(PnpBed.PciLine));
        Controller.Attach(Machine.System, "usb0");
        Machine.Hal.Platform.PlacePciDevice("usb0", new PciDeviceDefinition(AkEhci.VendorId, AkEhci.DeviceId, 0x0C, 0x03, 0x20,
            [new PciBarDefinition(PciBarKind.Memory32, Controller)]), PnpBed.PciLine);
        if (attach)
        {
            Controller.AttachDevice(DiskPort, Device);
        }
        Pnp.Enumerate(Registry);
        if (attach)
        {
            WaitForDisk();
        }
    }

    public PnpBed Pnp { get; }

    public Machine Machine => Pnp.Machine;

    public MemoryDiskImage Image { get; }

    public UsbMassStorageDevice Device { get; }

    public UsbHostController Controller { get; }

    /// <summary>Runs until the disk on the USB device's LUN is started (the hub found the device after its port reset).</summary>
    public void WaitForDisk() => Pnp.RunUntil(() => Pnp.Pnp.IsIdle && DiskNode() is { State: DeviceNodeState.Started });

    /// <summary>The USB device's node (the hub's PDO), or null.</summary>
    public DeviceNode? UsbDeviceNode() => Pnp.Pnp.FindDeviceNode(DeviceInstance);

    /// <summary>The LUN's node (usbstor's PDO with disk.sys on it), or null.</summary>
    public DeviceNode? DiskNode() => UsbDeviceNode()?.Children.FirstOrDefault();

    /// <summary>The host controller's node (the PCI PDO).</summary>
    public DeviceNode ControllerNode() => Pnp.Pnp.RootDeviceNode.Children.SelectMany(n => n.Children)
        .First(n => n.HardwareIds.Any(id => id.StartsWith(AkEhci.PciHardwareId, StringComparison.OrdinalIgnoreCase)));

    /// <summary>An MBR with the signature and partition 1 (type 0x07) at <see cref="PartitionStart"/>.</summary>
    private static void WriteMbr(MemoryDiskImage image)
    {
        var mbr = new byte[512];
        BinaryPrimitives.WriteUInt32LittleEndian(mbr.AsSpan(0x1B8), 0x05B0_0001);
        var entry = mbr.AsSpan(0x1BE, 16);
        entry[4] = 0x07;
        BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], PartitionStart);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], PartitionSectors);
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        image.WriteSectors(0, mbr);
    }

    /// <summary>A node's device stack, bottom first, as "image" (the image of each device object's driver).</summary>
    public static List<string> Stack(DeviceNode node)
    {
        var stack = new List<string>();
        for (DeviceObject? d = node.PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
        {
            stack.Add(d.DriverObject.ImageName);
        }
        return stack;
    }

    /// <summary>Runs <paramref name="body"/> in a user thread of a new process until it returns.</summary>
    public void RunUser(Func<UserProcess, ValueTask> body)
    {
        var process = UserProcess.Create(Machine, Pnp.Io, "usbuser.exe");
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
