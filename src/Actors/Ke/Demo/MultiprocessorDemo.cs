using System.Globalization;
using System.Text;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Actors;

/// <summary>Options of the multiprocessor demo (<c>run multiprocessor</c>).</summary>
public sealed record MultiprocessorDemoOptions
{
    /// <summary>Processors (the demo is designed for 4).</summary>
    public int Processors { get; init; } = 4;

    /// <summary>Root seed.</summary>
    public ulong Seed { get; init; } = 7;

    /// <summary>How long to run (virtual time on the deterministic dispatcher, wall time on the concurrent one).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Which dispatcher.</summary>
    public DispatcherKind Dispatcher { get; init; } = DispatcherKind.Deterministic;

    /// <summary>Where a crash dump goes if a driver bugchecks (null: none written).</summary>
    public string? CrashDumpDirectory { get; init; }
}

/// <summary>What the demo measured.</summary>
/// <param name="Options">How it ran.</param>
/// <param name="Statistics">The machine's statistics at the end.</param>
/// <param name="InterruptsByDriver">ISR calls and claims per driver.</param>
/// <param name="DpcsByDriver">DPC routine runs per driver.</param>
/// <param name="WorkItems">Work items run at PASSIVE_LEVEL.</param>
/// <param name="CrashDump">The dump if the machine bugchecked.</param>
public sealed record MultiprocessorDemoReport(MultiprocessorDemoOptions Options, MachineStatistics Statistics,
    IReadOnlyList<(string Driver, long Calls, long Claimed)> InterruptsByDriver, IReadOnlyList<(string Driver, long Runs)> DpcsByDriver,
    long WorkItems, CrashDump? CrashDump)
{
    /// <summary>Deterministic text: the same seed on the deterministic dispatcher prints the same bytes.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"multiprocessor demo: {Options.Processors} processors, seed {Options.Seed}, dispatcher {Options.Dispatcher}, duration {Options.Duration.TotalMilliseconds} ms\n");
        text.Append(Statistics.ToText());
        text.Append("driver        ISR calls   claimed    DPC runs\n");
        foreach (var (driver, calls, claimed) in InterruptsByDriver)
        {
            var runs = DpcsByDriver.FirstOrDefault(d => d.Driver == driver).Runs;
            text.Append(CultureInfo.InvariantCulture, $"{driver,-12} {calls,10} {claimed,9} {runs,11}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"work items at PASSIVE_LEVEL: {WorkItems}\n");
        text.Append(CrashDump is null ? "no bugcheck\n" : CrashDump.Analysis);
        return text.ToString();
    }
}

/// <summary>
/// The multiprocessor demo: 4 processors, the clock, a timer device (timerdev.sys) and two interrupt
/// sources (nic.sys, disk.sys) whose ISRs queue DPCs that share a spin lock; disk.sys also queues
/// work items to system worker threads. Prints per-processor IRQL residency and ISR/DPC counts.
/// </summary>
public static class MultiprocessorDemo
{
    private const int TimerLine = 3;
    private const int NicLine = 4;
    private const int DiskLine = 5;

    /// <summary>Builds the machine, runs it for the duration and returns the report.</summary>
    public static MultiprocessorDemoReport Run(MultiprocessorDemoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var all = options.Processors >= 64 ? 0UL : (1UL << options.Processors) - 1;
        var low = Math.Max(1UL, all & 0b0011);
        var high = (all & 0b1100) == 0 ? all : all & 0b1100;
        using var machine = Machine.Create(new MachineOptions
        {
            Name = "mp",
            Processors = options.Processors,
            Seed = options.Seed,
            Dispatcher = options.Dispatcher,
            ClockIntervalNs = 1_000_000,
            CrashDumpDirectory = options.CrashDumpDirectory,
            InterruptLines =
            [
                new InterruptLineConfig(TimerLine, 0x61, 6),
                new InterruptLineConfig(NicLine, 0x52, 5, low),
                new InterruptLineConfig(DiskLine, 0x43, 4, high),
            ],
            Devices =
            [
                new TimerDeviceConfig("timer", TimerLine, 250_000),
                new InterruptSourceConfig("nic", NicLine, 20_000, 120_000),
                new InterruptSourceConfig("disk", DiskLine, 50_000, 400_000),
            ],
        });
        var drivers = new DemoDrivers(machine);
        drivers.Connect();
        machine.Start();
        if (options.Dispatcher == DispatcherKind.Deterministic)
        {
            machine.RunFor(options.Duration);
        }
        else
        {
            // The host's thread, not actor code: a concurrent run lasts the duration on the machine's (wall) clock.
            using var done = new ManualResetEventSlim();
            machine.System.Scheduler.ScheduleOnce(options.Duration, done.Set);
            done.Wait();
        }
        machine.Stop();
        var stats = machine.GetStatistics();
        return new MultiprocessorDemoReport(options, stats,
            [
                ("timerdev.sys", drivers.TimerInterrupt!.Count, drivers.TimerInterrupt.Claimed),
                ("nic.sys", drivers.NicInterrupt!.Count, drivers.NicInterrupt.Claimed),
                ("disk.sys", drivers.DiskInterrupt!.Count, drivers.DiskInterrupt.Claimed),
            ],
            [("timerdev.sys", Interlocked.Read(ref drivers.TimerDpcs)), ("nic.sys", Interlocked.Read(ref drivers.NicDpcs)), ("disk.sys", Interlocked.Read(ref drivers.DiskDpcs))],
            Interlocked.Read(ref drivers.WorkItems), machine.CrashDump);
    }

    /// <summary>Three small drivers written against the WDM-style API.</summary>
    private sealed class DemoDrivers(Machine machine)
    {
        private readonly KernelModule _timerDriver = new("timerdev.sys");
        private readonly KernelModule _nicDriver = new("nic.sys");
        private readonly KernelModule _diskDriver = new("disk.sys");
        private readonly KSpinLock _statsLock = new();
        private readonly KDpc _timerDpc = new();
        private readonly KDpc _watchdogDpc = new();
        private readonly KTimer _watchdogTimer = new();
        private readonly KDpc[] _nicDpcs = [new(), new(), new(), new()];
        private readonly KDpc _diskDpc = new();
        private int _nicNext;
        private long _statsCounter;

        public long TimerDpcs;
        public long NicDpcs;
        public long DiskDpcs;
        public long WorkItems;

        public KInterrupt? TimerInterrupt { get; private set; }

        public KInterrupt? NicInterrupt { get; private set; }

        public KInterrupt? DiskInterrupt { get; private set; }

        public void Connect()
        {
            KeInitializeSpinLock(_statsLock, "DemoStatsLock");
            KeInitializeDpc(_timerDpc, TimerDpcRoutine, null, _timerDriver);
            KeInitializeDpc(_watchdogDpc, WatchdogDpcRoutine, null, _timerDriver);
            KeInitializeTimerEx(_watchdogTimer, TimerType.NotificationTimer);
            for (var i = 0; i < _nicDpcs.Length; i++)
            {
                KeInitializeDpc(_nicDpcs[i], NicDpcRoutine, null, _nicDriver);
                KeSetTargetProcessorDpc(_nicDpcs[i], i % machine.ProcessorCount);
            }
            KeInitializeDpc(_diskDpc, DiskDpcRoutine, null, _diskDriver);
            KeSetImportanceDpc(_diskDpc, KDpcImportance.HighImportance);
            TimerInterrupt = Connect(_timerDriver, TimerLine, TimerIsr, "TimerIsr");
            NicInterrupt = Connect(_nicDriver, NicLine, NicIsr, "NicIsr");
            DiskInterrupt = Connect(_diskDriver, DiskLine, DiskIsr, "DiskIsr");
            machine.RunRoutine(0, _timerDriver, "TimerStartDevice", () =>
            {
                KeSetTimerEx(_watchdogTimer, -10_000, 1, _watchdogDpc);
                return ValueTask.CompletedTask;
            });
        }

        private KInterrupt Connect(KernelModule module, int line, KServiceRoutine isr, string name)
        {
            var config = machine.GetInterruptLine(line);
            var status = machine.IoConnectInterrupt(out var interrupt, module, isr, null, null, config.Vector, (Irql)config.Irql, (Irql)config.Irql,
                KInterruptMode.Latched, false, config.Affinity, name);
            return status == NtStatus.Success ? interrupt! : throw new InvalidOperationException($"{name}: {status}");
        }

        private async ValueTask<bool> TimerIsr(KInterrupt interrupt, object? context)
        {
            await KeCompute(300); // read and acknowledge the device's status register
            KeInsertQueueDpc(_timerDpc, null, null);
            return true;
        }

        private async ValueTask TimerDpcRoutine(KDpc dpc, object? context, object? argument1, object? argument2)
        {
            Interlocked.Increment(ref TimerDpcs);
            var old = await KeAcquireSpinLock(_statsLock);
            _statsCounter++;
            await KeCompute(2_000);
            await KeReleaseSpinLock(_statsLock, old);
        }

        private async ValueTask WatchdogDpcRoutine(KDpc dpc, object? context, object? argument1, object? argument2)
        {
            Interlocked.Increment(ref TimerDpcs);
            await KeCompute(1_000);
        }

        private async ValueTask<bool> NicIsr(KInterrupt interrupt, object? context)
        {
            await KeCompute(200);
            // Receive-side scaling: spread the DPCs over the processors.
            var dpc = _nicDpcs[Interlocked.Increment(ref _nicNext) % _nicDpcs.Length];
            KeInsertQueueDpc(dpc, null, null);
            return true;
        }

        private async ValueTask NicDpcRoutine(KDpc dpc, object? context, object? argument1, object? argument2)
        {
            Interlocked.Increment(ref NicDpcs);
            await KeCompute(5_000);
            var old = await KeAcquireSpinLock(_statsLock);
            _statsCounter++;
            await KeCompute(1_500);
            await KeReleaseSpinLock(_statsLock, old);
        }

        private async ValueTask<bool> DiskIsr(KInterrupt interrupt, object? context)
        {
            await KeCompute(250);
            KeInsertQueueDpc(_diskDpc, null, null);
            return true;
        }

        private async ValueTask DiskDpcRoutine(KDpc dpc, object? context, object? argument1, object? argument2)
        {
            var runs = Interlocked.Increment(ref DiskDpcs);
            await KeCompute(8_000);
            if (runs % 4 == 0)
            {
                var item = IoAllocateWorkItem(null);
                IoQueueWorkItem(item, DiskWorkRoutine, WorkQueueType.DelayedWorkQueue, item);
            }
        }

        private async ValueTask DiskWorkRoutine(object? deviceObject, object? context)
        {
            Interlocked.Increment(ref WorkItems);
            await KeCompute(20_000);
            IoFreeWorkItem((IoWorkItem)context!);
        }
    }
}
