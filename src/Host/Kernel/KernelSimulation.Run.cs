using System.Globalization;
using ActorKernel.Actors;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Host;

/// <summary>
/// One boot of the kernel: the scenario's machine (<c>BuildOptions</c>: processors, clock,
/// hardware models on their lines), the I/O manager attached, the scenario's driver stacks built by
/// the PnP manager from the scenario's registry (<see cref="BuildStacks"/>), its planted faults and timeline events, and each workload as a user process running a
/// <see cref="UserWorkload"/> (<see cref="IoWorkload"/>): synchronous threads or one overlapped
/// thread, through Kernel32. Deterministic: advanced by <see cref="Machine.RunUntil"/> on the host's
/// thread; concurrent: the host waits and samples.
/// </summary>
internal sealed partial class KernelSimulation : ISimulation, ITimelineSource
{
    private readonly SimulationContext _context;
    private readonly ActorSystem _system;
    private readonly List<IoTarget> _targets = [];
    private readonly List<IoWorkload> _workers = [];
    private long _bootEndNs;

    // Concurrent dispatcher only: the scaled wall time the PnP manager took to build the stacks, which
    // the boot's clock leaves out so the workloads get the scenario's whole duration (deterministic: 0,
    // the boot's few simulated microseconds are part of the run).
    private long _setupNs;
    private readonly ManualResetEventSlim _changed = new();
    private readonly List<string> _notes = [];
    private readonly Costs _costs;
    private SimulationResult? _result;
    private bool _stopped;
    private readonly bool _ownsSystem;
    private readonly MachineCables? _cables;
    private readonly string? _machineName;

    public KernelSimulation(SimulationContext context, ISimulationCatalog catalog)
        : this(context, catalog, null, null)
    {
    }

    /// <summary>
    /// One machine of a <c>machines</c> scenario (<see cref="MachinesSimulation"/>): named
    /// <paramref name="machine"/>, on the <paramref name="shared"/> actor system (one dispatcher and
    /// clock for all), its nics cabled to other machines' through <paramref name="cables"/>.
    /// </summary>
    internal KernelSimulation(SimulationContext context, ISimulationCatalog catalog, ActorSystem? shared, MachineCables? cables, string? machine = null)
    {
        _context = context;
        _cables = cables;
        _machineName = machine;
        _bootEndNs = Math.Max(0, context.EndNanoseconds - context.BootNanoseconds);
        _costs = new Costs(context.Scenario, catalog);
        var placed = new List<PlacedHardwareConfig>();
        var options = BuildOptions(context, catalog, _costs, placed);
        if (machine is not null)
        {
            options = options with { Name = machine };
        }
        // The host's own actor system, so the concurrent dispatcher honours machine.timeScale.
        _ownsSystem = shared is null;
        _system = shared ?? ActorSystem.Create(options.Name, SystemOptions(context));
        try
        {
            Machine = Machine.Create(options, _system);
            Io = new IoManager(costs: IoCostModel.Default with { CallDriverNs = _costs["ioCallDriver"], CompleteLocationNs = _costs["ioCompleteRequest"] });
            Io.AttachTo(Machine);
            KernelTraceSession.Current?.Attach(context, Machine, Io); // src/Host/Tracing: null when tracing is off
            if (context.Scenario.Machine.InterruptStormOverflow is { } overflow)
            {
                Machine.InterruptStormOverflow = overflow;
            }
            if (context.Scenario.Machine.InterruptStormPeriods is { } periods)
            {
                Machine.InterruptStormPeriods = periods;
            }
            PlaceHardware(placed);
            PlugUsbDevices(); // KernelSimulation.Usb.cs
            ApplyPowerOnFaults();
            EnableVerifier(); // KernelSimulation.Verifier.cs
            Machine.BugChecked += _ => _changed.Set();
            Machine.SimulatorDefectRaised += _ => _changed.Set();
            Machine.Start();
            // The PnP manager builds and starts every stack before any program opens one (KernelSimulation.Stacks.cs).
            BuildStacks();
            if (context.Dispatcher == DispatcherKind.Concurrent)
            {
                _setupNs = Machine.NowNanoseconds;
                _bootEndNs += _setupNs;
            }
            StartWorkloads(new DeterministicRandom(context.Seed).Derive("io-workloads"));
            ScheduleFaults();
            ScheduleCancelOfWaitingReceives();
        }
        catch
        {
            Machine?.Dispose();
            if (_ownsSystem)
            {
                _system.Dispose();
            }
            throw;
        }
        if (context.Dispatcher == DispatcherKind.Concurrent)
        {
            // Wake the host when the boot's time is over (the machine's clock is the scaled wall clock).
            Machine.System.Scheduler.ScheduleOnce(TimeSpan.FromTicks(Math.Max(0, _bootEndNs - Machine.NowNanoseconds) / 100), _changed.Set);
        }
    }

