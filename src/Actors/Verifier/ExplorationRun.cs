using System.Globalization;
using System.Text;
using ActorKernel.Runtime;

namespace ActorKernel.Actors.Verifier;

/// <summary>
/// One schedule of a scenario under the explorer: what the scenario's body builds its machine with,
/// drives it with, and declares its invariants and assertions on. Its body runs the same way under
/// <see cref="Explorer.Explore"/>, <see cref="Explorer.Replay"/> and with no explorer at all.
/// </summary>
public sealed class ExplorationRun
{
    private readonly ExplorationStrategy _strategy;
    private readonly ExplorerOptions _options;
    private readonly List<(string Name, Func<bool> Holds)> _invariants = [];
    private readonly List<IoManager> _ioManagers = [];

    internal ExplorationRun(ulong seed, int schedule, ExplorationStrategy strategy, ExplorerOptions options)
    {
        Seed = seed;
        Schedule = schedule;
        _strategy = strategy;
        _options = options;
    }

    /// <summary>The seed of this schedule (the machine's seed).</summary>
    public ulong Seed { get; }

    /// <summary>The schedule number.</summary>
    public int Schedule { get; }

    /// <summary>The machine of this run, once created.</summary>
    public Machine? Machine { get; private set; }

    /// <summary>A hang or failed assertion the run reported itself (the first one).</summary>
    internal ExplorationFailure? Reported { get; private set; }

    internal IReadOnlyList<IoManager> IoManagers => _ioManagers;

    internal IReadOnlyList<(string Name, Func<bool> Holds)> Invariants => _invariants;

