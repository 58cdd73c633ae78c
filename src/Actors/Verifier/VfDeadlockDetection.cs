using System.Runtime.CompilerServices;

namespace ActorKernel.Actors.Verifier;

/// <summary>
/// Driver Verifier's deadlock detection (the option class "Deadlock Detection"), for spin locks: a
/// lock-order graph per machine, with an edge A → B each time a verified driver acquires B while
/// holding A. An acquisition of B while holding A when A is already reachable from B (B was held
/// when A, or something leading to A, was taken) is a lock hierarchy violation, reported the first
/// time the second order is seen, before any deadlock happens: DRIVER_VERIFIER_DETECTED_VIOLATION
/// (0xC4), P1 = 0x1001, P2 = the lock being acquired. Acquiring a lock the processor already holds is
/// a self-deadlock: 0xC4, P1 = 0x1000, P2 = the lock.
/// </summary>
/// <remarks>
/// Not modelled: mutexes, fast mutexes and ERESOURCEs (the real option covers them), the release-order
/// checks (0x1003) and the per-thread view (this graph is per processor, which for spin locks is the same).
/// </remarks>
public static class VfDeadlockDetection
{
    private static readonly ConditionalWeakTable<Machine, VfLockGraph> Graphs = [];

    // Machines with deadlock detection on anywhere in the process: zero means one read per acquisition.
    private static int s_enabled;

    /// <summary>Turns deadlock detection on for the spin-lock acquisitions made by <paramref name="module"/>'s routines on <paramref name="machine"/>.</summary>
    /// <param name="machine">The machine.</param>
    /// <param name="module">The driver's image name (e.g. mydriver.sys).</param>
    public static void Enable(Machine machine, string module)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(module);
        lock (Graphs)
        {
            if (!Graphs.TryGetValue(machine, out var graph))
            {
                graph = new VfLockGraph();
                Graphs.Add(machine, graph);
                Interlocked.Increment(ref s_enabled);
            }
            graph.Modules.Add(module);
        }
    }

    /// <summary>The lock-order edges recorded on <paramref name="machine"/> (for !deadlock-style reports and tests).</summary>
    /// <param name="machine">The machine.</param>
    /// <returns>How many distinct "B acquired while holding A" pairs were seen.</returns>
    public static int EdgeCount(Machine machine) => Graphs.TryGetValue(machine, out var graph) ? graph.Edges : 0;

    /// <summary>The check KeAcquireSpinLock and its variants make before acquiring.</summary>
    /// <param name="spinLock">The lock about to be acquired.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void KiCheckAcquire(KSpinLock spinLock)
    {
        if (s_enabled != 0)
        {
            Check(spinLock);
        }
    }

    private static void Check(KSpinLock spinLock)
    {
        if (Processor.CurrentOrNull is not { Top: { } frame } processor || !Graphs.TryGetValue(processor.Machine, out var graph)
            || !graph.Modules.Contains(frame.Module.Name))
        {
            return;
        }
        var held = processor.HeldLocks;
        for (var i = 0; i < held.Count; i++)
        {
            var holding = held[i];
            if (ReferenceEquals(holding, spinLock))
            {
                throw processor.KiBugCheck(frame, BugCheckCode.DriverVerifierDetectedViolation, (ulong)VerifierViolation.SelfDeadlock,
                    spinLock.EnsureAddress(processor.Machine), 0, 0, $"Deadlock detection: {spinLock.Name} acquired again by the processor that holds it");
            }
            if (graph.Reaches(spinLock, holding))
            {
                throw processor.KiBugCheck(frame, BugCheckCode.DriverVerifierDetectedViolation, (ulong)VerifierViolation.LockHierarchyViolation,
                    spinLock.EnsureAddress(processor.Machine), 0, 0,
                    $"Deadlock detection: {spinLock.Name} acquired while holding {holding.Name}, but {holding.Name} was acquired while holding {spinLock.Name} before (lock hierarchy violation)");
            }
        }
        for (var i = 0; i < held.Count; i++)
        {
            graph.Add(held[i], spinLock);
        }
    }

    private sealed class VfLockGraph
    {
        private readonly Dictionary<KSpinLock, List<KSpinLock>> _after = new(ReferenceEqualityComparer.Instance);

        public HashSet<string> Modules { get; } = new(StringComparer.OrdinalIgnoreCase);

        public int Edges { get; private set; }

        public void Add(KSpinLock first, KSpinLock then)
        {
            if (!_after.TryGetValue(first, out var list))
            {
                list = [];
                _after.Add(first, list);
            }
            if (!list.Contains(then))
            {
                list.Add(then);
                Edges++;
            }
        }

        // Whether "to" was ever acquired (directly or through a chain) while "from" was held.
        public bool Reaches(KSpinLock from, KSpinLock to)
        {
            var seen = new HashSet<KSpinLock>(ReferenceEqualityComparer.Instance);
            var stack = new Stack<KSpinLock>();
            stack.Push(from);
            while (stack.Count > 0)
            {
                if (!_after.TryGetValue(stack.Pop(), out var next))
                {
                    continue;
                }
                foreach (var lockAfter in next)
                {
                    if (ReferenceEquals(lockAfter, to))
                    {
                        return true;
                    }
                    if (seen.Add(lockAfter))
                    {
                        stack.Push(lockAfter);
                    }
                }
            }
            return false;
        }
    }
}
