using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.Ioctl;
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
    /// <summary>The function driver is the RAM disk: reads can be checked against writes.</summary>
    public bool IsRamDisk => Driver == IoCatalog.RamDiskDriver;

    /// <summary>The counting filters' device extensions, bottom-up.</summary>
    public List<FilterExtension> Filters { get; } = [];

    /// <summary>The AfterThought filters' device extensions (robots), bottom-up.</summary>
    public List<AfterThoughtExtension> SafetyBoxes { get; } = [];
}

internal sealed partial class IoSimulation
{
    /// <summary>
    /// Loads each driver once (DriverEntry), then per scenario device: a root-bus PDO, the function
    /// driver's AddDevice, each upper filter's AddDevice, as the PnP manager would.
    /// </summary>
    private void BuildStacks()
    {
        var bus = Load(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry, false);
        DriverObject? ramdisk = null;
        DriverObject? counting = null;
        DriverObject? robot = null;
        DriverObject? afterThought = null;
        DriverObject? leaky = null;
        foreach (var spec in _context.Scenario.Drivers)
        {
            var device = _context.Scenario.FindDevice(spec.Device!)!;
            var verify = spec.Verifier.Enabled == true;
            var pdo = RootBus.CreatePdo(bus, device.Name + "Pdo");
            var layers = new List<string> { RootBus.ImageName };
            string deviceName;
            long size = 0;
            switch (spec.Name)
            {
                case IoCatalog.RamDiskDriver:
                    // One driver object for every RAM disk (\Device\RamDiskN numbers its devices): the first RAM disk device's options.
                    ramdisk ??= Load(RamDisk.ServiceName, RamDisk.ImageName, RamDisk.DriverEntryWith(new RamDiskOptions(
                        (int)(device.Parameter(IoCatalog.SizeParameter)?.Number ?? IoCatalog.DefaultRamDiskSize),
                        device.Parameter(IoCatalog.DirectIoParameter)?.Boolean == true)), verify);
                    Expect(ramdisk.DriverExtension.AddDevice!(ramdisk, pdo), "RamDiskAddDevice");
                    var fdo = IoGetAttachedDevice(pdo);
                    deviceName = fdo.Name!;
                    size = fdo.GetExtension<RamDiskExtension>().Image.Length;
                    layers.Add(RamDisk.ImageName);
                    break;
                case IoCatalog.SioctlDriver:
                    // A legacy driver: DriverEntry makes its one control device; the PDO only stands for the scenario device.
                    Load(Sioctl.ServiceName, Sioctl.ImageName, Sioctl.DriverEntry, verify);
                    deviceName = SioctlCodes.NtDeviceName;
                    layers.Add(Sioctl.ImageName);
                    break;
                case IoCatalog.ProsewareRobotDriver:
                    robot ??= Load(ProsewareRobot.ServiceName, ProsewareRobot.ImageName, ProsewareRobot.DriverEntry, verify);
                    Expect(robot.DriverExtension.AddDevice!(robot, pdo), "RobotPortAddDevice");
                    deviceName = IoGetAttachedDevice(pdo).Name!;
                    layers.Add(ProsewareRobot.ImageName);
                    break;
                default:
                    deviceName = pdo.Name!;
                    break;
            }
            var target = new IoTarget(device, spec.Name!, deviceName, size, layers);
            // upperFilters lists the top first; AddDevice attaches each above the current top, so attach bottom first.
            foreach (var filter in spec.UpperFilters.Reverse())
            {
                if (filter == IoCatalog.AfterThoughtFilter)
                {
                    afterThought ??= Load(AfterThought.ServiceName, AfterThought.ImageName, AfterThought.DriverEntry, verify);
                    Expect(afterThought.DriverExtension.AddDevice!(afterThought, pdo), "AfterThoughtAddDevice");
                    target.SafetyBoxes.Add(IoGetAttachedDevice(pdo).GetExtension<AfterThoughtExtension>());
                    layers.Add(AfterThought.ImageName);
                    continue;
                }
                if (filter == IoCatalog.LeakyFilterName)
                {
                    leaky ??= Load(LeakyFilter.ServiceName, LeakyFilter.ImageName, LeakyFilter.DriverEntry, verify);
                    Expect(leaky.DriverExtension.AddDevice!(leaky, pdo), "LeakyAddDevice");
                    layers.Add(LeakyFilter.ImageName);
                    continue;
                }
                counting ??= Load(CountingFilter.ServiceName, CountingFilter.ImageName, CountingFilter.DriverEntry, verify);
                Expect(counting.DriverExtension.AddDevice!(counting, pdo), "FilterAddDevice");
                target.Filters.Add(IoGetAttachedDevice(pdo).GetExtension<FilterExtension>());
                layers.Add(CountingFilter.ImageName);
            }
            _targets.Add(target);
        }
    }

    private DriverObject Load(string service, string image, DriverInitialize entry, bool verify)
    {
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
