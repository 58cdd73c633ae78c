using System.Globalization;
using ActorKernel.Actors;

namespace ActorKernel.Host;

/// <summary>Merges the results of every boot of a run into one <see cref="RunSummary"/>.</summary>
internal sealed class RunAccumulator(Scenario scenario, string runner, ulong seed, string dispatcher, long durationNanoseconds)
{
    private readonly Dictionary<string, WorkloadResult> _workloads = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly List<CrashSummary> _crashes = [];
    private readonly List<string> _notes = [];
    private readonly List<string> _violations = [];
    private readonly List<ProcessorResult> _processors = [];
    private IReadOnlyList<VerifierSummary> _verifier = [];
    private readonly List<EventLogSummary> _eventLog = [];

    public long EndNanoseconds { get; private set; }

    public int Boots { get; private set; }

    public int Crashes => _crashes.Count;

    /// <summary>The device tree of the last boot that had one (<c>run --devnodes</c>).</summary>
    public string? DeviceTree { get; private set; }

    /// <summary>Invariant violations reported by the runner, over every boot.</summary>
    public IReadOnlyList<string> Violations => _violations;

    public void Add(SimulationResult result)
    {
        Boots++;
        EndNanoseconds = Math.Max(EndNanoseconds, result.EndNanoseconds);
        foreach (var w in result.Workloads)
        {
            if (!_workloads.TryGetValue(w.Name, out var total))
            {
                _workloads[w.Name] = total = new WorkloadResult { Name = w.Name, Device = w.Device };
            }
            total.Add(w);
        }
        foreach (var (name, value) in result.Counters)
        {
            _counters[name] = _counters.GetValueOrDefault(name) + value;
        }
        foreach (var note in result.Notes.Where(n => !_notes.Contains(n)))
        {
            _notes.Add(note);
        }
        _violations.AddRange(result.Violations);
        _processors.Clear();
        _processors.AddRange(result.Processors); // the last boot's processors; earlier boots are in their dumps
        _verifier = result.Verifier; // the last boot's verifier figures, as !verifier shows them
        _eventLog.AddRange(result.EventLog.Select(e => e with { Boot = Boots - 1 }));
        DeviceTree = result.DeviceTree ?? DeviceTree; // the last boot's tree
    }

    public void AddCrash(CrashReport crash, int boot, string? dump) =>
        _crashes.Add(new CrashSummary(boot, crash.AtNanoseconds,
            JsonCrashDumpWriter.Hex32((uint)crash.Code), crash.Code.GetName(),
            [.. crash.Parameters.Select(JsonCrashDumpWriter.Hex64)],
            crash.FaultingDriver, crash.FaultingDevice, crash.InFlightRequests, dump)
        {
            FaultingRoutine = crash.FaultingRoutine,
            PendingIrps = crash.PendingRequests.Count,
            InjectedBy = crash.InjectedBy,
        });

    /// <summary>Wall-clock latencies of the workloads that recorded them, in scenario order.</summary>
    public IReadOnlyList<WallLatencySummary> WallLatencies(Scenario scenario) =>
        [.. scenario.Workloads.Select(s => _workloads.GetValueOrDefault(s.Name!)).OfType<WorkloadResult>()
            .Where(w => w.WallLatency.Count > 0).Select(w => new WallLatencySummary(w.Name, LatencySummary.From(w.WallLatency)))];

    /// <summary>Issued = completed + failed + in flight for every workload.</summary>
    public bool Consistent(out string detail)
    {
        foreach (var w in Ordered())
        {
            if (w.Issued != w.Completed + w.Failed + w.InFlight || w.InFlight < 0)
            {
                detail = string.Create(CultureInfo.InvariantCulture,
                    $"workload '{w.Name}': issued {w.Issued} != completed {w.Completed} + failed {w.Failed} + in flight {w.InFlight}");
                return false;
            }
        }
        detail = "";
        return true;
    }

    public RunSummary Build(string stopReason, int exitCode)
    {
        var simulatedSeconds = Math.Max(1e-9, EndNanoseconds / 1e9);
        var workloads = Ordered().ToList();
        var devices = new List<DeviceSummary>();
        foreach (var driver in scenario.Drivers)
        {
            var device = scenario.FindDevice(driver.Device!)!;
            var latency = new LatencyHistogram();
            long issued = 0, completed = 0, failed = 0, inFlight = 0;
            foreach (var w in workloads.Where(w => w.Device == device.Name))
            {
                latency.Add(w.Latency);
                issued += w.Issued;
                completed += w.Completed;
                failed += w.Failed;
                inFlight += w.InFlight;
            }
            IReadOnlyList<string> stack = [.. driver.ClassUpperFilters, .. driver.UpperFilters, driver.Name!, .. driver.ClassLowerFilters, .. driver.LowerFilters]; // the PnP manager's AddDevice order, top first
            devices.Add(new DeviceSummary(device.Name!, device.Type!, device.Irq ?? 0, driver.Name!, stack, issued, completed, failed, inFlight, LatencySummary.From(latency)));
        }
        var totals = new TotalsSummary(
            workloads.Sum(w => w.Issued), workloads.Sum(w => w.Completed), workloads.Sum(w => w.Failed),
            workloads.Sum(w => w.Cancelled), workloads.Sum(w => w.LostInCrash), workloads.Sum(w => w.InFlight),
            workloads.Sum(w => w.Bytes), Round(workloads.Sum(w => w.Completed + w.Failed) / simulatedSeconds), Consistent(out _));
        return new RunSummary(
            scenario.Name!, scenario.ContentHash, runner, dispatcher, seed, scenario.Machine.Processors ?? 1,
            Duration.Format(durationNanoseconds), EndNanoseconds, stopReason, Boots, totals, devices,
            [.. workloads.Select(w => new WorkloadSummary(w.Name, w.Device, w.Issued, w.Completed, w.Failed, w.Cancelled, w.LostInCrash, w.InFlight,
                w.Reads, w.Writes, w.Ioctls, w.Bytes, Round((w.Completed + w.Failed) / simulatedSeconds), LatencySummary.From(w.Latency)))],
            _processors, _counters, _crashes, _violations, _notes, exitCode)
        {
            Verifier = _verifier.Count == 0 ? null : _verifier,
            EventLog = _eventLog.Count == 0 ? null : _eventLog,
        };
    }

    private IEnumerable<WorkloadResult> Ordered() =>
        scenario.Workloads.Select(s => _workloads.GetValueOrDefault(s.Name!) ?? new WorkloadResult { Name = s.Name!, Device = s.Device! });

    private static double Round(double v) => Math.Round(v, 3, MidpointRounding.ToEven);
}
