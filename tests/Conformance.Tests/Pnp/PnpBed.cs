using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.Hardware;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Network;
using ActorKernel.Drivers.Serial;
using ActorKernel.Drivers.Storage;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>
/// A machine the PnP manager builds: hardware placed as firmware leaves it (16550s at legacy ports on
/// ISA lines 3 and 4, a block controller and a NIC on PCI sharing line 11), a registry in the scenario
/// format, and the driver images on "disk" (pci.sys, serial.sys, blkmini.sys, aknic.sys and the test
/// drivers). <see cref="Enumerate"/> starts the machine and lets the PnP manager enumerate the tree.
/// </summary>
internal sealed class PnpBed : IDisposable
{
    public const int Com1Line = 4;
    public const int Com2Line = 3;
    public const int PciLine = 11;

    /// <summary>The registry every test starts from: the PCI host bridge and the drivers of the sample hardware.</summary>
    public const string BaseRegistry = """
        [Services]
        pci = pci.sys
        Serial = serial.sys
        BlkMini = blkmini.sys
        AkNic = aknic.sys

        [Drivers]
        *PNP0A03 = pci, System
        *PNP0501 = Serial, Ports
        PCI\VEN_1234&DEV_B10C = BlkMini, SCSIAdapter
        PCI\VEN_8086&DEV_100E = AkNic, Net

        [Root]
        *PNP0A03\0000 =
        """;

    private readonly Dictionary<string, DriverInitialize> _images = new(StringComparer.OrdinalIgnoreCase)
    {
        [Pci.ImageName] = Pci.DriverEntry,
        [Drivers.Serial.Serial.ImageName] = Drivers.Serial.Serial.DriverEntry,
        [BlkMiniport.ImageName] = BlkMiniport.DriverEntry,
        [Nic.ImageName] = Nic.DriverEntry,
    };

    public PnpBed(int processors = 1, DispatcherKind dispatcher = DispatcherKind.Deterministic, int systemWorkerThreads = 0)
    {
        Machine = Machine.Create(new MachineOptions
        {
            Processors = processors,
            Dispatcher = dispatcher,
            Seed = 15,
            ClockIntervalNs = 1_000_000,
            SystemWorkerThreads = systemWorkerThreads, // a bus driver that works in work items (usbhub, usbstor) needs them
            InterruptLines =
            [
                new InterruptLineConfig(Com2Line, 0x53, 4),
                new InterruptLineConfig(Com1Line, 0x54, 5),
                new InterruptLineConfig(PciLine, 0x7B, 8, Trigger: InterruptTrigger.Level),
            ],
            Memory = new MemoryManagerOptions { PhysicalMemoryBytes = 32UL << 20, NonPagedPoolBytes = 8UL << 20, PagedPoolBytes = 4UL << 20, PageFileBytes = 16UL << 20 },
        });
        Io = new IoMgr();
        Io.AttachTo(Machine);
        Machine.Start();
    }

    public Machine Machine { get; }

    public IoMgr Io { get; }

    public PnpManager Pnp { get; private set; } = null!;

    /// <summary>The journal the test filter and function drivers write to.</summary>
    public List<string> Journal { get; } = [];

    /// <summary>Puts a driver image on "disk".</summary>
    public void AddImage(string image, DriverInitialize entry) => _images[image] = entry;

    /// <summary>A 16550 at <paramref name="port"/> on ISA line <paramref name="line"/> (edge-triggered, exclusive).</summary>
    public Uart16550 PlaceUart(string name, ulong port, int line)
    {
        var pin = Machine.CreateInterruptPin(line);
        var uart = Spawn(name, () => new Uart16550(pin, null, name));
        Machine.Hal.Platform.PlaceLegacyDevice(name, [(port, (IRegisterWindow)uart)], null, line);
        return uart;
    }

    /// <summary>A legacy device that is only a window of plain registers (a card no driver can run).</summary>
    public void PlaceRegisters(string name, ulong port, int ports, int line) =>
        Machine.Hal.Platform.PlaceLegacyDevice(name, [(port, (IRegisterWindow)new TestRegisters(ports))], null, line);

    /// <summary>The block controller on PCI, INTA# routed to <see cref="PciLine"/>.</summary>
    public BlockController PlaceBlockDisk(string name, long sectors = 2048)
    {
        var controller = new BlockController(BlockControllerOptions.NoLatency, new MemoryDiskImage(sectors), Machine.Hal.Platform.Memory, Machine.CreateInterruptPin(PciLine));
        controller.Attach(Machine.System, name);
        Machine.Hal.Platform.PlacePciDevice(name, new PciDeviceDefinition(0x1234, 0xB10C, 0x01, 0x80, 0x00, [new PciBarDefinition(PciBarKind.Memory32, controller)]), PciLine);
        return controller;
    }

    /// <summary>The network adapter on PCI, INTA# routed to <see cref="PciLine"/> (shared with the disk).</summary>
    public NetworkAdapter PlaceNic(string name)
    {
        var pin = Machine.CreateInterruptPin(PciLine);
        IDmaMemory memory = Machine.Hal.Platform.Memory;
        var nic = Spawn(name, () => new NetworkAdapter(pin, memory, [0x02, 0, 0, 0, 0, 0x0B]));
        Machine.Hal.Platform.PlacePciDevice(name, new PciDeviceDefinition(0x8086, 0x100E, 0x02, 0x00, 0x00, [new PciBarDefinition(PciBarKind.Memory32, nic)]), PciLine);
        return nic;
    }

    /// <summary>Creates the PnP manager over <paramref name="registry"/> and runs the enumeration of the whole tree until it settles.</summary>
    public PnpManager Enumerate(string registry)
    {
        Pnp = PnpManager.Create(Machine, Io, PnpRegistry.Parse(registry), _images);
        Pnp.RequestDeviceEnumeration();
        RunUntil(() => Pnp.IsIdle);
        return Pnp;
    }

    /// <summary>
    /// Runs until <paramref name="condition"/> holds: at most 10 s of virtual time on the deterministic
    /// dispatcher, a bounded wall-clock wait on the concurrent one; a bugcheck fails the test.
    /// </summary>
    public void RunUntil(Func<bool> condition)
    {
        if (Machine.System.Deterministic is not null)
        {
            Assert.True(Machine.RunUntil(() => condition() || Machine.IsBugChecked, TimeSpan.FromSeconds(10)), "the run reached its end");
        }
        else
        {
            var until = DateTime.UtcNow.AddSeconds(60);
            while (!condition() && !Machine.IsBugChecked && DateTime.UtcNow < until)
            {
                Thread.Sleep(2);
            }
            Assert.True(condition() || Machine.IsBugChecked, "the condition held within the wait");
        }
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
    }

    public DeviceNode Node(string instancePath) => Pnp.FindDeviceNode(instancePath) ?? throw new Xunit.Sdk.XunitException($"no device node {instancePath}:\n{Pnp.DumpDeviceTree()}");

    /// <summary>The PnP manager's steps for one node (IRPs, DriverEntry, AddDevice), in order.</summary>
    public List<string> Steps(DeviceNode node) => [.. Pnp.Log.Where(e => e.Node == node).Select(e => e.What)];

    public void Dispose() => Machine.Dispose();

    private T Spawn<T>(string name, Func<T> create) where T : ActorBase
    {
        T? model = null;
        Machine.System.ActorOf(Props.Create(() => model = create()), name);
        RunUntil(() => Volatile.Read(ref model) is not null); // the runtime builds an actor on its own turn
        return model!;
    }
}
