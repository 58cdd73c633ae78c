using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.Interrupts;
using ActorKernel.Drivers.Ioctl;
using ActorKernel.Drivers.Planted;
using ActorKernel.Drivers.RamDisk;
using ActorKernel.Drivers.Robot;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Host;

/// <summary>One scenario device's stack: what workloads open and what the crash report names.</summary>
/// <param name="Device">The scenario device.</param>
/// <param name="Driver">Its function driver's scenario name.</param>
/// <param name="DeviceName">The name requests open (<c>\Device\RamDisk0</c>).</param>
/// <param name="Size">The RAM disk's size (0 for other drivers).</param>
/// <param name="Layers">The stack bottom-up, as image names (<c>rootbus.sys</c>, <c>ramdisk.sys</c>, <c>cntfilt.sys</c>).</param>
internal sealed record IoTarget(DeviceSpec Device, string Driver, string DeviceName, long Size, IReadOnlyList<string> Layers)
{
    /// <summary>The function driver is a disk (the RAM disk or the block disk): reads can be checked against writes.</summary>
    public bool IsRamDisk => Driver is DriverCatalog.RamDiskDriver or HardwareCatalog.BlockStorageDriver;

    /// <summary>The function driver is the storage port over a block controller: transfers are whole sectors.</summary>
    public bool IsBlockDisk => Driver == HardwareCatalog.BlockStorageDriver;

    /// <summary>The PDO the root bus made for the device.</summary>
    public DeviceObject? Pdo { get; init; }

    /// <summary>The counting filters' device extensions, bottom-up.</summary>
    public List<FilterExtension> Filters { get; } = [];

    /// <summary>The AfterThought filters' device extensions (robots), bottom-up.</summary>
    public List<AfterThoughtExtension> SafetyBoxes { get; } = [];

    /// <summary>The interrupt-driven driver's extension, when it is the function driver.</summary>
    public InterruptEchoExtension? Echo { get; set; }
}

internal sealed partial class KernelSimulation
{
    private readonly Dictionary<string, DriverObject> _loaded = new(StringComparer.Ordinal);

    /// <summary>
    /// Per scenario device: a root-bus PDO, then each lower filter's AddDevice, the function driver's
    /// AddDevice and each upper filter's AddDevice, as the PnP manager would; each driver is loaded
    /// (DriverEntry) once, before its first AddDevice.
    /// </summary>
    private void BuildStacks()
    {
        var bus = Load(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry, false);
        var pdos = _context.Scenario.Drivers.Select(spec => RootBus.CreatePdo(bus, spec.Device + "Pdo")).ToList();
        for (var i = 0; i < _context.Scenario.Drivers.Count; i++)
        {
            var spec = _context.Scenario.Drivers[i];
            var pdo = pdos[i];
            var device = _context.Scenario.FindDevice(spec.Device!)!;
            var verify = spec.Verifier.Enabled == true;
            var layers = new List<string> { RootBus.ImageName };
            var target = new IoTarget(device, spec.Name!, pdo.Name!, 0, layers) { Pdo = pdo };
            // Filter lists name the top first; AddDevice attaches each above the current top, so attach bottom first.
            foreach (var filter in spec.LowerFilters.Reverse())
            {
                AddFilter(filter, pdo, target, layers, verify);
            }
            var function = AddFunctionDriver(spec, device, pdo, pdos, layers, verify, out var size);
            var deviceName = function is null ? pdo.Name! : function.Name ?? pdo.Name!;
            target = target with { DeviceName = deviceName, Size = size };
            if (function?.DeviceExtension is InterruptEchoExtension echo)
            {
                target.Echo = echo;
            }
            foreach (var filter in spec.UpperFilters.Reverse())
            {
                AddFilter(filter, pdo, target, layers, verify);
            }
            _targets.Add(target);
        }
    }

