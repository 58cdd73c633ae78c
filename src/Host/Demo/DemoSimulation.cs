using System.Globalization;
using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>One boot of the demo machine: an actor system with a stack per bound device and an actor per workload.</summary>
internal sealed partial class DemoSimulation : ISimulation
{
    private readonly ActorSystem _system;
    private readonly DemoMachine _machine;
    private readonly List<DeviceStack> _stacks = [];
    private readonly List<(string Device, DemoDeviceCounters Counters)> _deviceCounters = [];
    private readonly List<(WorkloadSpec Spec, WorkloadResult Stats, IActorRef Actor, Func<IEnumerable<DemoRequest>> Outstanding)> _workloads = [];
    private readonly List<string> _notes = [];
    private SimulationResult? _result;
    private bool _stopRequested;

    public DemoSimulation(SimulationContext context, ISimulationCatalog catalog)
    {
        var scenario = context.Scenario;
        _system = ActorSystem.Create(string.Create(CultureInfo.InvariantCulture, $"machine{context.BootIndex}"), DemoWorkloadRunner.SystemOptions(context));
        _machine = new DemoMachine(_system.Scheduler, context.BootNanoseconds, context.EndNanoseconds);
        var random = new DeterministicRandom(context.Seed);
        var costs = new CostModel(scenario, catalog);
        foreach (var driver in scenario.Drivers)
        {
            BuildStack(scenario, catalog, driver, costs, random);
        }
        foreach (var spec in scenario.Workloads)
        {
            StartWorkload(context, spec, random);
        }
        ScheduleFaults(context);
    }

    public long NowNanoseconds => _machine.Now;

    private bool AllWorkloadsDone => _machine.WorkloadsDone >= _workloads.Count;

    public SimulationStatus Advance(long sliceNanoseconds, TimeSpan wallBudget, CancellationToken cancellationToken)
    {
        if (_system.Deterministic is { } deterministic)
        {
            deterministic.RunUntil(() => _machine.IsCrashed || (AllWorkloadsDone && _machine.Now >= _machine.EndNanoseconds),
                TimeSpan.FromTicks(Math.Max(1, sliceNanoseconds / 100)));
        }
        else
        {
            try
            {
                _machine.Changed.Wait(wallBudget, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // the host wants to act (stop, abort): report where things are
            }
            _machine.Changed.Reset();
        }
        return Status;
    }

    private SimulationStatus Status =>
        _machine.IsCrashed ? SimulationStatus.Crashed
        : AllWorkloadsDone && _machine.Now >= _machine.EndNanoseconds ? SimulationStatus.Finished
        : AllWorkloadsDone && _stopRequested ? SimulationStatus.Finished
        : SimulationStatus.Running;

    public void StopWorkloads()
    {
        _stopRequested = true;
        foreach (var w in _workloads)
        {
            w.Actor.Tell(DemoMessages.StopIssuing);
        }
    }

    public void CancelInFlight()
    {
        _stopRequested = true;
        foreach (var w in _workloads)
        {
            w.Actor.Tell(DemoMessages.CancelAll);
        }
    }

    public ProgressSnapshot Snapshot()
    {
        long issued = 0, completed = 0, failed = 0, inFlight = 0;
        foreach (var (_, stats, _, _) in _workloads)
        {
            issued += stats.Issued;
            completed += stats.Completed;
            failed += stats.Failed;
            inFlight += stats.InFlight;
        }
        var devices = new List<DeviceProgress>();
        foreach (var stack in _stacks)
        {
            var histogram = new LatencyHistogram();
            foreach (var w in _workloads.Where(w => w.Spec.Device == stack.Device))
            {
                histogram.Add(w.Stats.Latency);
            }
            devices.Add(new DeviceProgress(stack.Device, histogram.Count, histogram.Percentile(50), histogram.Percentile(99), histogram.Max));
        }
        return new ProgressSnapshot(_machine.Now, issued, completed, failed, inFlight, devices, []);
    }

    public SimulationResult Complete()
    {
        if (_result is not null)
        {
            return _result;
        }
        var end = _machine.Now;
        var deliveries = _system.Deterministic?.Deliveries;
        Terminate();
        CrashReport? crash = null;
        if (_machine.IsCrashed)
        {
            crash = BuildCrashReport();
            foreach (var (_, stats, _, outstanding) in _workloads)
            {
                var lost = outstanding().LongCount();
                stats.LostInCrash += lost;
                stats.Failed += lost;
                stats.InFlight -= lost;
            }
        }
        var counters = new List<KeyValuePair<string, long>>();
        if (deliveries is { } d)
        {
            counters.Add(new("dispatcher.deliveries", d)); // deterministic runs only: on the thread pool this varies
        }
        foreach (var (device, c) in _deviceCounters)
        {
            counters.Add(new($"devices.{device}.interrupts", c.Interrupts));
            counters.Add(new($"devices.{device}.spuriousInterrupts", c.SpuriousInterrupts));
        }
        _result = new SimulationResult
        {
            EndNanoseconds = _machine.IsCrashed ? _machine.CrashedAtNanoseconds : end,
            Workloads = [.. _workloads.Select(w => w.Stats)],
            Counters = counters,
            Notes = _notes,
            Crash = crash,
        };
        return _result;
    }

    public void Dispose()
    {
        Terminate();
        _machine.Dispose();
    }

    private void Terminate()
    {
        var done = _system.Terminate();
        if (_system.Deterministic is null && !done.Wait(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("The simulated machine's actors did not stop within 10 s.");
        }
    }

    private CrashReport BuildCrashReport()
    {
        var bugCheck = _machine.BugCheck!;
        var pending = new List<PendingRequest>();
        foreach (var (spec, _, _, outstanding) in _workloads)
        {
            var stack = _stacks.First(s => s.Device == spec.Device);
            foreach (var r in outstanding().OrderBy(r => r.Id))
            {
                pending.Add(new PendingRequest(r.Id, spec.Name!, spec.Device!, MajorName(r.MajorFunction), r.IssuedAtNanoseconds, stack.Names[Math.Clamp(r.Location, 0, stack.Names.Length - 1)]));
            }
        }
        var tree = _stacks.SelectMany(s => s.Names.Select((n, i) => $"{s.Device}: {new string(' ', 2 * i)}{n}")).ToList();
        return new CrashReport(bugCheck.Code, [bugCheck.Parameter1, bugCheck.Parameter2, bugCheck.Parameter3, bugCheck.Parameter4],
            _machine.CrashedAtNanoseconds, _machine.FaultingDriver, _machine.FaultingDevice, pending, [], tree);
    }

    internal static string MajorName(IrpMajorFunction major) => major switch
    {
        IrpMajorFunction.Read => "IRP_MJ_READ",
        IrpMajorFunction.Write => "IRP_MJ_WRITE",
        IrpMajorFunction.DeviceControl => "IRP_MJ_DEVICE_CONTROL",
        _ => major.ToString(),
    };
}
