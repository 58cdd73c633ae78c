using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Ndis;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Kernel32;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.Stacks.Ndis;

/// <summary>
/// A machine whose PnP manager builds the network stack from the registry: pci.sys on the host
/// bridge, then akndis.sys (the NDIS miniport) on each e1000-style adapter it finds, INTA# of every
/// adapter on one shared level-triggered line. Several machines can share one actor system (one
/// dispatcher and clock), so a cable can join adapters of two machines. A user process (ndisprot.exe)
/// sends and receives frames through the miniport's device.
/// </summary>
internal sealed class NdisMachine : IDisposable
{
    public const int PciLine = 11;

    public const string Registry = """
        [Services]
        pci    = pci.sys
        AkNdis = akndis.sys

        [Drivers]
        *PNP0A03              = pci, System
        PCI\VEN_8086&DEV_100E = AkNdis, Net

        [Root]
        *PNP0A03\0000 =
        """;

    private readonly IActorRef[] _adapterRefs;

    public NdisMachine(string name, ulong seed, int adapters, byte macBase, ActorSystem? system = null, DispatcherKind dispatcher = DispatcherKind.Deterministic)
    {
        var options = new MachineOptions
        {
            Name = name,
            Processors = 2,
            Dispatcher = dispatcher,
            Seed = seed,
            ClockIntervalNs = 1_000_000,
            SystemWorkerThreads = 0,
            InterruptLines = [new InterruptLineConfig(PciLine, 0x7B, 8, Trigger: InterruptTrigger.Level)],
            Memory = new MemoryManagerOptions { PhysicalMemoryBytes = 32UL << 20, NonPagedPoolBytes = 8UL << 20, PagedPoolBytes = 4UL << 20, PageFileBytes = 16UL << 20 },
        };
        Machine = system is null ? Machine.Create(options) : Machine.Create(options, system);
        Io = new IoMgr();
        Io.AttachTo(Machine);
        Machine.Start();
        var models = new NetworkAdapter?[adapters];
        _adapterRefs = new IActorRef[adapters];
        for (var i = 0; i < adapters; i++)
        {
            var index = i;
            var pin = Machine.CreateInterruptPin(PciLine);
            IDmaMemory memory = Machine.Hal.Platform.Memory;
            byte[] mac = [0x02, 0, 0, 0, macBase, (byte)index];
            _adapterRefs[i] = Machine.System.ActorOf(Props.Create(() => models[index] = new NetworkAdapter(pin, memory, mac)), $"{name}-nic{i}");
            RunUntil(() => Volatile.Read(ref models[index]) is not null); // the runtime builds an actor on its own turn
            Machine.Hal.Platform.PlacePciDevice($"nic{i}", new PciDeviceDefinition(0x8086, 0x100E, 0x02, 0x00, 0x00, [new PciBarDefinition(PciBarKind.Memory32, models[i]!)]), PciLine);
        }
        Adapters = [.. models.Select(m => m!)];
        Process = UserProcess.Create(Machine, Io, "ndisprot.exe");
    }

    public Machine Machine { get; }

    public IoMgr Io { get; }

    public PnpManager Pnp { get; private set; } = null!;

    public NetworkAdapter[] Adapters { get; }

    public IActorRef AdapterRef(int index) => _adapterRefs[index];

    public UserProcess Process { get; }

    /// <summary>The PnP manager over <see cref="Registry"/>: the whole tree enumerated and started.</summary>
    public void Enumerate()
    {
        Pnp = PnpManager.Create(Machine, Io, PnpRegistry.Parse(Registry), new Dictionary<string, DriverInitialize>(StringComparer.OrdinalIgnoreCase)
        {
            [Pci.ImageName] = Pci.DriverEntry,
            [AkNdis.ImageName] = AkNdis.DriverEntry,
        });
        Pnp.RequestDeviceEnumeration();
        RunUntil(() => Pnp.IsIdle);
    }

    /// <summary>The device node of the adapter in PCI slot <paramref name="slot"/>.</summary>
    public DeviceNode AdapterNode(int slot) =>
        Pnp.FindDeviceNode($@"PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\{slot << 3:X2}") ?? throw new Xunit.Sdk.XunitException(Pnp.DumpDeviceTree());

    /// <summary>The NDIS_MINIPORT_BLOCK of the adapter in slot <paramref name="slot"/>.</summary>
    public NdisMiniportBlock Block(int slot) => AdapterNode(slot).PhysicalDeviceObject.AttachedDevice!.GetExtension<NdisMiniportBlock>();

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

    /// <summary>Starts <paramref name="main"/> as a thread of ndisprot.exe; <paramref name="done"/> is set when it returns.</summary>
    public void Start(Func<ValueTask> main, StrongBox<bool> done) =>
        Process.CreateThread(0, "main", async () =>
        {
            await main();
            Volatile.Write(ref done.Value, true);
        });

    /// <summary>Opens \\.\AkNdisN.</summary>
    public static async ValueTask<Handle> Open(int number)
    {
        var handle = await CreateFile($@"\\.\AkNdis{number}", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
        Assert.True(handle.IsValid, $"AkNdis{number} opens");
        return handle;
    }

    /// <summary>An Ethernet frame from <paramref name="source"/> to <paramref name="destination"/> with a payload numbered <paramref name="sequence"/>.</summary>
    public static byte[] Frame(byte[] destination, byte[] source, int sequence, int payload = 100)
    {
        var frame = new byte[14 + payload];
        destination.CopyTo(frame, 0);
        source.CopyTo(frame, 6);
        frame[12] = 0x88;
        frame[13] = 0xB5; // IEEE 802 local experimental EtherType
        for (var i = 0; i < payload; i++)
        {
            frame[14 + i] = (byte)(sequence * 31 + i);
        }
        return frame;
    }

    public void Dispose() => Machine.Dispose();
}