    /// <summary>
    /// Builds the run's machine on a deterministic actor system seeded with <see cref="Seed"/>, recording
    /// its deliveries (the event log replay compares), with the explorer's strategy steering it.
    /// </summary>
    /// <param name="options">The machine's shape; its seed and dispatcher are replaced.</param>
    /// <returns>The machine (the explorer disposes it after the run).</returns>
    public Machine CreateMachine(MachineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Machine is not null)
        {
            throw new InvalidOperationException("A run has one machine.");
        }
        var system = ActorSystem.Create(options.Name, ActorSystemOptions.DeterministicWith(Seed, recordDeliveries: true));
        var dispatcher = system.Deterministic!;
        dispatcher.Strategy = _strategy;
        dispatcher.StallWindowNanoseconds = _options.StallWindowNanoseconds;
        Machine = Machine.Create(options with { Seed = Seed, Dispatcher = DispatcherKind.Deterministic, CheckedBuild = options.CheckedBuild || _options.CheckedBuild }, system);
        return Machine;
    }

    /// <summary>Attaches <paramref name="io"/> to the run's machine; its requests are accounted at the end (every IRP completes exactly once).</summary>
    /// <param name="io">The I/O manager.</param>
    /// <returns><paramref name="io"/>.</returns>
    public IoManager AttachIo(IoManager io)
    {
        ArgumentNullException.ThrowIfNull(io);
        io.AttachTo(Machine ?? throw new InvalidOperationException("Create the machine first."));
        _ioManagers.Add(io);
        return io;
    }

    /// <summary>
    /// Registers a block controller for device faults: at each register write its driver makes, the
    /// strategy may make it stop answering (<see cref="KiFault.DeviceTimeout"/>: the model's
    /// <see cref="Hardware.BlockControllerFault.StopAnswering"/>) or pull it out
    /// (<see cref="KiFault.SurpriseRemoval"/>: <see cref="Hardware.BlockControllerFault.SurpriseUnplug"/>,
    /// registers read all ones and it never interrupts), when those faults are enabled. The decision is
    /// recorded in the fault trace and replayed.
    /// </summary>
    /// <param name="controller">The device model.</param>
    /// <returns><paramref name="controller"/>.</returns>
    public Hardware.BlockController AttachDevice(Hardware.BlockController controller)
    {
        ArgumentNullException.ThrowIfNull(controller);
        _strategy.AddDevice(controller, fault => controller.InjectFault(fault == KiFault.DeviceTimeout
            ? Hardware.BlockControllerFault.StopAnswering
            : Hardware.BlockControllerFault.SurpriseUnplug));
        return controller;
    }

    /// <summary>Whether to inject <paramref name="fault"/> now (a workload-level fault point: cancel, CloseHandle); recorded in the fault trace.</summary>
    /// <param name="fault">The fault.</param>
    /// <returns>Whether to inject it.</returns>
    public bool Fault(KiFault fault) => _strategy.ShouldInject(fault);

    /// <summary>Declares an invariant checked when the run ends (a driver's own rule: "the counter equals the requests").</summary>
    /// <param name="name">What it states.</param>
    /// <param name="holds">Whether it holds.</param>
    public void Invariant(string name, Func<bool> holds)
    {
        ArgumentNullException.ThrowIfNull(holds);
        _invariants.Add((name, holds));
    }

    /// <summary>Fails the run now when <paramref name="condition"/> is false.</summary>
    /// <param name="condition">What must hold.</param>
    /// <param name="message">What failed.</param>
    /// <exception cref="ExplorationAssertionException">The condition is false.</exception>
    public static void Assert(bool condition, string message)
    {
        if (!condition)
        {
            throw new ExplorationAssertionException(message);
        }
    }

    /// <summary>
    /// Drives the machine until <paramref name="done"/> holds, the machine bugchecks, or
    /// <paramref name="progressSpan"/> of virtual time passes. In the last case the run is a hang: the
    /// explorer stops the machine with MANUALLY_INITIATED_CRASH (0xE2), as one breaks into a hung
    /// Windows machine, so the crash dump shows each processor's stack and held locks, and the note
    /// lists the requests still pending (the wait chain).
    /// </summary>
    /// <param name="done">The workload's end.</param>
    /// <param name="progressSpan">How long the workload may take in virtual time.</param>
    /// <param name="what">What the workload waits for (named in the hang report).</param>
    /// <returns>Whether <paramref name="done"/> held.</returns>
    public bool RunUntil(Func<bool> done, TimeSpan progressSpan, string what)
    {
        ArgumentNullException.ThrowIfNull(done);
        var machine = Machine ?? throw new InvalidOperationException("Create the machine first.");
        var finished = machine.System.Deterministic!.RunUntil(() => done() || machine.IsBugChecked, progressSpan);
        if (machine.IsBugChecked)
        {
            return false;
        }
        if (finished)
        {
            return true;
        }
        ReportHang($"no progress: {what} did not happen within {progressSpan.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms of virtual time");
        return false;
    }

    /// <summary>Reports a hang (deadlock or livelock) and stops the machine with a dump.</summary>
    /// <param name="description">What did not happen.</param>
    public void ReportHang(string description)
    {
        var note = new StringBuilder(description);
        foreach (var io in _ioManagers)
        {
            foreach (var stuck in io.GetStuckRequests())
            {
                note.Append("; waiting: ").Append(stuck.Irp).Append(" cancel routine ").Append(stuck.Irp.CancelRoutine is null ? "none" : "set")
                    .Append(stuck.Irp.Cancel ? ", Cancel set" : string.Empty);
            }
        }
        Report(new ExplorationFailure(FailureKind.Hang, note.ToString()), note.ToString());
    }

    internal void Report(ExplorationFailure failure, string note)
    {
        Reported ??= failure;
        if (Machine is { IsBugChecked: false } machine)
        {
            _ = machine.KeBugCheck(null, null, BugCheckCode.ManuallyInitiatedCrash, 0, 0, 0, 0, "stress explorer: " + note);
        }
    }
}

/// <summary>A failed assertion inside an explored run.</summary>
/// <param name="message">What failed.</param>
public sealed class ExplorationAssertionException(string message) : Exception(message);
