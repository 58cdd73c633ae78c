using ActorKernel.Runtime;

namespace ActorKernel.Actors.Verifier;

/// <summary>The search strategies of the stress explorer.</summary>
public enum ExplorationStrategyKind
{
    /// <summary>Seeded random: a uniform choice at each dispatcher step; at a scheduling point a switch with a fixed probability.</summary>
    Random,

    /// <summary>PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010): random priorities with d - 1 priority-change points.</summary>
    Pct,

    /// <summary>Bounded exhaustive: depth-first over every choice up to a depth bound (tiny tests only).</summary>
    Exhaustive,

    /// <summary>Replays a recorded choice and fault trace.</summary>
    Replay,
}

/// <summary>
/// A strategy steering one schedule: every choice of the deterministic dispatcher and every fault
/// decision. It records both, in order, as the schedule's trace (which replay feeds back).
/// </summary>
internal abstract class ExplorationStrategy : ISchedulingStrategy, IKiFaultInjector
{
    private readonly List<int> _choices = [];
    private readonly List<FaultDecision> _faults = [];

    /// <summary>The choices made in this schedule, in order.</summary>
    public IReadOnlyList<int> Choices => _choices;

    /// <summary>The fault decisions made in this schedule, in order.</summary>
    public IReadOnlyList<FaultDecision> Faults => _faults;

    /// <summary>Faults this schedule may inject.</summary>
    public IReadOnlySet<KiFault> EnabledFaults { get; init; } = new HashSet<KiFault>();

    public int Choose(ReadOnlySpan<int> candidates, int pausedIndex)
    {
        var choice = ChooseCore(candidates, pausedIndex);
        _choices.Add(choice);
        return choice;
    }

    public bool ShouldInject(KiFault fault)
    {
        if (!EnabledFaults.Contains(fault))
        {
            return false;
        }
        var inject = DecideFault(fault);
        _faults.Add(new FaultDecision(_faults.Count, fault, inject));
        return inject;
    }

    /// <summary>
    /// A driver wrote a register of <paramref name="device"/>. When the run registered it
    /// (<see cref="ExplorationRun.AttachDevice"/>) and it is still healthy, each enabled device fault
    /// is a decision here, in a fixed order (timeout, then surprise removal); the first injected one
    /// is applied through the device model's own fault hook, and the device is asked no more.
    /// </summary>
    public void DeviceAccessed(object device)
    {
        for (var i = 0; i < _devices.Count; i++)
        {
            var target = _devices[i];
            if (!ReferenceEquals(target.Device, device) || target.Faulted)
            {
                continue;
            }
            foreach (var fault in DeviceFaults)
            {
                if (ShouldInject(fault))
                {
                    _devices[i] = target with { Faulted = true };
                    target.Inject(fault);
                    return;
                }
            }
            return;
        }
    }

    /// <summary>Registers a device model whose faults the strategy may inject at its register writes.</summary>
    /// <param name="device">The register window the HAL decodes to (the device model).</param>
    /// <param name="inject">Applies a device fault through the model's hook.</param>
    internal void AddDevice(object device, Action<KiFault> inject) => _devices.Add(new FaultableDevice(device, inject, false));

    private static readonly KiFault[] DeviceFaults = [KiFault.DeviceTimeout, KiFault.SurpriseRemoval];

    private readonly List<FaultableDevice> _devices = [];

    private sealed record FaultableDevice(object Device, Action<KiFault> Inject, bool Faulted);

    protected abstract int ChooseCore(ReadOnlySpan<int> candidates, int pausedIndex);

    protected abstract bool DecideFault(KiFault fault);
}

/// <summary>One fault decision of a schedule: the n-th time a fault point was reached, which fault, whether it was injected.</summary>
/// <param name="Ordinal">The decision's position among the schedule's fault decisions.</param>
/// <param name="Fault">The fault.</param>
/// <param name="Injected">Whether it was injected.</param>
public sealed record FaultDecision(int Ordinal, KiFault Fault, bool Injected);

/// <summary>Seeded random search.</summary>
internal sealed class RandomStrategy(DeterministicRandom random, double switchProbability, double faultProbability) : ExplorationStrategy
{
    protected override int ChooseCore(ReadOnlySpan<int> candidates, int pausedIndex)
    {
        if (pausedIndex < 0)
        {
            return random.Next(candidates.Length);
        }
        if (random.NextDouble() >= switchProbability)
        {
            return pausedIndex;
        }
        var other = random.Next(candidates.Length - 1);
        return other >= pausedIndex ? other + 1 : other;
    }

    protected override bool DecideFault(KiFault fault) => random.NextDouble() < faultProbability;
}

