namespace ActorKernel.Host;

/// <summary>
/// A simulated machine, its drivers and its workloads, as read from a scenario file (see
/// docs/scenarios.md). Values the file leaves out carry their defaults; values the file gave in a
/// form that could not be read are null and were already reported by <see cref="ScenarioReader"/>.
/// </summary>
public sealed partial class Scenario
{
    /// <summary>The run's simulated duration when the file gives none.</summary>
    public const long DefaultDurationNanoseconds = 10_000_000_000L;

    /// <summary>Where the scenario came from: a file path or <c>embedded:NAME</c>; problems name it.</summary>
    public string Source { get; set; } = "<memory>";

    /// <summary>
    /// The SHA-256 of the scenario's text (<c>sha256:…</c>): the summary names the scenario by its name
    /// and this hash, so the same scenario gives the same bytes however its path was typed.
    /// </summary>
    public string ContentHash { get; set; } = "";

    /// <summary>The content hash of a scenario text.</summary>
    public static string HashOf(string json) =>
        "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json ?? "")));

    /// <summary>A short name, used for the output folder (<c>runs/NAME-SEED</c>).</summary>
    public string? Name { get; set; }

    /// <summary>What the scenario shows.</summary>
    public string? Description { get; set; }

    /// <summary>Which runner runs it (<c>demo-workload</c>); null lets the host choose by content.</summary>
    public string? Kind { get; set; }

    /// <summary>Simulated time the workloads run for; null when the file's value could not be read.</summary>
    public long? DurationNanoseconds { get; set; } = DefaultDurationNanoseconds;

    /// <summary>The processors, dispatcher, seed and cost model.</summary>
    public MachineSpec Machine { get; set; } = new();

    /// <summary>The hardware devices.</summary>
    public IList<DeviceSpec> Devices { get; } = [];

    /// <summary>The driver registry: which driver and filters bind to which device.</summary>
    public IList<DriverSpec> Drivers { get; } = [];

    /// <summary>The user programs that issue I/O.</summary>
    public IList<WorkloadSpec> Workloads { get; } = [];

    /// <summary>Planned fault injections.</summary>
    public IList<FaultSpec> Faults { get; } = [];

    /// <summary>Where results go and what happens after a crash.</summary>
    public OutputSpec Output { get; set; } = new();

    /// <summary>
    /// Several machines on one dispatcher (the <c>machines</c> section): each entry is a machine of its
    /// own (<see cref="Name"/> its name; its own <c>machine</c>, devices, drivers, workloads and faults),
    /// with the run's duration, dispatcher and seed. Empty for the single-machine form. When set, the
    /// top-level <see cref="Workloads"/> lists each machine's workloads as <c>machine/workload</c> on
    /// <c>machine/device</c> (what the summary reports), and devices, drivers and faults stay empty.
    /// </summary>
    public IList<Scenario> Machines { get; } = [];

    /// <summary>JSON paths the reader already reported, so validation does not report them again as missing.</summary>
    internal HashSet<string> ReportedPaths { get; } = new(StringComparer.Ordinal);

    /// <summary>The driver bound to the device called <paramref name="device"/>, or null.</summary>
    public DriverSpec? DriverFor(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        // Indexed once per shape of the list (the first entry of a name wins), so validation stays linear in the file's size.
        if (_driversByDevice is null || _driversIndexed != Drivers.Count)
        {
            _driversByDevice = new Dictionary<string, DriverSpec>(StringComparer.Ordinal);
            foreach (var d in Drivers)
            {
                if (d.Device is not null)
                {
                    _driversByDevice.TryAdd(d.Device, d);
                }
            }
            _driversIndexed = Drivers.Count;
        }
        return _driversByDevice.GetValueOrDefault(device);
    }

    private Dictionary<string, DriverSpec>? _driversByDevice;
    private int _driversIndexed;
    private Dictionary<string, DeviceSpec>? _devicesByName;
    private int _devicesIndexed;