    /// <summary>The options of the actor system for this boot.</summary>
    internal static ActorSystemOptions SystemOptions(SimulationContext context) =>
        context.Dispatcher == DispatcherKind.Deterministic
            ? ActorSystemOptions.DeterministicWith(context.Seed)
            : ActorSystemOptions.ConcurrentWith(timeScale: context.Scenario.Machine.TimeScale ?? 1.0);

    /// <summary>Cost-model values: the scenario's override, else the catalog's default.</summary>
    internal sealed class Costs(Scenario scenario, ISimulationCatalog catalog)
    {
        public long this[string name] =>
            scenario.Machine.CostModel.Where(c => c.Key == name).Select(c => c.Value).FirstOrDefault()
            ?? catalog.FindCost(name)?.DefaultNanoseconds ?? 0;
    }

    /// <summary>The simulated machine.</summary>
    public Machine Machine { get; }

    /// <summary>Its I/O manager.</summary>
    public IoManager Io { get; }

    /// <summary>Workloads issue nothing more (graceful stop).</summary>
    public bool StopIssuing { get; private set; }

    public long NowNanoseconds => _context.BootNanoseconds + Math.Max(0, MachineNow - _setupNs);

    private long MachineNow => Machine.CrashDump is { } dump ? dump.TimeNs : Machine.NowNanoseconds;

    private bool AllDone
    {
        get
        {
            foreach (var w in _workers)
            {
                if (!w.Done)
                {
                    return false;
                }
            }
            return true;
        }
    }

    /// <summary>
    /// How long past the end of the run a request may still be in flight before it counts as lost by
    /// a driver: a request that never completes must end the run with a finding, not keep it alive.
    /// </summary>
    private const long StuckGraceNanoseconds = 1_000_000_000;

    // Set when the host's drain deadline passed: unfinished requests are abandoned at once.
    private bool _abandonUnfinished;

    private bool GiveUpOnUnfinished =>
        (_abandonUnfinished && Machine.NowNanoseconds >= _cancelAtNs + CancelGraceNanoseconds) || LostByDriver;

    /// <summary>
    /// Deterministic only: a simulated second past the end, a request still held is one a driver lost.
    /// On the concurrent dispatcher simulated time is scaled wall time, and a loaded host can starve
    /// the machine's threads for that long, so there the host's drain deadline decides instead.
    /// </summary>
    private bool LostByDriver => Machine.System.Deterministic is not null && Machine.NowNanoseconds >= _bootEndNs + StuckGraceNanoseconds;

    private SimulationStatus Status =>
        // The dump is published just after the machine freezes (on another thread, concurrently): crashed once it is there.
        Machine.IsBugChecked ? (Machine.CrashDump is null ? SimulationStatus.Running : SimulationStatus.Crashed)
        : (StopIssuing || Machine.NowNanoseconds >= _bootEndNs) && (AllDone || GiveUpOnUnfinished) ? SimulationStatus.Finished
        : SimulationStatus.Running;

