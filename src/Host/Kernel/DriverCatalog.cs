using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host;

/// <summary>
/// The sample drivers of src/Drivers under the names scenarios use, and the <c>root-device</c> device
/// type (a PDO the root bus enumerates, with no hardware below it).
/// </summary>
public static class DriverCatalog
{
    /// <summary>The interrupt-driven echo driver (intecho.sys): StartIo, an ISR and a DPC that completes.</summary>
    public const string InterruptEchoDriver = "interrupt-echo";

    /// <summary>The planted-bug upper filter (plantflt.sys): touches paged pool in a completion routine at DISPATCH_LEVEL.</summary>
    public const string PlantedBugFilterName = "planted-bug";

    /// <summary>How often plantflt.sys takes its buggy path (every Nth read).</summary>
    public const int PlantedBugEveryNthRead = 1_000;

    /// <summary>A device the root bus enumerates (a PDO); a function driver and filters stack above it.</summary>
    public const string RootDeviceType = "root-device";

    /// <summary>The RAM disk function driver (ramdisk.sys).</summary>
    public const string RamDiskDriver = "ramdisk";

    /// <summary>The Sioctl legacy driver (sioctl.sys): one control device, the four METHOD_ types.</summary>
    public const string SioctlDriver = "sioctl";

    /// <summary>The root bus driver (rootbus.sys) alone: the device is used raw, requests go to its PDO.</summary>
    public const string RootBusDriver = "root-bus";

    /// <summary>The Proseware robot miniport (prosewarerobot.sys) run by the GeneralRobot port's code (generalrobot.sys).</summary>
    public const string ProsewareRobotDriver = "proseware-robot";

    /// <summary>The AfterThought upper filter (afterthought.sys): clamps robot moves to its safety box.</summary>
    public const string AfterThoughtFilter = "afterthought";

    /// <summary>The upper filter that counts requests (cntfilt.sys).</summary>
    public const string CountingFilterName = "counting-filter";

    /// <summary>A deliberately broken upper filter (leakyflt.sys) that loses every 1,000th read.</summary>
    public const string LeakyFilterName = "leaky-filter";

    /// <summary>Device parameter: the RAM disk's size in bytes.</summary>
    public const string SizeParameter = "size";

    /// <summary>Device parameter: the RAM disk uses direct I/O (DO_DIRECT_IO) instead of buffered.</summary>
    public const string DirectIoParameter = "directIo";

    /// <summary>The RAM disk's size when the device names none.</summary>
    public const int DefaultRamDiskSize = 1_048_576;

    /// <summary>The drivers this runner can load as function drivers.</summary>
    internal static readonly string[] FunctionDrivers = [InterruptEchoDriver, RamDiskDriver, SioctlDriver, RootBusDriver, ProsewareRobotDriver];

    /// <summary>The filters this runner can load.</summary>
    internal static readonly string[] Filters = [CountingFilterName, AfterThoughtFilter, LeakyFilterName, PlantedBugFilterName];

    /// <summary>Registers the root-device type and the sample drivers and filters.</summary>
    public static IServiceCollection AddSampleDrivers(this IServiceCollection services)
    {
        services.AddDeviceType(new DeviceTypeDescriptor(RootDeviceType,
            "a device the root bus enumerates (a PDO) with no hardware model below; its function driver and filters stack above it (irq is recorded, not wired)", 0, 23,
            [
                new ParameterDescriptor(SizeParameter, ParameterKind.Integer, "ramdisk: the disk's size in bytes", "1048576", 4096, 268_435_456),
                new ParameterDescriptor(DirectIoParameter, ParameterKind.Boolean, "ramdisk: direct I/O (MDLs) instead of buffered I/O", "false"),
            ]));
        services.AddDriver(new DriverDescriptor(RamDiskDriver, "RAM disk (ramdisk.sys): reads and writes an in-memory image, buffered or direct I/O", [RootDeviceType]));
        services.AddDriver(new DriverDescriptor(SioctlDriver, "Sioctl (sioctl.sys): answers IOCTLs of the four METHOD_ types; its control device is \\Device\\SIOCTL", [RootDeviceType]));
        services.AddDriver(new DriverDescriptor(RootBusDriver, "the root bus (rootbus.sys) alone: the PDO is opened raw", [RootDeviceType]));
        services.AddDriver(new DriverDescriptor(ProsewareRobotDriver, "Proseware robot miniport (prosewarerobot.sys) on the GeneralRobot port (generalrobot.sys): IOCTL_ROBOT_MOVE moves the arm, \\Device\\RobotN", [RootDeviceType]));
        services.AddFilter(new FilterDescriptor(LeakyFilterName, "a deliberately broken upper filter (leakyflt.sys) that pends every 1,000th read and never completes it: the run ends with the lost IRP reported"));
        services.AddFilter(new FilterDescriptor(AfterThoughtFilter, "AfterThought (afterthought.sys): an upper filter of robots clamping moves to its safety box (±50)"));
        services.AddFilter(new FilterDescriptor(CountingFilterName, "counting filter (cntfilt.sys): an upper filter that counts requests per major function"));
        services.AddDriver(new DriverDescriptor(InterruptEchoDriver, "interrupt-echo (intecho.sys): interrupt-driven; reads and writes pend on StartIo, the device's interrupt runs the ISR at DIRQL, its DPC completes them; IOCTL_INTECHO_GET_STATISTICS", [KernelCatalog.TimerType, KernelCatalog.InterruptSourceType]));
        services.AddFilter(new FilterDescriptor(PlantedBugFilterName, "planted bug (plantflt.sys): an upper filter whose read completion routine touches paged pool every 1,000th read; at DISPATCH_LEVEL under Driver Verifier's forceIrqlChecking that is DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1)"));
        services.AddStackDrivers(); // StackCatalog.cs: the toaster family and the NDIS pair (issue 19)
        return services;
    }
}