    /// <summary>The device called <paramref name="name"/>, or null.</summary>
    public DeviceSpec? FindDevice(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_devicesByName is null || _devicesIndexed != Devices.Count)
        {
            _devicesByName = new Dictionary<string, DeviceSpec>(StringComparer.Ordinal);
            foreach (var d in Devices)
            {
                if (d.Name is not null)
                {
                    _devicesByName.TryAdd(d.Name, d);
                }
            }
            _devicesIndexed = Devices.Count;
        }
        return _devicesByName.GetValueOrDefault(name);
    }
}

/// <summary>The simulated machine: <c>$.machine</c>.</summary>
public sealed class MachineSpec
{
    /// <summary>Simulated processors, 1..64.</summary>
    public int? Processors { get; set; } = 2;

    /// <summary><c>deterministic</c> or <c>concurrent</c>.</summary>
    public string? Dispatcher { get; set; } = "deterministic";

    /// <summary>The root seed of a deterministic run.</summary>
    public ulong? Seed { get; set; } = 1;

    /// <summary>Simulated seconds per wall second on the concurrent dispatcher.</summary>
    public double? TimeScale { get; set; } = 1.0;

    /// <summary>The kernel's storm detector: unserviced dispatches per period (null: NT's 30000).</summary>
    public int? InterruptStormOverflow { get; set; }

    /// <summary>The kernel's storm detector: overflowed periods in a row that make a storm (null: NT's 64).</summary>
    public int? InterruptStormPeriods { get; set; }

    /// <summary>Whether the kernel is the checked build (services assert their IRQL and parameters); false: the free build.</summary>
    public bool? CheckedBuild { get; set; } = false;

    /// <summary>Cost-model overrides in file order: entry name and simulated nanoseconds.</summary>
    public IList<KeyValuePair<string, long?>> CostModel { get; } = [];
}

/// <summary>One hardware device: <c>$.devices[i]</c>.</summary>
public sealed class DeviceSpec
{
    /// <summary>Its unique name (<c>timer0</c>).</summary>
    public string? Name { get; set; }

    /// <summary>Its device type, from the catalog.</summary>
    public string? Type { get; set; }

    /// <summary>The interrupt line it raises.</summary>
    public int? Irq { get; set; }

    /// <summary>Its parameters in file order, as written (strings, numbers or booleans).</summary>
    public IList<KeyValuePair<string, ParameterValue>> Parameters { get; } = [];

    /// <summary>The parameter called <paramref name="name"/>, or null.</summary>
    public ParameterValue? Parameter(string name) =>
        Parameters.Where(p => p.Key == name).Select(p => p.Value).FirstOrDefault();
}

/// <summary>A device parameter as written: text, number or boolean.</summary>
/// <param name="Text">The string form (numbers and booleans in invariant form).</param>
/// <param name="IsString">Whether it was written as a JSON string.</param>
/// <param name="Number">The value when it was written as a JSON number.</param>
/// <param name="Boolean">The value when it was written as true or false.</param>
public sealed record ParameterValue(string Text, bool IsString, double? Number, bool? Boolean);

/// <summary>One driver registry entry: <c>$.drivers[i]</c>.</summary>
public sealed class DriverSpec
{
    /// <summary>The function driver's name, from the catalog.</summary>
    public string? Name { get; set; }

    /// <summary>The device it binds to.</summary>
    public string? Device { get; set; }

    /// <summary>Filters above the function driver, top first.</summary>
    public IList<string> UpperFilters { get; } = [];

    /// <summary>Filters below the function driver, top first.</summary>
    public IList<string> LowerFilters { get; } = [];

    /// <summary>Upper filters of the function driver's setup class (the class key), top first: on every device of the class, above the device's own.</summary>
    public IList<string> ClassUpperFilters { get; } = [];

    /// <summary>Lower filters of the function driver's setup class (the class key), top first: above the device's own lower filters.</summary>
    public IList<string> ClassLowerFilters { get; } = [];

    /// <summary>Driver Verifier settings for this driver.</summary>
    public VerifierSpec Verifier { get; set; } = new();
}

/// <summary>Driver Verifier settings: <c>$.drivers[i].verifier</c>.</summary>
public sealed class VerifierSpec
{
    /// <summary>Whether the verifier checks this driver.</summary>
    public bool? Enabled { get; set; } = false;

    /// <summary>Whether paged memory is made inaccessible at raised IRQL to catch IRQL bugs early.</summary>
    public bool? ForceIrqlChecking { get; set; } = false;

