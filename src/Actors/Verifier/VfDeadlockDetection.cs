using System.Runtime.CompilerServices;

namespace ActorKernel.Actors.Verifier;

/// <summary>
/// Driver Verifier's deadlock detection (the option class "Deadlock Detection"), for spin locks and
/// kernel mutexes (KMUTEX) together: a lock-order graph per machine, with an edge A → B each time a
/// verified driver acquires B while holding A (the spin locks its processor holds and the mutexes its
/// thread owns). An acquisition of B while holding A when A is already reachable from B (B was held
/// when A, or something leading to A, was taken) is a lock hierarchy violation, reported the first
/// time the second order is seen, before any deadlock happens: DRIVER_VERIFIER_DETECTED_VIOLATION
/// (0xC4), P1 = 0x1001, P2 = the lock being acquired. Acquiring a lock the processor already holds is
/// a self-deadlock: 0xC4, P1 = 0x1000, P2 = the lock (a KMUTEX may be acquired again by its owner:
/// it is recursive).
/// </summary>
/// <remarks>
/// A mutex is checked when the wait for it starts (KeWaitForSingleObject), before it is owned, so an
/// inversion is reported even when the two orders would deadlock on the spot; it counts as held from
/// then until its owner's last KeReleaseMutex. Not modelled: fast mutexes (the simulator has none),
/// ERESOURCEs, KeWaitForMultipleObjects on mutexes, the release-order checks (0x1003).
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

    /// <summary>The check KeWaitForSingleObject makes before a thread waits for a mutex it does not own.</summary>
    /// <param name="mutex">The mutex about to be waited for.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void KiCheckAcquireMutex(KMutex mutex)
    {
        if (s_enabled != 0)
        {
            CheckMutex(mutex);
        }
    }

    /// <summary>KeReleaseMutex's last release: the owner no longer holds the mutex.</summary>
    /// <param name="mutex">The mutex.</param>
    /// <param name="thread">Its former owner.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void KiMutexReleased(KMutex mutex, KThread? thread)
    {
        if (s_enabled != 0 && thread is not null && Processor.CurrentOrNull is { } processor && Graphs.TryGetValue(processor.Machine, out var graph))
        {
            lock (graph)
            {
                graph.Released(thread, mutex);
            }
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
            if (ReferenceEquals(held[i], spinLock))
            {
                throw processor.KiBugCheck(frame, BugCheckCode.DriverVerifierDetectedViolation, (ulong)VerifierViolation.SelfDeadlock,
                    spinLock.EnsureAddress(processor.Machine), 0, 0, $"Deadlock detection: {spinLock.Name} acquired again by the processor that holds it");
            }
        }
        KeObject? inverted;
        lock (graph)
        {
            inverted = CheckOrder(processor, frame, graph, spinLock);
        }
        ThrowIfInverted(processor, frame, spinLock, inverted);
    }

    private static void CheckMutex(KMutex mutex)
    {
        if (Processor.CurrentOrNull is not { Top: { } frame } processor || frame.Thread is not { } thread || mutex.OwnerThread == thread
            || !Graphs.TryGetValue(processor.Machine, out var graph) || !graph.Modules.Contains(frame.Module.Name))
        {
            return;
        }
        KeObject? inverted;
        lock (graph)
        {
            inverted = CheckOrder(processor, frame, graph, mutex);
            if (inverted is null)
            {
                graph.Acquired(thread, mutex);
            }
        }
        ThrowIfInverted(processor, frame, mutex, inverted);
    }

    // Graph lock held. Every lock the caller holds (its processor's spin locks, its thread's mutexes)
    // against the one it acquires: the first held lock that the new one already leads to, else null
    // (and the new edges are recorded).
    private static KeObject? CheckOrder(Processor processor, Frame frame, VfLockGraph graph, KeObject acquiring)
    {
        var held = new List<KeObject>(processor.HeldLocks);
        if (frame.Thread is { } thread)
        {
            held.AddRange(graph.MutexesOf(thread));
        }
        foreach (var holding in held)
        {
            if (graph.Reaches(acquiring, holding))
            {
                return holding;
            }
        }
        foreach (var holding in held)
        {
            graph.Add(holding, acquiring);
        }
        return null;
    }

    private static void ThrowIfInverted(Processor processor, Frame frame, KeObject acquiring, KeObject? holding)
    {
        if (holding is not null)
        {
            throw processor.KiBugCheck(frame, BugCheckCode.DriverVerifierDetectedViolation, (ulong)VerifierViolation.LockHierarchyViolation,
                acquiring.EnsureAddress(processor.Machine), 0, 0,
                $"Deadlock detection: {NameOf(acquiring)} acquired while holding {NameOf(holding)}, but {NameOf(holding)} was acquired while holding {NameOf(acquiring)} before (lock hierarchy violation)");
        }
    }

    private static string NameOf(KeObject lockObject) => lockObject switch
    {
        KSpinLock { Name.Length: > 0 } spinLock => spinLock.Name,
        KSpinLock => "a spin lock",
        _ => "a mutex",
    };

    private sealed class VfLockGraph
    {
        private readonly Dictionary<KeObject, List<KeObject>> _after = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<KThread, List<KMutex>> _ownedMutexes = new(ReferenceEqualityComparer.Instance);

        public HashSet<string> Modules { get; } = new(StringComparer.OrdinalIgnoreCase);

        public int Edges { get; private set; }

        public IReadOnlyList<KMutex> MutexesOf(KThread thread) => _ownedMutexes.TryGetValue(thread, out var list) ? list : [];

        public void Acquired(KThread thread, KMutex mutex)
        {
            if (!_ownedMutexes.TryGetValue(thread, out var list))
            {
                list = [];
                _ownedMutexes.Add(thread, list);
            }
            list.Add(mutex);
        }

        public void Released(KThread thread, KMutex mutex)
        {
            if (_ownedMutexes.TryGetValue(thread, out var list))
            {
                list.Remove(mutex);
            }
        }

        public void Add(KeObject first, KeObject then)
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
        public bool Reaches(KeObject from, KeObject to)
        {
            var seen = new HashSet<KeObject>(ReferenceEqualityComparer.Instance);
            var stack = new Stack<KeObject>();
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
