using System.Globalization;
using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Host.Debugger;

/// <summary>How far <c>g</c>, <c>p</c> and <c>t</c> run the machine.</summary>
internal enum KdRunMode
{
    /// <summary><c>g</c>: until a breakpoint, a bugcheck or the end of the run.</summary>
    Go,

    /// <summary><c>p</c>: until the next routine the I/O manager runs (dispatch, completion, cancel, StartIo, IoTimer).</summary>
    StepRoutine,

    /// <summary><c>t</c>: until the next scheduling point (<see cref="KiSchedulingPoint"/>) where another processor could act.</summary>
    StepSchedulingPoint,
}

/// <summary>
/// A live machine on the deterministic dispatcher under the debugger's control: breakpoints on
/// driver routines and kernel services, <c>g</c>, and stepping by routine or by scheduling point.
/// </summary>
/// <remarks>
/// Nothing blocks: the I/O manager's routine hook (<see cref="IoManager.Observer"/>) and, while
/// <c>t</c> steps, a scheduling strategy on the dispatcher only note the stop and capture the machine
/// at that instant (the routine about to run on top of its processor's frames); the run loop
/// (<see cref="Machine.RunUntil"/>, the condition checked between deliveries) then delivers nothing
/// more, so every processor stays frozen until the next <c>g</c>. The turn that hit the breakpoint
/// finishes first (a turn is atomic on the dispatcher); what the commands show is the capture.
/// </remarks>
internal sealed class KdLiveTarget : IDisposable, IIoRoutineObserver, ISchedulingStrategy, IKiFaultInjector
{
    private readonly Machine _machine;
    private readonly IReadOnlyList<IoManager> _io;
    private readonly IIoRoutineObserver?[] _chained;
    private readonly IIoRoutineObserver? _chainedMachine;
    private readonly IDisposable? _owner;
    private readonly List<KdBreakpoint> _breakpoints = [];
    private readonly DeterministicRandom _stepChoices;
    private int _nextId;
    private KdRunMode? _mode;
    private KdMachine? _stopped;
    private string? _stopText;

    /// <summary>Takes control of <paramref name="machine"/>, stopped where it is now.</summary>
    /// <param name="machine">The machine, on the deterministic dispatcher.</param>
    /// <param name="io">Its I/O managers.</param>
    /// <param name="endNs">Virtual time at which <c>g</c> gives up (the run's end).</param>
    /// <param name="owner">Disposed with the target (the simulation that built the machine).</param>
    public KdLiveTarget(Machine machine, IReadOnlyList<IoManager> io, long endNs, IDisposable? owner = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(io);
        if (machine.System.Deterministic is null)
        {
            throw new InvalidOperationException("kd controls a machine on the deterministic dispatcher only");
        }
        _machine = machine;
        _io = io;
        _owner = owner;
        EndNs = endNs;
        _chained = [.. io.Select(m => m.Observer)];
        foreach (var m in io)
        {
            m.Observer = this;
        }
        _chainedMachine = machine.RoutineObserver;
        machine.RoutineObserver = this; // ISRs and DPCs
        _stepChoices = new DeterministicRandom(machine.Options.Seed).Derive("kd/step");
        Current = Capture() with { Stop = new KdStop("Initial breakpoint: devices started, workloads not run yet", 0, "nt!KiSystemStartup") };
    }

    /// <summary>The machine as it is stopped now.</summary>
    public KdMachine Current { get; private set; }

    /// <summary>The controlled machine's I/O managers (a test reaches the kernel through them while it is stopped).</summary>
    internal IReadOnlyList<IoManager> Io => _io;

    /// <summary>Reads the stopped machine again (after a test changed it while stopped).</summary>
    internal void Recapture() => Current = Capture() with { Stop = Current.Stop };

    /// <summary>Virtual time at which <c>g</c> stops if nothing else stops it.</summary>
    public long EndNs { get; }

    /// <summary>The breakpoints set.</summary>
    public IReadOnlyList<KdBreakpoint> Breakpoints => _breakpoints;