    /// <summary>Special pool: each allocation against a no-access guard page, freed pages kept no-access (docs/verifier.md).</summary>
    public bool? SpecialPool { get; set; } = false;

    /// <summary>Pool tracking: the driver's allocations are counted, and pool left at unload is 0xC4/0x62.</summary>
    public bool? PoolTracking { get; set; } = false;
}

/// <summary>A user program issuing I/O to one device: <c>$.workloads[i]</c>.</summary>
public sealed class WorkloadSpec
{
    /// <summary>Its unique name.</summary>
    public string? Name { get; set; }

    /// <summary>The target device's name.</summary>
    public string? Device { get; set; }

    /// <summary>The share of reads.</summary>
    public double? Read { get; set; } = 1.0;

    /// <summary>The share of writes.</summary>
    public double? Write { get; set; } = 0.0;

    /// <summary>The share of device I/O controls.</summary>
    public double? Ioctl { get; set; } = 0.0;

    /// <summary>The smallest transfer in bytes.</summary>
    public long? MinSize { get; set; } = 4096;

    /// <summary>The largest transfer in bytes.</summary>
    public long? MaxSize { get; set; } = 4096;

    /// <summary>Requests outstanding at once.</summary>
    public long? QueueDepth { get; set; } = 1;

    /// <summary>Requests per simulated second (null: as fast as completions allow).</summary>
    public double? Rate { get; set; }

    /// <summary>Simulated pause between a completion and the next request of that slot.</summary>
    public long? ThinkTimeNanoseconds { get; set; } = 0;

    /// <summary>When it starts, after boot.</summary>
    public long? StartNanoseconds { get; set; } = 0;

    /// <summary>How long it issues requests (null in the file: until the end of the run).</summary>
    public long? DurationNanoseconds { get; set; }

    /// <summary><c>sync</c> or <c>overlapped</c>.</summary>
    public string? Mode { get; set; } = "overlapped";

    /// <summary>How an overlapped workload learns of completions: <c>port</c> (an I/O completion port) or <c>events</c> (an event per request).</summary>
    public string? Completion { get; set; } = "port";

    /// <summary>How many requests it issues in all (null: no limit; it stops at its duration or the run's end).</summary>
    public long? Requests { get; set; }
}

/// <summary>A planned fault: <c>$.faults[i]</c>.</summary>
public sealed class FaultSpec
{
    /// <summary>The simulated time it strikes at.</summary>
    public long? AtNanoseconds { get; set; }

    /// <summary><c>bugcheck</c>, <c>interrupt-storm</c> or <c>page-out-pool</c>.</summary>
    public string? Type { get; set; }

    /// <summary>The device it concerns (storms; for bugchecks, the device whose driver takes the blame).</summary>
    public string? Device { get; set; }

    /// <summary>The bugcheck code (bugcheck faults).</summary>
    public uint? Code { get; set; }

    /// <summary>The four bugcheck parameters (missing ones are 0).</summary>
    public IList<ulong> Parameters { get; } = [];

    /// <summary>Interrupts per simulated second (storms).</summary>
    public double? Rate { get; set; }

    /// <summary>How long it lasts (storms).</summary>
    public long? DurationNanoseconds { get; set; }

    /// <summary>How many data transfers a <c>dma-error</c> fails (default 1).</summary>
    public int? Count { get; set; }
}

/// <summary>Where results go: <c>$.output</c>.</summary>
public sealed class OutputSpec
{
    /// <summary>The output folder (null: <c>runs/NAME-SEED</c>); <c>--out</c> overrides it.</summary>
    public string? Directory { get; set; }

    /// <summary>The summary file's name inside the folder.</summary>
    public string? SummaryFile { get; set; } = "summary.json";

    /// <summary>Whether a crash writes a dump file.</summary>
    public bool? CrashDumps { get; set; } = true;

    /// <summary>Whether the host reboots the machine after a bugcheck and continues the run.</summary>
    public bool? RebootOnCrash { get; set; } = false;

    /// <summary>How many crashes the host tolerates before it gives up rebooting.</summary>
    public long? MaxCrashes { get; set; } = 10;
}
