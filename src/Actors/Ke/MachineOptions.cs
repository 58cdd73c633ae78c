using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// How to build a simulated machine: processors, interrupt lines, devices, clock, limits, seed and
/// dispatcher. A plain record so a host can fill it from a scenario file.
/// </summary>
public sealed record MachineOptions
{
    /// <summary>The machine's name (prefix of its actors' names).</summary>
    public string Name { get; init; } = "machine";

    /// <summary>Processors, 1..64.</summary>
    public int Processors { get; init; } = 1;

    /// <summary>Root seed of a deterministic run (devices derive their generators from it).</summary>
    public ulong Seed { get; init; }

    /// <summary>Which dispatcher, when the machine creates its own actor system.</summary>
    public DispatcherKind Dispatcher { get; init; } = DispatcherKind.Deterministic;

    /// <summary>Simulated cost of each kernel operation.</summary>
    public KernelCostModel CostModel { get; init; } = KernelCostModel.Default;

    /// <summary>Clock interrupt period (KeQueryTimeIncrement × 100); 0 runs the machine without a clock (no ticks, no kernel timers, quiescent when idle).</summary>
    public long ClockIntervalNs { get; init; } = 1_000_000;

    /// <summary>
    /// The system time at boot (KeQuerySystemTime's value at time 0): 100 ns units since 1 January 1601
    /// UTC. Fixed, so runs are reproducible; the default is 1 January 2026 00:00 UTC.
    /// </summary>
    public long SystemTimeAtBoot { get; init; } = 134_116_992_000_000_000;

    /// <summary>The interrupt line of the clock (at CLOCK_LEVEL, vector 0xD1, processor 0).</summary>
    public int ClockLine { get; init; }

    /// <summary>
    /// The time allotment of a single DPC or ISR: one that runs longer bugchecks DPC_WATCHDOG_VIOLATION
    /// (0x133, P1 = 0; P2 = its time count and P3 = this allotment, in clock ticks). NT's default is
    /// 20 s (0x500 ticks of 15.625 ms).
    /// </summary>
    public long DpcWatchdogLimitNs { get; init; } = 20_000_000_000;

    /// <summary>
    /// The DPC watchdog period: a processor that stays at DISPATCH_LEVEL or above this long in all
    /// (DPCs retired back to back, a thread or routine that keeps the IRQL raised, spinning included)
    /// bugchecks DPC_WATCHDOG_VIOLATION (0x133, P1 = 1; P2 = this period in clock ticks). The count
    /// restarts whenever the processor runs below DISPATCH_LEVEL. NT's default is 120 s (0x1E00 ticks).
    /// </summary>
    public long DpcWatchdogPeriodNs { get; init; } = 120_000_000_000;

    /// <summary>Time a thread runs before it yields the processor to a ready thread of the same priority.</summary>
    public long ThreadQuantumNs { get; init; } = 6_000_000;

    /// <summary>How many IRQL transitions each processor keeps for crash dumps.</summary>
    public int IrqlHistoryLength { get; init; } = 16;

    /// <summary>Whether the kernel is the checked build: its services assert their IRQL and parameters (docs/verifier.md, "Checked build"). Off: the free build.</summary>
    public bool CheckedBuild { get; init; }

    /// <summary>System worker threads that run IoQueueWorkItem items (DelayedWorkQueue).</summary>
    public int SystemWorkerThreads { get; init; } = 2;

    /// <summary>Device interrupt lines.</summary>
    public IReadOnlyList<InterruptLineConfig> InterruptLines { get; init; } = [];

    /// <summary>Device models to create.</summary>
    public IReadOnlyList<DeviceConfig> Devices { get; init; } = [];

    /// <summary>The memory manager's sizes (RAM, pools, page file) and page-fault costs.</summary>
    public MemoryManagerOptions Memory { get; init; } = MemoryManagerOptions.Default;

    /// <summary>Drivers (e.g. "x.sys") with Driver Verifier's force IRQL checking on from boot: every raise to DISPATCH_LEVEL or above by their routines pages out all pageable memory.</summary>
    public IReadOnlyList<string> ForceIrqlCheckingModules { get; init; } = [];

    /// <summary>Where to write crash dumps (JSON and analysis text); null writes none.</summary>
    public string? CrashDumpDirectory { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (Processors is < 1 or > 64)
        {
            throw new ArgumentException($"Processors must be 1..64 (was {Processors}).");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(ClockIntervalNs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(DpcWatchdogLimitNs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(DpcWatchdogPeriodNs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ThreadQuantumNs);
        var seen = new HashSet<int>();
        foreach (var line in InterruptLines)
        {
            if (line.Line < 0 || (ClockIntervalNs > 0 && line.Line == ClockLine) || !seen.Add(line.Line))
            {
                throw new ArgumentException($"Interrupt line {line.Line} is negative, used twice or is the clock line {ClockLine}.");
            }
            if (line.Irql is < (byte)Irql.DeviceLevelMin or > (byte)Irql.DeviceLevelMax)
            {
                throw new ArgumentException($"Interrupt line {line.Line} has IRQL {line.Irql}; device IRQLs are 3..12.");
            }
        }
        foreach (var device in Devices)
        {
            if (!seen.Contains(device.Line))
            {
                throw new ArgumentException($"Device {device.Name} raises line {device.Line}, which is not configured in InterruptLines.");
            }
        }
    }
}

/// <summary>A device model of the machine and the line it raises.</summary>
/// <param name="Name">Actor name of the device.</param>
/// <param name="Line">The interrupt line.</param>
public abstract record DeviceConfig(string Name, int Line);

/// <summary>A periodic timer device (<see cref="TimerDevice"/>).</summary>
/// <param name="Name">Actor name.</param>
/// <param name="Line">Interrupt line.</param>
/// <param name="PeriodNs">Period.</param>
public sealed record TimerDeviceConfig(string Name, int Line, long PeriodNs) : DeviceConfig(Name, Line);

/// <summary>A random interrupt source (<see cref="InterruptSourceDevice"/>).</summary>
/// <param name="Name">Actor name.</param>
/// <param name="Line">Interrupt line.</param>
/// <param name="MinIntervalNs">Shortest gap.</param>
/// <param name="MaxIntervalNs">Longest gap.</param>
public sealed record InterruptSourceConfig(string Name, int Line, long MinIntervalNs, long MaxIntervalNs) : DeviceConfig(Name, Line);