    /// <summary>Sets a breakpoint (<c>bp</c>).</summary>
    /// <param name="args">The words after bp.</param>
    /// <returns>kd's output: nothing, or an error.</returns>
    public string SetBreakpoint(string[] args)
    {
        if (KdBreakpoint.Parse(_nextId, args, out var error) is not { } bp)
        {
            return error!;
        }
        _nextId++;
        _breakpoints.Add(bp);
        return "";
    }

    /// <summary>Clears breakpoints (<c>bc N|*</c>).</summary>
    /// <param name="which">A number or *.</param>
    /// <returns>kd's output.</returns>
    public string ClearBreakpoint(string which)
    {
        if (which == "*")
        {
            _breakpoints.Clear();
            return "";
        }
        if (int.TryParse(which, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && _breakpoints.RemoveAll(b => b.Id == id) > 0)
        {
            return "";
        }
        return $"Breakpoint {which} does not exist\n";
    }

    /// <summary>Runs the machine (<c>g</c>, <c>p</c>, <c>t</c>) until it stops again; <see cref="Current"/> is then the stopped machine.</summary>
    /// <param name="mode">How far to run.</param>
    /// <returns>What kd prints when the machine stops.</returns>
    public string Run(KdRunMode mode)
    {
        if (_machine.IsBugChecked)
        {
            return "The machine is stopped on a bugcheck: nothing more can run (.bugcheck, !analyze -v)\n";
        }
        var left = EndNs - _machine.NowNanoseconds;
        if (left <= 0)
        {
            return F($"The run's end ({EndNs} ns of simulated time) is reached: nothing more runs\n");
        }
        _mode = mode;
        _stopped = null;
        _stopText = null;
        var dispatcher = _machine.System.Deterministic!;
        if (mode == KdRunMode.StepSchedulingPoint)
        {
            // The points call the dispatcher's strategy only while one is attached (KiSchedulingPoint).
            dispatcher.Strategy = this;
            KiSchedulingPoint.KiAttach(this);
        }
        try
        {
            _machine.RunUntil(() => _stopped is not null || _machine.IsBugChecked, TimeSpan.FromTicks(Math.Max(1, left / 100)));
        }
        finally
        {
            if (mode == KdRunMode.StepSchedulingPoint)
            {
                KiSchedulingPoint.KiDetach();
                dispatcher.Strategy = null;
            }
            _mode = null;
        }
        if (_stopped is { } stopped)
        {
            Current = stopped;
            return _stopText!;
        }
        Current = Capture();
        if (Current.BugCheck is { } bug)
        {
            var p = bug.Parameters.Select(x => F($"0x{x.Value:x16}")).ToArray();
            return F($"\n*** Fatal System Error: 0x{bug.Code:x8}\n                       ({string.Join(",", p)})\n\n");
        }
        Current = Current with { Stop = new KdStop("End of run: no breakpoint was hit", 0, "nt!KiIdleLoop") };
        return F($"The run's end ({EndNs} ns of simulated time) was reached with no breakpoint hit\n");
    }

    /// <inheritdoc />
    public void RoutineStarted(in IoRoutineEvent routine)
    {
        ChainedObserver(routine)?.RoutineStarted(routine);
        if (_mode is not { } mode || _stopped is not null || mode == KdRunMode.StepSchedulingPoint)
        {
            return;
        }
        var symbol = KdBreakpoint.SymbolOf(routine);
        string text;
        string top;
        if (mode == KdRunMode.StepRoutine)
        {
            if (routine.Kind is IoRoutineKind.Isr or IoRoutineKind.Dpc)
            {
                return; // p steps through the routines the I/O manager calls; an ISR or DPC stops only at a bp
            }
            top = symbol;
            text = symbol + ":\n";
        }
        else
        {
            KdBreakpoint? hit = null;
            foreach (var bp in _breakpoints)
            {
                if (bp.Matches(routine))
                {
                    hit = bp;
                    break;
                }
            }
            if (hit is null)
            {
                return;
            }
            hit.Hits++;
            if (hit.OneShot)
            {
                _breakpoints.Remove(hit);
            }
            top = hit.Service is null ? symbol : hit.Symbol;
            text = F($"Breakpoint {hit.Id} hit\n{top}:\n") + (hit.Service is null ? "" : F($"    (calls {symbol})\n"));
        }
        if (routine.Irp is { } irp)
        {
            text += F($"    Irp {KdFormat.Address(irp.Address)} {routine.MajorFunction.ToDisplayString()} to {routine.Device?.Name ?? KdFormat.Address(routine.Device?.Address)}\n");
        }
        var module = top.StartsWith("nt!", StringComparison.Ordinal) ? "ntoskrnl.exe" : routine.ImageName ?? "unknown.sys";
        var frame = new FrameDump("Routine", top[(top.IndexOf('!', StringComparison.Ordinal) + 1)..], module, routine.Irql.ToDisplayString(), "Running", 0, null);
        var machine = Capture();
        var number = routine.Processor;
        // An ISR or DPC is already the processor's top frame (about to run): it is marked running rather than pushed twice.
        var own = routine.Kind is IoRoutineKind.Isr or IoRoutineKind.Dpc;
        var processors = machine.Processors.Select(p => p.Number != number ? p
            : own && p.Frames.Count > 0 ? p with { Frames = [p.Frames[0] with { State = "Running" }, .. p.Frames.Skip(1)] }
            : p with { Frames = [frame, .. p.Frames] }).ToList();
        _stopped = machine with { Processors = processors, Stop = new KdStop(text.Split('\n')[0], number, top) };
        _stopText = text;
    }

    /// <inheritdoc />
    public void RoutineFinished(in IoRoutineEvent routine, NtStatus result) => ChainedObserver(routine)?.RoutineFinished(routine, result);

    /// <summary>
    /// The dispatcher's choices while <c>t</c> steps: at a step, a seeded choice of the next actor (the
    /// schedule stays deterministic); at a scheduling point, the paused processor continues and the
    /// machine stops there.
    /// </summary>
    int ISchedulingStrategy.Choose(ReadOnlySpan<int> candidates, int pausedIndex)
    {
        if (pausedIndex < 0)
        {
            return _stepChoices.Next(candidates.Length);
        }
        if (_stopped is null && Processor.CurrentOrNull is { Top: { } top } processor)
        {
            var symbol = KdFormat.ModuleShortName(top.Module.Name) + "!" + KdCapture.RoutineName(top.RoutineName);
            var text = F($"Scheduling point in {symbol} on processor {processor.Number} ({candidates.Length - 1} other candidate(s) could run here)\n");
            _stopped = Capture() with { Stop = new KdStop(text.TrimEnd('\n'), processor.Number, symbol) };
            _stopText = text;
        }
        return pausedIndex;
    }

    /// <summary>The step injects no fault.</summary>
    bool IKiFaultInjector.ShouldInject(KiFault fault) => false;

    /// <summary>A step injects no device fault either.</summary>
    void IKiFaultInjector.DeviceAccessed(object device)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
        for (var i = 0; i < _io.Count; i++)
        {
            _io[i].Observer = _chained[i];
        }
        _machine.RoutineObserver = _chainedMachine;
        _owner?.Dispose();
    }

    private IIoRoutineObserver? ChainedObserver(in IoRoutineEvent routine)
    {
        if (routine.Kind is IoRoutineKind.Isr or IoRoutineKind.Dpc)
        {
            return _chainedMachine;
        }
        if (_chained.Length == 1)
        {
            return _chained[0];
        }
        for (var i = 0; i < _io.Count; i++)
        {
            if (ReferenceEquals(_io[i], routine.Driver?.Manager))
            {
                return _chained[i];
            }
        }
        return null;
    }

    private KdMachine Capture() => KdCapture.Capture(_machine, _io);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
