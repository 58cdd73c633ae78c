using System.Globalization;
using ActorKernel.Actors;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Host;

/// <summary>
/// One boot of the kernel machine (<see cref="Machine"/>): the scenario's processors, the clock, its
/// timer and interrupt-source devices each with a <see cref="KernelDeviceDriver"/>, and its planned
/// faults. Deterministic: advanced by <see cref="Machine.RunFor"/> on the host's thread; concurrent:
/// the host waits and samples.
/// </summary>
internal sealed partial class KernelSimulation : ISimulation
{
    private readonly SimulationContext _context;
    private readonly ActorSystem _system;
    private readonly Machine _machine;
    private readonly List<(DeviceSpec Spec, KernelDeviceDriver Driver)> _drivers = [];
    private readonly int[] _maxDpcQueueDepth;
    private readonly long _bootEndNs;
    private readonly ManualResetEventSlim _changed = new();
    private readonly List<string> _notes = [];
    private SimulationResult? _result;
    private bool _stopRequested;
    private bool _stopped;

    public KernelSimulation(SimulationContext context, ISimulationCatalog catalog)
    {
        _context = context;
        var scenario = context.Scenario;
        _bootEndNs = Math.Max(0, context.EndNanoseconds - context.BootNanoseconds);
        var costs = new Costs(scenario, catalog);
        var options = BuildOptions(context, costs);
        // The host's own actor system, so the concurrent dispatcher honours machine.timeScale (the demo runner's options).
        _system = ActorSystem.Create(options.Name, DemoWorkloadRunner.SystemOptions(context));
        try
        {
            _machine = Machine.Create(options, _system);
        }
        catch
        {
            _system.Dispose();
            throw;
        }
        _machine.BugChecked += _ => _changed.Set();
        KernelTraceSession.Current?.Attach(context, _machine, null); // src/Host/Tracing: null when tracing is off
        _maxDpcQueueDepth = new int[_machine.ProcessorCount];
        var sharedLock = new KSpinLock();
        KeInitializeSpinLock(sharedLock, "DeviceStatisticsLock");
        foreach (var device in scenario.Devices)
        {
            var driver = new KernelDeviceDriver(_machine, device.Name!, sharedLock, _maxDpcQueueDepth,
                costs[KernelCatalog.IsrCost], costs[KernelCatalog.DpcCost], costs[KernelCatalog.SpinLockHoldCost],
                device.Parameter(KernelCatalog.SpreadDpcsParameter)?.Boolean == true);
            driver.Connect(device.Irq!.Value);
            _drivers.Add((device, driver));
        }
        ScheduleFaults();
        _machine.Start();
        if (context.Dispatcher == DispatcherKind.Concurrent)
        {
            _machine.System.Scheduler.ScheduleOnce(TimeSpan.FromTicks(_bootEndNs / 100), _changed.Set);
        }
    }

    public long NowNanoseconds => _context.BootNanoseconds + Math.Min(MachineNow, _bootEndNs);

    private long MachineNow => _machine.CrashDump is { } dump ? dump.TimeNs : _machine.NowNanoseconds;

    private SimulationStatus Status =>
        _machine.CrashDump is not null ? SimulationStatus.Crashed
        : _stopRequested || _machine.NowNanoseconds >= _bootEndNs ? SimulationStatus.Finished
        : SimulationStatus.Running;

    public SimulationStatus Advance(long sliceNanoseconds, TimeSpan wallBudget, CancellationToken cancellationToken)
    {
        if (Status != SimulationStatus.Running)
        {
            return Status;
        }
        if (_machine.System.Deterministic is not null)
        {
            var step = Math.Min(Math.Max(100, sliceNanoseconds), _bootEndNs - _machine.NowNanoseconds);
            // RunUntil stops at the bugcheck instead of running the frozen machine to the slice's end.
            _machine.RunUntil(() => _machine.CrashDump is not null, TimeSpan.FromTicks(Math.Max(1, (step + 99) / 100)));
        }
        else
        {
            try
            {
                _changed.Wait(wallBudget, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // the host wants to act (stop, abort): report where things are
            }
        }
        return Status;
    }

    public void StopWorkloads()
    {
        // No workloads on this runner yet: a graceful stop stops the devices and ends the boot.
        _stopRequested = true;
        StopDevices();
    }

    public void CancelInFlight() => StopWorkloads();

    public ProgressSnapshot Snapshot()
    {
        var stats = _machine.GetStatistics();
        var processors = MachineReport.Progress(_machine, stats);
        // No requests yet on this runner: a device's "completed" is its DPCs run (work finished on its behalf).
        return new ProgressSnapshot(NowNanoseconds, 0, 0, 0, 0,
            [.. _drivers.Select(d => new DeviceProgress(d.Spec.Name!, d.Driver.DpcRuns, 0, 0, 0))], processors);
    }

    public SimulationResult Complete()
    {
        if (_result is not null)
        {
            return _result;
        }
        StopDevices();
        var stats = _machine.GetStatistics();
        var crash = _machine.CrashDump;
        var processors = MachineReport.Results(stats, _maxDpcQueueDepth);
        _result = new SimulationResult
        {
            EndNanoseconds = _context.BootNanoseconds + (crash?.TimeNs ?? Math.Min(stats.TimeNs, _bootEndNs)),
            Processors = processors,
            Counters = Counters(stats),
            Notes = _notes,
            Crash = crash is null ? null : BuildCrashReport(crash),
        };
        return _result;
    }

    public void Dispose()
    {
        KernelTraceSession.Current?.BootEnded(_machine); // src/Host/Tracing: writes the boot's trace files
        _machine.Dispose();
        _system.Dispose();
        _changed.Dispose();
    }

    private void StopDevices()
    {
        if (!_stopped)
        {
            _stopped = true;
            _machine.Stop();
        }
    }

    private List<KeyValuePair<string, long>> Counters(MachineStatistics stats)
    {
        var counters = new List<KeyValuePair<string, long>>
        {
            new("clock.ticks", stats.TickCount),
            new("interrupts.unclaimed", stats.Processors.Sum(p => p.UnclaimedInterrupts)),
            new("processors.spinNs", stats.Processors.Sum(p => p.SpinNs)),
        };
        foreach (var (spec, driver) in _drivers)
        {
            counters.Add(new($"devices.{spec.Name}.interrupts", driver.IsrCalls));
            counters.Add(new($"devices.{spec.Name}.dpcs", driver.DpcRuns));
        }
        foreach (var l in stats.SpinLocks)
        {
            counters.Add(new($"spinLocks.{l.Name}.acquisitions", l.Acquisitions));
            counters.Add(new($"spinLocks.{l.Name}.contentions", l.Contentions));
            counters.Add(new($"spinLocks.{l.Name}.spinNs", l.SpinNs));
        }
        return counters;
    }

    /// <summary>Cost-model values: the scenario's override, else the catalog's default.</summary>
    internal sealed class Costs(Scenario scenario, ISimulationCatalog catalog)
    {
        public long this[string name] =>
            scenario.Machine.CostModel.Where(c => c.Key == name).Select(c => c.Value).FirstOrDefault()
            ?? catalog.FindCost(name)?.DefaultNanoseconds ?? 0;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
