using System.Globalization;
using ActorKernel.Actors;
using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>
/// The cables between machines of a <c>machines</c> scenario: a nic whose <c>link</c> names
/// <c>machine/device</c> is plugged here when its machine places it, and the cable is connected
/// (<see cref="NetworkAdapter.Connect"/>) as soon as both ends are placed.
/// </summary>
internal sealed class MachineCables
{
    private readonly Dictionary<string, (string Peer, PlacedHardware Hardware)> _ends = new(StringComparer.Ordinal);

    /// <summary>The nic <paramref name="self"/> (<c>machine/device</c>) is placed, its cable going to <paramref name="peer"/>.</summary>
    public void Plug(string self, string peer, PlacedHardware hardware)
    {
        _ends[self] = (peer, hardware);
        if (_ends.TryGetValue(peer, out var other) && other.Peer == self)
        {
            NetworkAdapter.Connect(other.Hardware.Actor, hardware.Actor);
        }
    }
}

/// <summary>
/// A <c>machines</c> scenario's boot: one <see cref="KernelSimulation"/> per machine, all on one actor
/// system (one dispatcher and one virtual clock, so a frame one machine sends arrives at the other
/// in the same simulated time), in one process. Each machine has its own processors, I/O manager,
/// drivers, workloads and trace recorder (the trace files hold a resource per machine); the results
/// name each machine's workloads, devices and counters <c>machine/...</c>.
/// </summary>
internal sealed class MachinesSimulation : ISimulation, ITimelineSource
{
    private readonly List<(string Name, KernelSimulation Simulation)> _machines = [];
    private readonly ActorSystem _system;
    private SimulationResult? _result;

    public MachinesSimulation(SimulationContext context, ISimulationCatalog catalog)
    {
        _system = ActorSystem.Create(context.Scenario.Name ?? "machines", KernelSimulation.SystemOptions(context));
        var cables = new MachineCables();
        var seeds = new DeterministicRandom(context.Seed);
        try
        {
            foreach (var machine in context.Scenario.Machines)
            {
                // Each machine its own seed (its trace ids derive from it), derived from the run's by name.
                var own = context with { Scenario = machine, Seed = seeds.Derive("machine/" + machine.Name).Seed };
                _machines.Add((machine.Name!, new KernelSimulation(own, catalog, _system, cables, machine.Name)));
            }
        }
        catch
        {
            foreach (var (_, simulation) in _machines)
            {
                simulation.Dispose();
            }
            _system.Dispose();
            throw;
        }
        KernelTraceSession.Current?.MachinesBooted([.. _machines.Select(m => m.Simulation.Machine)]);
    }

    /// <summary>The machines, in scenario order.</summary>
    public IReadOnlyList<(string Name, KernelSimulation Simulation)> Machines => _machines;

    public long NowNanoseconds => _machines[0].Simulation.NowNanoseconds;

    public SimulationStatus Advance(long sliceNanoseconds, TimeSpan wallBudget, CancellationToken cancellationToken)
    {
        // One dispatcher: advancing the first machine still running advances them all.
        if (Status != SimulationStatus.Running)
        {
            return Status;
        }
        _machines.First(m => m.Simulation.CurrentStatus == SimulationStatus.Running).Simulation.Advance(sliceNanoseconds, wallBudget, cancellationToken);
        return Status;
    }

    private SimulationStatus Status
    {
        get
        {
            var finished = true;
            foreach (var (_, simulation) in _machines)
            {
                switch (simulation.CurrentStatus)
                {
                    case SimulationStatus.Crashed:
                        return SimulationStatus.Crashed;
                    case SimulationStatus.Running:
                        finished = false;
                        break;
                }
            }
            return finished ? SimulationStatus.Finished : SimulationStatus.Running;
        }
    }

    public void StopWorkloads()
    {
        foreach (var (_, simulation) in _machines)
        {
            simulation.StopWorkloads();
        }
    }