/// <summary>
/// PCT: every actor gets a random priority the first time it is a candidate (all at least d); the
/// highest-priority candidate runs; at each of d - 1 change points, chosen uniformly among the first
/// k choices, the actor that runs (or continues) has its priority lowered below every initial one.
/// For a bug of depth d among n actors and k steps it finds it with probability at least 1/(n k^(d-1)).
/// </summary>
internal sealed class PctStrategy : ExplorationStrategy
{
    private readonly DeterministicRandom _random;
    private readonly Dictionary<int, long> _priorities = [];
    private readonly long[] _changePoints;
    private readonly double _faultProbability;
    private int _step;

    public PctStrategy(DeterministicRandom random, int depth, int steps, double faultProbability)
    {
        _random = random;
        _faultProbability = faultProbability;
        _changePoints = new long[Math.Max(0, depth - 1)];
        for (var i = 0; i < _changePoints.Length; i++)
        {
            _changePoints[i] = 1 + _random.Next(Math.Max(1, steps));
        }
        Depth = depth;
    }

    public int Depth { get; }

    protected override int ChooseCore(ReadOnlySpan<int> candidates, int pausedIndex)
    {
        _step++;
        var best = Highest(candidates);
        for (var j = 0; j < _changePoints.Length; j++)
        {
            if (_changePoints[j] == _step)
            {
                // Change point j (the paper's k_(j+1)): the actor about to run gets priority j + 1, below every initial one (>= d).
                _priorities[candidates[best]] = j + 1;
                best = Highest(candidates);
            }
        }
        return best;
    }

    private int Highest(ReadOnlySpan<int> candidates)
    {
        var best = 0;
        var bestPriority = long.MinValue;
        for (var i = 0; i < candidates.Length; i++)
        {
            var priority = PriorityOf(candidates[i]);
            if (priority > bestPriority)
            {
                best = i;
                bestPriority = priority;
            }
        }
        return best;
    }

    protected override bool DecideFault(KiFault fault) => _random.NextDouble() < _faultProbability;

    private long PriorityOf(int actor)
    {
        if (!_priorities.TryGetValue(actor, out var priority))
        {
            priority = Depth + (long)(_random.NextUInt64() >> 2);
            _priorities.Add(actor, priority);
        }
        return priority;
    }
}

/// <summary>
/// Bounded exhaustive search, for tiny tests: depth first over the decisions at scheduling points
/// (and fault points), the first <c>depthBound</c> of them in a schedule; dispatcher steps and later
/// decisions take the default (the paused actor continues, the first ready actor runs, no fault).
/// Each schedule takes the prefix the previous one left to try; <see cref="Advance"/> moves to the
/// next untried branch.
/// </summary>
internal sealed class ExhaustiveStrategy(List<(int Choice, int Count)> prefix, int depthBound) : ExplorationStrategy
{
    private int _position;

    /// <summary>The branch taken at each remembered decision and how many there were.</summary>
    public List<(int Choice, int Count)> Path { get; } = [];

    protected override int ChooseCore(ReadOnlySpan<int> candidates, int pausedIndex) =>
        pausedIndex < 0 ? 0 : Decide(candidates.Length);

    protected override bool DecideFault(KiFault fault) => Decide(2) == 1;

    /// <summary>The prefix of the next schedule after <paramref name="path"/>, or null when every branch was tried.</summary>
    public static List<(int Choice, int Count)>? Advance(List<(int Choice, int Count)> path)
    {
        var next = new List<(int Choice, int Count)>(path);
        while (next.Count > 0)
        {
            var (choice, count) = next[^1];
            next.RemoveAt(next.Count - 1);
            if (choice + 1 < count)
            {
                next.Add((choice + 1, count));
                return next;
            }
        }
        return null;
    }

    // Decision 0 is always the default (the paused actor, index 0, continues; no fault).
    private int Decide(int count)
    {
        var position = _position++;
        if (position < prefix.Count)
        {
            var choice = Math.Min(prefix[position].Choice, count - 1);
            Path.Add((choice, count));
            return choice;
        }
        if (position < depthBound)
        {
            Path.Add((0, count));
        }
        return 0;
    }
}

/// <summary>Replays a recorded trace; past its end it takes the default choice and injects nothing.</summary>
internal sealed class TraceReplayStrategy(IReadOnlyList<int> choices, IReadOnlyList<FaultDecision> faults) : ExplorationStrategy
{
    private int _choice;
    private int _fault;

    /// <summary>Whether the run asked for a choice the trace could not give (it diverged).</summary>
    public bool Diverged { get; private set; }

    protected override int ChooseCore(ReadOnlySpan<int> candidates, int pausedIndex)
    {
        if (_choice < choices.Count)
        {
            var choice = choices[_choice++];
            if ((uint)choice < (uint)candidates.Length)
            {
                return choice;
            }
            Diverged = true;
        }
        return pausedIndex < 0 ? 0 : pausedIndex;
    }

    protected override bool DecideFault(KiFault fault)
    {
        if (_fault < faults.Count)
        {
            var decision = faults[_fault++];
            if (decision.Fault == fault)
            {
                return decision.Injected;
            }
            Diverged = true;
        }
        return false;
    }
}