    /// <summary>The function driver's AddDevice (or DriverEntry for a legacy driver); returns its device object.</summary>
    private DeviceObject? AddFunctionDriver(DriverSpec spec, DeviceSpec device, DeviceObject pdo, List<DeviceObject> pdos, List<string> layers, bool verify, out long size)
    {
        size = 0;
        switch (spec.Name)
        {
            case DriverCatalog.InterruptEchoDriver:
                var echo = LoadOnce(InterruptEcho.ServiceName, InterruptEcho.ImageName, () => InterruptEcho.DriverEntryWith(EchoOptions(pdos)), verify);
                Expect(echo.DriverExtension.AddDevice!(echo, pdo), "IntEchoAddDevice");
                layers.Add(InterruptEcho.ImageName);
                return IoGetAttachedDevice(pdo);
            case DriverCatalog.RamDiskDriver:
                // One driver object for every RAM disk (\Device\RamDiskN numbers its devices): the first RAM disk device's options.
                var ramdisk = LoadOnce(RamDisk.ServiceName, RamDisk.ImageName, () => RamDisk.DriverEntryWith(new RamDiskOptions(
                    (int)(device.Parameter(DriverCatalog.SizeParameter)?.Number ?? DriverCatalog.DefaultRamDiskSize),
                    device.Parameter(DriverCatalog.DirectIoParameter)?.Boolean == true)), verify);
                Expect(ramdisk.DriverExtension.AddDevice!(ramdisk, pdo), "RamDiskAddDevice");
                var fdo = IoGetAttachedDevice(pdo);
                size = fdo.GetExtension<RamDiskExtension>().Image.Length;
                layers.Add(RamDisk.ImageName);
                return fdo;
            case DriverCatalog.SioctlDriver:
                // A legacy driver: DriverEntry makes its one control device; the PDO only stands for the scenario device.
                var sioctl = LoadOnce(Sioctl.ServiceName, Sioctl.ImageName, () => Sioctl.DriverEntry, verify);
                layers.Add(Sioctl.ImageName);
                return sioctl.DeviceObjects.FirstOrDefault(d => d.Name == SioctlCodes.NtDeviceName);
            case DriverCatalog.ProsewareRobotDriver:
                var robot = LoadOnce(ProsewareRobot.ServiceName, ProsewareRobot.ImageName, () => ProsewareRobot.DriverEntry, verify);
                Expect(robot.DriverExtension.AddDevice!(robot, pdo), "RobotPortAddDevice");
                layers.Add(ProsewareRobot.ImageName);
                return IoGetAttachedDevice(pdo);
            case HardwareCatalog.BlockStorageDriver:
                // blkmini.sys: its DriverEntry hands HwInitializationData to the storage port, which owns AddDevice.
                var blk = LoadOnce(Drivers.Storage.BlkMiniport.ServiceName, Drivers.Storage.BlkMiniport.ImageName, () => Drivers.Storage.BlkMiniport.DriverEntry, verify);
                Expect(blk.DriverExtension.AddDevice!(blk, pdo), "PortAddDevice");
                size = (long)(device.Parameter(DriverCatalog.SizeParameter)?.Number ?? 8_388_608) / HardwareCatalog.SectorSize * HardwareCatalog.SectorSize;
                layers.Add(Drivers.Storage.BlkMiniport.ImageName);
                return IoGetAttachedDevice(pdo);
            case HardwareCatalog.SerialDriver:
                var serial = LoadOnce(Drivers.Serial.Serial.ServiceName, Drivers.Serial.Serial.ImageName, () => Drivers.Serial.Serial.DriverEntry, verify);
                Expect(serial.DriverExtension.AddDevice!(serial, pdo), "SerialAddDevice");
                layers.Add(Drivers.Serial.Serial.ImageName);
                return IoGetAttachedDevice(pdo);
            case HardwareCatalog.NicDriver:
                var nic = LoadOnce(Drivers.Network.Nic.ServiceName, Drivers.Network.Nic.ImageName, () => Drivers.Network.Nic.DriverEntry, verify);
                Expect(nic.DriverExtension.AddDevice!(nic, pdo), "NicAddDevice");
                layers.Add(Drivers.Network.Nic.ImageName);
                return IoGetAttachedDevice(pdo);
            default:
                return null; // root-bus alone: the PDO is opened raw
        }
    }