    public void CancelInFlight()
    {
        foreach (var (_, simulation) in _machines)
        {
            simulation.CancelInFlight();
        }
    }

    public ProgressSnapshot Snapshot()
    {
        var parts = _machines.Select(m => (m.Name, Snapshot: m.Simulation.Snapshot())).ToList();
        return new ProgressSnapshot(NowNanoseconds,
            parts.Sum(p => p.Snapshot.Issued), parts.Sum(p => p.Snapshot.Completed), parts.Sum(p => p.Snapshot.Failed), parts.Sum(p => p.Snapshot.InFlight),
            [.. parts.SelectMany(p => p.Snapshot.Devices.Select(d => d with { Name = p.Name + "/" + d.Name }))],
            [.. parts.SelectMany((p, i) => p.Snapshot.Processors.Select(c => c with { Number = Offset(i) + c.Number }))]);
    }

    public TimelineSample Sample()
    {
        var parts = _machines.Select(m => (m.Name, Sample: m.Simulation.Sample())).ToList();
        return new TimelineSample(parts[0].Sample.BootNanoseconds,
            [.. parts.SelectMany(p => p.Sample.Devices.Select(d => d with { Name = p.Name + "/" + d.Name }))],
            [.. parts.SelectMany((p, i) => p.Sample.Processors.Select(c => c with { Number = Offset(i) + c.Number }))]);
    }

    /// <summary>The processors of machine <paramref name="index"/> are numbered after those of the machines before it.</summary>
    private int Offset(int index) => _machines.Take(index).Sum(m => m.Simulation.Machine.ProcessorCount);

    public SimulationResult Complete()
    {
        if (_result is not null)
        {
            return _result;
        }
        var parts = _machines.Select(m => (m.Name, Result: m.Simulation.Complete())).ToList();
        var workloads = new List<WorkloadResult>();
        foreach (var (name, result) in parts)
        {
            foreach (var w in result.Workloads)
            {
                var renamed = new WorkloadResult { Name = name + "/" + w.Name, Device = name + "/" + w.Device };
                renamed.Add(w);
                workloads.Add(renamed);
            }
        }
        var notes = new List<string>
        {
            "machines: " + string.Join(", ", parts.Select((p, i) => string.Create(CultureInfo.InvariantCulture,
                $"{p.Name} (processors {Offset(i)}..{Offset(i) + _machines[i].Simulation.Machine.ProcessorCount - 1})"))),
        };
        notes.AddRange(parts.SelectMany(p => p.Result.Notes.Select(n => p.Name + ": " + n)));
        _result = new SimulationResult
        {
            EndNanoseconds = parts.Max(p => p.Result.EndNanoseconds),
            Workloads = workloads,
            Processors = [.. parts.SelectMany((p, i) => p.Result.Processors.Select(c => c with { Number = Offset(i) + c.Number }))],
            Counters = [.. parts.SelectMany(p => p.Result.Counters.Select(c => new KeyValuePair<string, long>(p.Name + "." + c.Key, c.Value)))],
            Notes = notes,
            DeviceTree = string.Concat(parts.Where(p => p.Result.DeviceTree is not null).Select(p => "Machine " + p.Name + "\n" + p.Result.DeviceTree)),
            Violations = [.. parts.SelectMany(p => p.Result.Violations.Select(v => p.Name + ": " + v))],
            EventLog = [.. parts.SelectMany(p => p.Result.EventLog.Select(e => e with { Source = p.Name + "/" + e.Source }))],
            Crash = parts.Select(p => p.Result.Crash).FirstOrDefault(c => c is not null),
        };
        return _result;
    }

    public void Dispose()
    {
        foreach (var (_, simulation) in _machines)
        {
            simulation.Dispose();
        }
        KernelTraceSession.Current?.MachinesEnded([.. _machines.Select(m => m.Simulation.Machine)]);
        _system.Dispose();
    }
}
