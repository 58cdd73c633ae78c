using System.Buffers.Binary;
using ActorKernel.Actors;
using ActorKernel.Benchmarks.Diagnostics;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Storage;
using ActorKernel.Drivers.Storage.Class;
using ActorKernel.Drivers.Volume;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using BenchmarkDotNet.Attributes;

namespace ActorKernel.Benchmarks.Stacks;

/// <summary>
/// Issue 19, acceptance 5 without the file system: 4 KiB random user-mode reads through the striped
/// volume → disk class (partition) → port/miniport → block controller, the stack built by the PnP
/// manager from registry entries, two disks with zero latency, 4 processors, both dispatchers. One
/// operation is one read. <c>dotnet run -c Release --project bench/Benchmarks -- --filter '*StripeRead*'</c>;
/// a smoke run: <c>... --filter '*StripeRead*' --job dry --inProcess</c>.
/// </summary>
[MemoryDiagnoser]
public class StripeReadBenchmarks
{
    /// <summary>Reads per invocation.</summary>
    public const int Requests = 10_000;

    private const int Line = 11;
    private const string Registry = """
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
        AkStripe\0000 =
        """;

    private Machine? _machine;
    private IoManager? _io;
    private ulong _seed;

    /// <summary>The dispatcher under test.</summary>
    [Params(DispatcherKind.Deterministic, DispatcherKind.Concurrent)]
    public DispatcherKind Dispatcher { get; set; }

    /// <summary>Places two controllers (each image with one partition) and lets the PnP manager build the stacks.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _machine = Machine.Create(new MachineOptions
        {
            Processors = 4,
            Seed = 1,
            ClockIntervalNs = 0,
            SystemWorkerThreads = 0,
            Dispatcher = Dispatcher,
            InterruptLines = [new InterruptLineConfig(Line, 0x7B, 8, Trigger: InterruptTrigger.Level)],
        });
        _io = new IoManager();
        _io.AttachTo(_machine);
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
            var controller = new BlockController(BlockControllerOptions.NoLatency, image, _machine.Hal.Platform.Memory, _machine.CreateInterruptPin(Line));
            controller.Attach(_machine.System, "disk" + i);
            _machine.Hal.Platform.PlacePciDevice("disk" + i, new PciDeviceDefinition(0x1234, 0xB10C, 0x01, 0x80, 0x00, [new PciBarDefinition(PciBarKind.Memory32, controller)]), Line);
        }
        _machine.Start();
        var pnp = PnpManager.Create(_machine, _io, PnpRegistry.Parse(Registry), new Dictionary<string, DriverInitialize>(StringComparer.OrdinalIgnoreCase)
        {
            [Pci.ImageName] = Pci.DriverEntry,
            [BlkMiniport.ImageName] = BlkMiniport.DriverEntry,
            [DiskClass.ImageName] = DiskClass.DriverEntry,
            [StripeVolume.ImageName] = StripeVolume.DriverEntryFor([@"\Device\Harddisk0\Partition1", @"\Device\Harddisk1\Partition1"], 64 * 1024),
        });
        pnp.RequestDeviceEnumeration();
        Wait(() => pnp.IsIdle);
    }

    /// <summary>Disposes the machine.</summary>
    [GlobalCleanup]
    public void Cleanup() => _machine?.Dispose();

    /// <summary><see cref="Requests"/> random 4 KiB reads at QD 32 from a new user process on the striped volume.</summary>
    [Benchmark(OperationsPerInvoke = Requests)]
    public void Read4KiB() => UserReadLoop.Read4KiB(_machine!, _io!, Dispatcher, "\\\\.\\StripeVolume0", Requests, ++_seed);

    private void Wait(Func<bool> done) => UserReadLoop.Wait(_machine!, Dispatcher, done);
}