    private void AddFilter(string filter, DeviceObject pdo, IoTarget target, List<string> layers, bool verify)
    {
        switch (filter)
        {
            case DriverCatalog.AfterThoughtFilter:
                var afterThought = LoadOnce(AfterThought.ServiceName, AfterThought.ImageName, () => AfterThought.DriverEntry, verify);
                Expect(afterThought.DriverExtension.AddDevice!(afterThought, pdo), "AfterThoughtAddDevice");
                target.SafetyBoxes.Add(IoGetAttachedDevice(pdo).GetExtension<AfterThoughtExtension>());
                layers.Add(AfterThought.ImageName);
                break;
            case DriverCatalog.LeakyFilterName:
                var leaky = LoadOnce(LeakyFilter.ServiceName, LeakyFilter.ImageName, () => LeakyFilter.DriverEntry, verify);
                Expect(leaky.DriverExtension.AddDevice!(leaky, pdo), "LeakyAddDevice");
                layers.Add(LeakyFilter.ImageName);
                break;
            case DriverCatalog.PlantedBugFilterName:
                var planted = LoadOnce(PlantedBug.ServiceName, PlantedBug.ImageName,
                    () => PlantedBug.DriverEntryWith(new PlantedBugOptions(DriverCatalog.PlantedBugEveryNthRead)), verify);
                Expect(planted.DriverExtension.AddDevice!(planted, pdo), "PlantAddDevice");
                layers.Add(PlantedBug.ImageName);
                break;
            default:
                var counting = LoadOnce(CountingFilter.ServiceName, CountingFilter.ImageName, () => CountingFilter.DriverEntry, verify);
                Expect(counting.DriverExtension.AddDevice!(counting, pdo), "FilterAddDevice");
                target.Filters.Add(IoGetAttachedDevice(pdo).GetExtension<FilterExtension>());
                layers.Add(CountingFilter.ImageName);
                break;
        }
    }

    /// <summary>intecho.sys's parameters: each of its devices' interrupt (what a resource arbiter assigned) and the scenario's costs.</summary>
    private InterruptEchoOptions EchoOptions(List<DeviceObject> pdos)
    {
        var resources = new List<InterruptEchoResources>();
        var spread = new List<string>();
        for (var i = 0; i < _context.Scenario.Drivers.Count; i++)
        {
            var spec = _context.Scenario.Drivers[i];
            if (spec.Name != DriverCatalog.InterruptEchoDriver || _context.Scenario.FindDevice(spec.Device!) is not { Irq: { } irq } device)
            {
                continue;
            }
            var line = Machine.GetInterruptLine(irq);
            resources.Add(new InterruptEchoResources(pdos[i].Name!, line.Vector, (Irql)line.Irql, line.Affinity));
            if (device.Parameter(KernelCatalog.SpreadDpcsParameter)?.Boolean == true)
            {
                spread.Add(pdos[i].Name!);
            }
        }
        return new InterruptEchoOptions
        {
            Resources = resources,
            SpreadDpcs = spread,
            IsrNanoseconds = _costs[KernelCatalog.IsrCost],
            DpcNanoseconds = _costs[KernelCatalog.DpcCost],
            StatisticsHoldNanoseconds = _costs[KernelCatalog.SpinLockHoldCost],
        };
    }

    /// <summary>Per processor, the deepest DPC queue any interrupt-driven device saw (null when none is loaded).</summary>
    private int[]? MaxDpcQueueDepth()
    {
        var echoes = _targets.Where(t => t.Echo is not null).Select(t => t.Echo!.MaxDpcQueueDepth).ToList();
        return echoes.Count == 0 ? null
            : [.. Enumerable.Range(0, Machine.ProcessorCount).Select(cpu => echoes.Max(e => Volatile.Read(ref e[cpu])))];
    }

    private DriverObject LoadOnce(string service, string image, Func<DriverInitialize> entry, bool verify)
    {
        if (!_loaded.TryGetValue(image, out var driver))
        {
            driver = Load(service, image, entry(), verify);
            _loaded.Add(image, driver);
        }
        return driver;
    }

    private DriverObject Load(string service, string image, DriverInitialize entry, bool verify)
    {
        Machine.Memory.VfDriverLoaded(image); // the verifier entry's load count (nothing for a driver not verified)
        var load = Io.LoadDriverAsync(service, image, entry, verify);
        if (!load.IsCompleted)
        {
            throw new InvalidOperationException($"DriverEntry of {image} did not complete at load");
        }
        var (status, driver) = load.Result;
        return status.IsSuccess() ? driver! : throw new InvalidOperationException($"loading {image} failed: {status.ToDisplayString()}");
    }

    private static void Expect(ValueTask<NtStatus> call, string routine)
    {
        if (!call.IsCompleted || !call.Result.IsSuccess())
        {
            throw new InvalidOperationException($"{routine} failed: {(call.IsCompleted ? call.Result.ToDisplayString() : "did not complete")}");
        }
    }
}