    /// <summary>Where the boot is, without advancing it (for <see cref="MachinesSimulation"/>).</summary>
    internal SimulationStatus CurrentStatus => Status;

    public SimulationStatus Advance(long sliceNanoseconds, TimeSpan wallBudget, CancellationToken cancellationToken)
    {
        var status = AdvanceMachine(sliceNanoseconds, wallBudget, cancellationToken);
        // A defect of the simulator froze the machine without a dump: the host's own error (exit 3), never a driver's crash.
        return Machine.SimulatorDefect is { } defect ? throw defect : status;
    }

    private SimulationStatus AdvanceMachine(long sliceNanoseconds, TimeSpan wallBudget, CancellationToken cancellationToken)
    {
        if (Status != SimulationStatus.Running)
        {
            return Status;
        }
        if (Machine.System.Deterministic is not null)
        {
            // Past the end only to drain: threads finish the request they are in, then exit.
            var left = _bootEndNs - Machine.NowNanoseconds;
            var step = left > 0 ? Math.Min(Math.Max(100, sliceNanoseconds), left) : Math.Max(100, sliceNanoseconds);
            // The token ends the slice between two deliveries (the host acts on a signal within one actor
            // turn, not one slice); the machine is left where it was, so the next slice goes on from there.
            Machine.RunUntil(() => Machine.IsBugChecked || (Machine.NowNanoseconds >= _bootEndNs && AllDone) || cancellationToken.IsCancellationRequested,
                TimeSpan.FromTicks(Math.Max(1, (step + 99) / 100)));
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
        StopIssuing = true;
        foreach (var w in _workers)
        {
            w.Workload.RequestStop();
        }
    }

    /// <summary>
    /// The host's drain deadline passed: every request still outstanding is cancelled (IoCancelIrp, as
    /// the I/O manager does for a terminating thread's IRPs); a driver with a cancel routine completes
    /// it STATUS_CANCELLED. What is still unfinished a short simulated grace later counts as in flight.
    /// </summary>
    public void CancelInFlight()
    {
        StopWorkloads();
        if (_abandonUnfinished || Machine.IsBugChecked)
        {
            return;
        }
        _abandonUnfinished = true;
        _cancelAtNs = Machine.NowNanoseconds;
        var irps = Io.GetStuckRequests().Where(s => !s.Finished).Select(s => s.Irp).ToList();
        if (irps.Count > 0)
        {
            Machine.RunRoutine(0, KernelModule.Kernel, "IopCancelOutstandingIrps", async () =>
            {
                foreach (var irp in irps)
                {
                    await IoCancelIrp(irp);
                }
            }, Irql.PassiveLevel);
        }
    }

    // When CancelInFlight ran, and how long (simulated) cancel routines get before the host stops waiting.
    private long _cancelAtNs;
    private const long CancelGraceNanoseconds = 10_000_000;

    // Per target, the histogram progress merges its workloads' latencies into (reused: progress runs every slice).
    private readonly List<LatencyHistogram> _progressLatency = [];

    public ProgressSnapshot Snapshot()
    {
        var stats = Machine.GetStatistics();
        long issued = 0, completed = 0, failed = 0, inFlight = 0;
        foreach (var w in _workers)
        {
            var s = w.Counters;
            issued += s.Issued;
            completed += s.Completed;
            failed += s.Failed;
            inFlight += s.InFlight;
        }
        var devices = new List<DeviceProgress>(_targets.Count);
        for (var i = 0; i < _targets.Count; i++)
        {
            var t = _targets[i];
            if (i == _progressLatency.Count)
            {
                _progressLatency.Add(new LatencyHistogram());
            }
            var latency = _progressLatency[i];
            latency.Clear();
            foreach (var w in _workers)
            {
                if (w.Target == t)
                {
                    w.AddLatencies(latency);
                }
            }
            devices.Add(new DeviceProgress(t.Device.Name!, latency.Count, latency.Percentile(50), latency.Percentile(99), latency.Max));
        }
        return new ProgressSnapshot(NowNanoseconds, issued, completed, failed, inFlight, devices, MachineReport.Progress(Machine, stats));
    }

    public TimelineSample Sample()
    {
        var stats = Machine.GetStatistics();
        var devices = new List<DeviceSample>(_targets.Count);
        foreach (var t in _targets)
        {
            var latency = new LatencyHistogram();
            long completed = 0, failed = 0;
            foreach (var w in _workers)
            {
                if (w.Target == t)
                {
                    var s = w.Counters;
                    w.AddLatencies(latency);
                    completed += s.Completed;
                    failed += s.Failed;
                }
            }
            devices.Add(new DeviceSample(t.Device.Name!, completed, failed, latency, t.Echo?.Interrupts ?? 0, t.Echo?.Dpcs ?? 0));
        }
        return new TimelineSample(_context.BootNanoseconds + Math.Max(0, Math.Min(stats.TimeNs, MachineNow) - _setupNs), devices, stats.Processors);
    }

    public SimulationResult Complete()
    {
        if (_result is not null)
        {
            return _result;
        }
        var crash = Machine.CrashDump;
        Stop();
        var stats = Machine.GetStatistics();
        var violations = new List<string>();
        long lostInCrash = 0;
        if (crash is not null)
        {
            foreach (var w in _workers)
            {
                lostInCrash += w.GiveUp(crashed: true);
            }
        }
        else if (!AllDone && !LostByDriver)
        {
            // The host stopped waiting (drain deadline or abort) while drivers still worked on requests:
            // docs/cli.md counts them as in flight; no driver is blamed for a request it may yet complete.
            var inFlight = _workers.Sum(w => w.Statistics.InFlight);
            _notes.Add(F($"{inFlight} request(s) were still in flight when the host stopped waiting; they count as in flight"));
        }
        else if (!AllDone)
        {
            // Past the grace after the end: a request no driver completed in a simulated second is lost by the driver holding it.
            var stuck = Io.GetStuckRequests();
            var abandoned = _workers.Sum(w => w.GiveUp(crashed: false));
            violations.Add(F($"{abandoned} request(s) never completed; the I/O manager reports {stuck.Count} stuck request(s)")
                + (stuck.Count > 0 ? Environment.NewLine + stuck[0].Description : ""));
        }
        var workloads = new List<WorkloadResult>();
        foreach (var spec in _context.Scenario.Workloads)
        {
            var total = new WorkloadResult { Name = spec.Name!, Device = spec.Device! };
            foreach (var w in _workers.Where(w => w.Spec.Name == spec.Name))
            {
                total.Add(w.ToResult());
            }
            workloads.Add(total);
            var mismatched = _workers.Where(w => w.Spec.Name == spec.Name).Select(w => w.Statistics).Where(s => s.Mismatches > 0).ToList();
            if (mismatched.Count > 0)
            {
                violations.Add(F($"workload '{spec.Name}': {mismatched.Sum(s => s.Mismatches)} request(s) returned data that differs from what was written (or from the driver's reply); first: {mismatched[0].FirstMismatch}"));
            }
        }
        _result = new SimulationResult
        {
            EndNanoseconds = _context.BootNanoseconds + Math.Max(0, (crash?.TimeNs ?? stats.TimeNs) - _setupNs),
            Workloads = workloads,
            Processors = MachineReport.Results(stats, MaxDpcQueueDepth()),
            Counters = Counters(stats),
            Notes = _notes,
            DeviceTree = Pnp?.DumpDeviceTree(),
            Violations = violations,
            Verifier = VerifierStatistics(),
            EventLog = [.. Io.ErrorLog.Select(e => EventLogSummary.From(e, _context.BootNanoseconds + Math.Max(0, e.TimeNanoseconds - _setupNs)))],
            Crash = crash is null ? null : BuildCrashReport(crash) with { InFlightRequests = lostInCrash },
        };
        return _result;
    }

    public void Dispose()
    {
        KernelTraceSession.Current?.BootEnded(Machine); // src/Host/Tracing: writes the boot's trace files
        Machine.Dispose();
        if (_ownsSystem)
        {
            _system.Dispose();
        }
        _changed.Dispose();
    }

    private void Stop()
    {
        if (!_stopped)
        {
            _stopped = true;
            StopIssuing = true;
            Machine.Stop();
        }
    }

    /// <summary>
    /// Per workload a user process; its threads go round-robin over the processors. On a RAM disk each
    /// workload owns a region of the image in proportion to its queue depth, so its reads check against its writes.
    /// </summary>
    private void StartWorkloads(DeterministicRandom random)
    {
        var scenario = _context.Scenario;
        var processor = 0;
        foreach (var target in _targets)
        {
            var specs = scenario.Workloads.Where(w => w.Device == target.Device.Name).ToList();
            if (target.Problem is { } problem)
            {
                // NT removes a device whose setup failed; no program gets a handle to it (the summary notes the problem).
                _notes.AddRange(specs.Select(w => F($"workload '{w.Name}' did not start: device {target.Device.Name} has {problem.Name()} (Code {(int)problem})")));
                continue;
            }
            var slots = specs.Sum(w => w.QueueDepth ?? 1);
            var slice = target.KeepsData ? Math.Max(1, target.Size / Math.Max(1, slots)) : 0;
            if (target.IsBlockDisk)
            {
                slice = slice / HardwareCatalog.SectorSize * HardwareCatalog.SectorSize; // regions start on a sector
            }
            long slot = 0;
            foreach (var spec in specs)
            {
                var queueDepth = spec.QueueDepth ?? 1;
                var start = (spec.StartNanoseconds ?? 0) - _context.BootNanoseconds + _setupNs;
                var end = Math.Min(_bootEndNs, spec.DurationNanoseconds is { } d ? (spec.StartNanoseconds ?? 0) + d - _context.BootNanoseconds + _setupNs : _bootEndNs);
                var region = (Offset: slot * slice, Length: queueDepth * slice);
                slot += queueDepth;
                if (end <= 0 || end <= start)
                {
                    continue;
                }
                var definition = IoWorkload.Define(spec, target, region.Offset, region.Length, start, end, processor % Machine.ProcessorCount);
                var workload = new IoWorkload(spec, target, definition, random.Derive(spec.Name!), TimeProvider.System);
                _workers.Add(workload);
                workload.Start(Machine, Io);
                processor += definition.Mode == WorkloadMode.Synchronous ? definition.QueueDepth : 1;
            }
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
        foreach (var t in _targets.Where(t => t.Echo is not null))
        {
            counters.Add(new(F($"devices.{t.Device.Name}.interrupts"), t.Echo!.Interrupts));
            counters.Add(new(F($"devices.{t.Device.Name}.dpcs"), t.Echo.Dpcs));
        }
        foreach (var l in stats.SpinLocks)
        {
            counters.Add(new(F($"spinLocks.{l.Name}.acquisitions"), l.Acquisitions));
            counters.Add(new(F($"spinLocks.{l.Name}.contentions"), l.Contentions));
            counters.Add(new(F($"spinLocks.{l.Name}.spinNs"), l.SpinNs));
        }
        foreach (var spec in _context.Scenario.Workloads)
        {
            var failures = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var w in _workers.Where(w => w.Spec.Name == spec.Name))
            {
                foreach (var (status, n) in w.Failures())
                {
                    failures[status] = failures.GetValueOrDefault(status) + n;
                }
            }
            counters.Add(new(F($"workloads.{spec.Name}.verified"), _workers.Where(w => w.Spec.Name == spec.Name).Sum(w => w.Statistics.Verified)));
            foreach (var (status, n) in failures)
            {
                counters.Add(new(F($"workloads.{spec.Name}.failed.{status}"), n));
            }
        }
        foreach (var t in _targets)
        {
            for (var i = 0; i < t.Filters.Count; i++)
            {
                var f = t.Filters[i];
                counters.Add(new(F($"devices.{t.Device.Name}.filter{i}.reads"), f.RequestCount(IrpMajorFunction.Read)));
                counters.Add(new(F($"devices.{t.Device.Name}.filter{i}.writes"), f.RequestCount(IrpMajorFunction.Write)));
                counters.Add(new(F($"devices.{t.Device.Name}.filter{i}.ioctls"), f.RequestCount(IrpMajorFunction.DeviceControl)));
                counters.Add(new(F($"devices.{t.Device.Name}.filter{i}.bytesRead"), f.BytesRead));
            }
        }
        return counters;
    }

    /// <summary>
    /// The crash report: the machine's dump (bugcheck, processors, frames), every IRP the I/O manager
    /// still had outstanding (where it was held), the device tree and the boot's seed.
    /// </summary>
    private CrashReport BuildCrashReport(CrashDump dump)
    {
        // A bugcheck the scenario injected names the fault, not a driver.
        var injected = dump.FaultingModule == FaultInjection.Name && dump.FaultingRoutine == InjectedBugCheckRoutine ? _injectedBugCheck : null;
        // The kernel (ntoskrnl.exe, the root enumerator's PDOs) is under every root device: it names no device.
        var device = injected is null && dump.FaultingModule is { } module && module != "ntoskrnl.exe"
            ? _targets.FirstOrDefault(t => t.Layers.Contains(module))?.Device.Name : null;
        var processors = dump.Processors.Select(p => new ProcessorCrashState(p.Number, p.Irql,
            p.Frames.Count > 0 ? F($"{p.Frames[0].Module}!{p.Frames[0].Routine}") : null,
            [.. p.HeldSpinLocks.Select(l => F($"{l.Name} ({l.Address})"))])).ToList();
        var tree = _targets.Select(t => F($"{t.Device.Name}: {string.Join(" → ", t.Layers)} ({t.DeviceName})")).ToList();
        return new CrashReport(dump.Code, dump.ParameterValues, _context.BootNanoseconds + dump.TimeNs, injected is null ? dump.FaultingModule : null, device, PendingAtCrash(), processors, tree)
        {
            FaultingRoutine = injected is null ? dump.FaultingRoutine : null,
            InjectedBy = injected,
            DumpJson = dump.ToJson(),
            DebuggerJson = Debugger.KdCapture.TryCaptureJson(Machine, [Io]),
            Seed = _context.Seed,
            Boot = _context.BootIndex,
        };
    }

    /// <summary>The requests the workloads had in flight at the crash, each with the IRP and the device object holding it.</summary>
    private List<PendingRequest> PendingAtCrash()
    {
        var pending = new List<PendingRequest>();
        var n = 0L;
        foreach (var stuck in Io.GetStuckRequests())
        {
            var irp = stuck.Irp;
            var held = irp.CurrentLocation >= 1 && irp.CurrentLocation <= irp.StackCount ? irp.CurrentStackLocation : null;
            var major = held?.MajorFunction ?? irp.StackAt(irp.StackCount).MajorFunction;
            var top = irp.OriginalFileObject?.DeviceObject.Name;
            var target = _targets.FirstOrDefault(t => t.DeviceName == top);
            var location = stuck.Finished ? "completed; the requester was not yet signalled"
                : held?.DeviceObject is { } d ? F($"{d} (stack location {irp.CurrentLocation} of {irp.StackCount})") : "the I/O manager";
            pending.Add(new PendingRequest(++n, stuck.Requester, target?.Device.Name ?? top ?? "?", major.ToDisplayString(), 0, F($"{irp}: {location}")));
        }
        return pending;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
