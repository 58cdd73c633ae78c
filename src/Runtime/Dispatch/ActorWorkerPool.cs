using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ActorKernel.Runtime;

/// <summary>
/// The actor workers of the concurrent dispatcher: one thread per core (at least two), each with
/// FIFO queues of runnable mailboxes, stealing and parking. The process has one, shared by every
/// concurrent actor system; tests make their own.
/// </summary>
/// <remarks>
/// <para>
/// A mailbox made runnable by a message from a worker is queued on that worker (its sender's data
/// is hot there); from any other thread, on the spinning worker, else on the workers in turn. Such a mailbox is the next step of a chain (a processor and the device it hops to, a
/// ping-pong pair), and only its own worker runs it: an idle worker that took it would pull the
/// chain to its core, and the next idle moment would pull it back. That was the process-wide slow
/// mode of session 4 (one chain of actors spread over both cores ran at a fifth of its speed per
/// CPU second, docs/performance.md, "Session 5: the concurrent dispatcher").
/// </para>
/// <para>
/// What an idle worker does take: a busy mailbox (requeued after a full turn with work left)
/// waiting behind other work, where moving it costs one cache miss per turn rather than per
/// message; a mailbox queued on a worker that is asleep; and a mailbox of a worker that has been in
/// one turn for <see cref="DefaultStuckAfter"/> (stuck in a long turn, or preempted): an idle worker
/// that parks while another's lane has a mailbox waiting wakes after that time to look. Taking such a
/// mailbox after a few microseconds of spinning instead split the interrupt-driven disk's chain
/// (processor, interrupt controller, controller, whose turns run 50-100 µs) over both cores about a
/// hundred times a run: every request then crossed cores, and the concurrent disk benchmark swung from
/// 180 to 330 k requests/s with the machine's core-to-core latency (docs/performance.md, "Session 9").
/// </para>
/// <para>
/// At most one idle worker spins before it parks: the one that went idle last (its thread is the
/// likeliest to be still on a core); the one it replaces parks at once. Two spinning workers and
/// a blocking caller are three busy threads on a two-core machine: when the caller and the worker
/// its next Ask went to shared a core, each round trip waited for the other's yield, 2-8 µs
/// instead of 0.8, for the whole life of a process (docs/performance.md, "Session 6, perf-sched").
/// A Tell from outside goes to the spinning worker unless it spins on the caller's own CPU: then it
/// could run the message only when the caller yields the CPU to it, and the Tell goes to a parked
/// worker instead, which the OS wakes on an idle CPU. About one Ask in a hundred paid that pair of
/// context switches (a p99 of 7.5 µs against a median of 0.77; 1.7-2.3 µs without them, "Session 8, lead").
/// </para>
/// <para>
/// A worker's state that the others read (its parked flag, on every enqueue that might have to
/// wake it) lives on a cache line of its own, away from its turn count, which it writes at every
/// turn; an enqueue reads one pool-wide count of parked workers first, on a line written only when
/// a worker parks or wakes. When the flag and the count shared a line, every Tell on one core missed
/// on the line the other core had just written: ten ping-pong pairs over two workers then ran at
/// 9-11 M messages/s on 1.6-1.7 cores instead of 35-42 on 1.2-1.4, in most processes.
/// </para>
/// <para>
/// The wake protocol keeps one invariant: while a worker is parked, no worker has a busy mailbox
/// waiting behind other work (a backlog), beyond the enqueue that made it. An enqueue publishes
/// its mailbox first (a full fence), then reads the parked flags and the backlog; a worker parking
/// sets its flag first (a full fence), then looks for a backlog once more. Whichever comes second
/// sees the other, so racing enqueues cannot all miss a parked worker.
/// </para>
/// <para>
/// The queues belong to lanes, not to workers: each worker serves one lane, and a mailbox made
/// runnable during a turn goes to the lane that turn came from. While every worker is busy, the
/// workers rotate their lanes every <see cref="DefaultRotationSlice"/> (a whole lane moves, so
/// its chains stay together). The OS does not give busy worker threads equal CPU when something
/// else shares a core: with chains pinned to workers, two machines in one process under a foreign
/// CPU hog split 28-39 % / 61-72 % for a whole run in about one run of six, the one on the worker sharing the hog's core
/// starved (docs/performance.md, "Session 7, sched"). Rotating, each lane gets every worker's CPU
/// in turn.
/// </para>
/// </remarks>
internal sealed class ActorWorkerPool : IDisposable
{
    // Iterations of SpinWait (yielding after the first ten) before a worker parks: work arriving
    // within a few microseconds finds the worker awake, without burning a shared core for long.
    private const int DefaultSpinsBeforePark = 24;

    /// <summary>How long the workers keep their lanes while all are busy: a few OS time slices, so
    /// that each lane meets every worker many times a second, and a chain moves core rarely.</summary>
    public static readonly TimeSpan DefaultRotationSlice = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// How long a worker must have been in one turn, with a mailbox waiting on its lane, before an idle
    /// worker takes that mailbox: longer than ordinary turns (a simulated processor's runs 100 µs and
    /// more), shorter than an OS time slice, the other way a worker stops (preempted).
    /// </summary>
    public static readonly TimeSpan DefaultStuckAfter = TimeSpan.FromMilliseconds(1);

    // Turns between two looks at the clock: adapted per worker so that it looks a few times a slice
    // whether turns take 50 ns (ping-pong) or milliseconds (a simulated processor).
    private const int MaxTurnsPerClockLook = 1024;

    [ThreadStatic]
    private static Worker? t_worker;

    private readonly Worker[] _workers;
    private readonly int _spinsBeforePark;
    private readonly Func<int> _currentCpu;
    private readonly long _sliceTicks;
    private readonly int _stuckAfterMs;
    private int _nextOutside;

    // When the lanes rotate next (a timestamp), claimed by the first worker that sees it pass;
    // and 1 while one rotates.
    private PaddedLong _nextRotation;
    private int _rotating;
    private long _rotations;
    private long _wakes;

    // Every worker's turn count at the last rotation (written under _rotating).
    private readonly long[] _runsAtRotation;

    // The index + 1 of the one worker spinning before it parks (0: none). The worker that went idle
    // last takes the role and the one it replaces parks: the spinner is the thread most likely still
    // on a core, with the warmest cache.
    private PaddedInt _spinner;

    // How many workers are parked: what every enqueue reads, on a line written only when one parks or wakes.
    private PaddedInt _parked;
    private volatile bool _disposed;

    /// <summary>
    /// Starts <paramref name="count"/> worker threads named "<paramref name="name"/> i"; an idle
    /// worker spins <paramref name="spinsBeforePark"/> times before it parks (tests spin without end);
    /// busy workers rotate their lanes every <paramref name="rotationSlice"/> (default
    /// <see cref="DefaultRotationSlice"/>; <see cref="Timeout.InfiniteTimeSpan"/>: never).
    /// <paramref name="currentCpu"/> tells which CPU the calling thread is on (default
    /// <see cref="Thread.GetCurrentProcessorId"/>; tests choose it).
    /// </summary>
    public ActorWorkerPool(int count, string name, int spinsBeforePark = DefaultSpinsBeforePark, TimeSpan? rotationSlice = null, Func<int>? currentCpu = null, TimeSpan? stuckAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(spinsBeforePark);
        var stuck = stuckAfter ?? DefaultStuckAfter;
        ArgumentOutOfRangeException.ThrowIfLessThan(stuck, TimeSpan.FromMilliseconds(1));
        _stuckAfterMs = (int)stuck.TotalMilliseconds;
        _currentCpu = currentCpu ?? Thread.GetCurrentProcessorId;
        var slice = rotationSlice ?? DefaultRotationSlice;
        _sliceTicks = slice == Timeout.InfiniteTimeSpan ? long.MaxValue : Math.Max(1, (long)(slice.TotalSeconds * WallClockScheduler.TimestampFrequency));
        _nextRotation.Value = _sliceTicks == long.MaxValue ? long.MaxValue : WallClockScheduler.Timestamp + _sliceTicks;
        _spinsBeforePark = spinsBeforePark;
        _workers = new Worker[count];
        _runsAtRotation = new long[count];
        for (var i = 0; i < count; i++)
        {
            _workers[i] = new Worker(this, i, name);
        }
        foreach (var worker in _workers)
        {
            worker.Thread.Start();
        }
    }

    /// <summary>How many workers.</summary>
    public int Count => _workers.Length;

    /// <summary>The calling thread's index in this pool, or -1 if it is not one of its workers.</summary>
    public static int CurrentWorkerOf(ActorWorkerPool pool) => t_worker is { } self && self.Pool == pool ? self.Index : -1;

    /// <summary>The index of the worker spinning before it parks, or -1.</summary>
    public int SpinningWorker => Volatile.Read(ref _spinner.Value) - 1;

    /// <summary>The CPU worker <paramref name="index"/> was last seen on while it spun (-1: it never spun).</summary>
    public int CpuOf(int index) => Volatile.Read(ref _workers[index].State.Cpu);

    /// <summary>How many times a parked worker was woken.</summary>
    public long Wakes => Volatile.Read(ref _wakes);

    /// <summary>How many mailboxes idle workers took from a worker held in one turn (see <see cref="DefaultStuckAfter"/>).</summary>
    public long StuckSteals => _workers.Sum(worker => Volatile.Read(ref worker.StuckSteals));

    /// <summary>How many times the busy workers have rotated their lanes.</summary>
    public long Rotations => Volatile.Read(ref _rotations);

    /// <summary>Whether worker <paramref name="index"/> is parked (announced, or blocked).</summary>
    public bool IsParked(int index) => Volatile.Read(ref _workers[index].State.Parked) != 0;

    /// <summary>Queues <paramref name="item"/>, made runnable by a message, on the calling worker (see the remarks).</summary>
    public void Enqueue(IThreadPoolWorkItem item) => Enqueue(item, Caller()?.TurnLane ?? Outside().Lane, busy: false);

    /// <summary>
    /// Queues <paramref name="item"/> again after a full turn with work left (a busy actor) on the
    /// calling worker, behind what waits there; an idle worker may take it.
    /// </summary>
    public void EnqueueBusy(IThreadPoolWorkItem item) => Enqueue(item, Caller()?.TurnLane ?? Outside().Lane, busy: true);

    /// <summary>Queues <paramref name="item"/> on the lane worker <paramref name="index"/> serves, from any thread (tests).</summary>
    public void EnqueueOn(IThreadPoolWorkItem item, int index, bool busy) => Enqueue(item, _workers[index].Lane, busy);

    /// <summary>Stops the workers once they are idle (tests: the process's pool lives as long as the process).</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var worker in _workers)
        {
            worker.Wake();
        }
    }

    private Worker? Caller() => t_worker is { } self && self.Pool == this ? self : null;

    private Worker Outside()
    {
        var workers = _workers;
        // The spinning worker: awake, idle, and most likely still on its core. Unless it spins on the
        // caller's own CPU: there it runs only when the caller yields (see the remarks).
        var spinner = Volatile.Read(ref _spinner.Value) - 1;
        if (spinner >= 0 && (workers.Length == 1 || Volatile.Read(ref workers[spinner].State.Cpu) != _currentCpu()))
        {
            return workers[spinner];
        }
        // Else the workers in turn (past a spinner passed over), so actors started from outside (one
        // per pair, per processor) spread over the cores. Not "a worker finishing its turn with nothing
        // queued": a worker in a long turn looks the same, and the item would wait behind it with the
        // others parked.
        var next = (int)((uint)Interlocked.Increment(ref _nextOutside) % (uint)workers.Length);
        return workers[next == spinner ? (next + 1) % workers.Length : next];
    }

    private void Enqueue(IThreadPoolWorkItem item, Lane lane, bool busy)
    {
        // Either enqueue is a full fence: the owner and flags below are read after the mailbox is
        // visible (see Loop and Rotate).
        (busy ? lane.Busy : lane.Fresh).Enqueue(item);
        var worker = lane.Owner;
        if (Volatile.Read(ref worker.State.Parked) != 0 && worker.Wake())
        {
            return;
        }
        if (Volatile.Read(ref _parked.Value) == 0)
        {
            return;
        }
        foreach (var other in _workers)
        {
            if (other != worker && Volatile.Read(ref other.State.Parked) != 0)
            {
                if (!HasBacklog(lane))
                {
                    return; // the next step of a chain: its own worker runs it, where the data is hot
                }
                if (other.Wake())
                {
                    return;
                }
            }
        }
    }

    /// <summary>A busy mailbox waits behind other work: the lane's worker cannot run it now.</summary>
    private static bool HasBacklog(Lane lane) =>
        !lane.Busy.IsEmpty && (!lane.Fresh.IsEmpty || lane.Busy.Count >= 2);

    /// <summary>A busy mailbox waiting behind other work, or any mailbox of a worker that is asleep.</summary>
    private bool TrySteal(Worker thief, out IThreadPoolWorkItem item)
    {
        var workers = _workers;
        for (var i = 1; i < workers.Length; i++)
        {
            var victim = workers[(thief.Index + i) % workers.Length];
            var lane = victim.Lane;
            if ((HasBacklog(lane) && lane.Busy.TryDequeue(out item!))
                || (Volatile.Read(ref victim.State.Sleeping) != 0 && (lane.Fresh.TryDequeue(out item!) || lane.Busy.TryDequeue(out item!))))
            {
                return true;
            }
        }
        item = null!;
        return false;
    }

    /// <summary>Notes how many turns every worker has started, at the start of an idle spell.</summary>
    private void NoteRuns(Worker thief)
    {
        foreach (var victim in _workers)
        {
            thief.LastSeenRuns[victim.Index] = Volatile.Read(ref victim.State.Runs);
        }
    }

    /// <summary>After a timed park: a mailbox of a worker that started no turn during the whole park.</summary>
    private bool TryStealStuck(Worker thief, out IThreadPoolWorkItem item)
    {
        var workers = _workers;
        for (var i = 1; i < workers.Length; i++)
        {
            var victim = workers[(thief.Index + i) % workers.Length];
            var lane = victim.Lane;
            if (Volatile.Read(ref victim.State.Runs) == thief.LastSeenRuns[victim.Index]
                && (lane.Fresh.TryDequeue(out item!) || lane.Busy.TryDequeue(out item!)))
            {
                Volatile.Write(ref thief.StuckSteals, thief.StuckSteals + 1);
                return true;
            }
        }
        item = null!;
        return false;
    }

    /// <summary>Whether another worker's lane has a mailbox waiting (which a stuck-worker steal might take).</summary>
    private bool OthersWaiting(Worker self)
    {
        foreach (var worker in _workers)
        {
            if (worker != self && (!worker.Lane.Fresh.IsEmpty || !worker.Lane.Busy.IsEmpty))
            {
                return true;
            }
        }
        return false;
    }

    private bool AnyBacklog()
    {
        foreach (var worker in _workers)
        {
            if (HasBacklog(worker.Lane))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// At the end of a turn: once a slice has passed, the first worker to look rotates the lanes of
    /// the busy workers. The clock is read only every few turns (adapted, see <see cref="MaxTurnsPerClockLook"/>).
    /// </summary>
    private void MaybeRotate(Worker self)
    {
        if (--self.TurnsToClockLook > 0)
        {
            return;
        }
        var now = WallClockScheduler.Timestamp;
        var sinceLook = now - self.LastClockLook;
        self.LastClockLook = now;
        if (sinceLook < _sliceTicks / 8 && self.TurnsPerClockLook < MaxTurnsPerClockLook)
        {
            self.TurnsPerClockLook *= 2;
        }
        else if (sinceLook > _sliceTicks / 2 && self.TurnsPerClockLook > 1)
        {
            self.TurnsPerClockLook /= 2;
        }
        self.TurnsToClockLook = self.TurnsPerClockLook;
        var next = Volatile.Read(ref _nextRotation.Value);
        if (now < next || Interlocked.CompareExchange(ref _nextRotation.Value, now + _sliceTicks, next) != next)
        {
            return;
        }
        Rotate();
    }

    /// <summary>
    /// Each busy worker takes the lane of the next busy one (two workers: they swap). Idle workers
    /// keep theirs: an idle worker has an empty lane, and takes work by stealing (see the remarks).
    /// </summary>
    private void Rotate()
    {
        if (Interlocked.CompareExchange(ref _rotating, 1, 0) != 0)
        {
            return;
        }
        try
        {
            var workers = _workers;
            Span<int> busy = stackalloc int[workers.Length];
            var count = 0;
            foreach (var worker in workers)
            {
                // Busy: not idle, and not held in one long turn since the last look (its lane waits
                // for the stuck-worker steal, and a lane given to it would wait too).
                var runs = Volatile.Read(ref worker.State.Runs);
                if (Volatile.Read(ref worker.State.Idle) == 0 && runs != _runsAtRotation[worker.Index])
                {
                    busy[count++] = worker.Index;
                }
                _runsAtRotation[worker.Index] = runs;
            }
            if (count < 2)
            {
                return;
            }
            var first = workers[busy[0]].Lane;
            for (var i = 0; i < count; i++)
            {
                var worker = workers[busy[i]];
                var lane = i + 1 < count ? workers[busy[i + 1]].Lane : first;
                lane.Owner = worker;
                worker.Lane = lane;
            }
            Interlocked.Increment(ref _rotations); // a full fence: the lanes are moved before the flags are read
            // A worker that went idle meanwhile looked at its old lane: wake it to look at the new one
            // (it parks again if there is nothing; see the remarks on the wake protocol).
            for (var i = 0; i < count; i++)
            {
                workers[busy[i]].Wake();
            }
        }
        finally
        {
            Volatile.Write(ref _rotating, 0);
        }
    }

    private void Loop(Worker self)
    {
        t_worker = self;
        var spins = 0;
        var spinner = default(SpinWait);
        // Whether this worker holds the pool's one spinning slot during its idle spell.
        var spinning = false;
        // Fresh mailboxes that were waiting when the last busy one was taken: they run before the
        // next busy one, so a busy actor queued again waits behind everything that waited then, as in
        // one FIFO queue (two machines in one process keep their shares).
        var freshFirst = 0;
        var served = self.Lane;
        while (!_disposed)
        {
            var lane = self.Lane;
            if (lane != served)
            {
                served = lane;
                freshFirst = 0;
            }
            bool found;
            IThreadPoolWorkItem? item;
            if (freshFirst > 0 && lane.Fresh.TryDequeue(out item))
            {
                freshFirst--;
                found = true;
            }
            else if (lane.Busy.TryDequeue(out item))
            {
                freshFirst = lane.Fresh.Count;
                found = true;
            }
            else
            {
                freshFirst = 0;
                found = lane.Fresh.TryDequeue(out item);
            }
            // A stolen mailbox's chain continues on this worker's lane too.
            if (found || TrySteal(self, out item))
            {
                Volatile.Write(ref self.State.Runs, self.State.Runs + 1);
                if (self.State.Idle != 0)
                {
                    Volatile.Write(ref self.State.Idle, 0);
                }
                if (spinning)
                {
                    spinning = false;
                    Interlocked.CompareExchange(ref _spinner.Value, 0, self.Index + 1);
                }
                self.TurnLane = lane;
                item!.Execute();
                self.TurnLane = null;
                MaybeRotate(self);
                spins = 0;
                spinner.Reset();
                continue;
            }
            if (spins == 0)
            {
                Volatile.Write(ref self.State.Idle, 1);
                NoteRuns(self);
                // This worker spins now, and the one that spun before parks (see the remarks).
                Interlocked.Exchange(ref _spinner.Value, self.Index + 1);
                spinning = true;
            }
            if (spinning && Volatile.Read(ref _spinner.Value) != self.Index + 1)
            {
                // Another worker went idle since: it spins, this one parks.
                spinning = false;
                spins = _spinsBeforePark;
            }
            if (spins++ < _spinsBeforePark)
            {
                if (spinning)
                {
                    var cpu = Thread.GetCurrentProcessorId();
                    if (cpu != self.State.Cpu)
                    {
                        Volatile.Write(ref self.State.Cpu, cpu);
                    }
                }
                spinner.SpinOnce(sleep1Threshold: -1);
                continue;
            }
            if (spinning)
            {
                spinning = false;
                Interlocked.CompareExchange(ref _spinner.Value, 0, self.Index + 1);
            }
            // Park: announce it with a full fence, then look once more, so an enqueue (or a rotation)
            // that missed the announcement left what this look finds (and one that saw it wakes this worker).
            Interlocked.Exchange(ref self.State.Parked, 1);
            Interlocked.Increment(ref _parked.Value);
            var mine = self.Lane;
            if (!mine.Fresh.IsEmpty || !mine.Busy.IsEmpty || AnyBacklog() || _disposed)
            {
                // Unless an enqueue woke it meanwhile (and counted it awake again).
                if (Interlocked.Exchange(ref self.State.Parked, 0) != 0)
                {
                    Interlocked.Decrement(ref _parked.Value);
                }
                continue;
            }
            // A mailbox waiting behind another worker's turn: look again once that turn has lasted
            // long enough to call the worker stuck (see the remarks), and take the mailbox if it has.
            // The turns are counted over the park alone: counted from the start of the idle spell (its
            // spinning yields to a foreign CPU hog for whole time slices), both of two chains ended on one
            // worker under two hogs, the other worker idle, and nothing moved them apart again.
            var lookAgain = OthersWaiting(self);
            if (lookAgain)
            {
                NoteRuns(self);
            }
            Volatile.Write(ref self.State.Sleeping, 1);
            var woken = self.Signal.Wait(lookAgain ? _stuckAfterMs : Timeout.Infinite);
            Volatile.Write(ref self.State.Sleeping, 0);
            if (!woken)
            {
                // Unless a wake raced the timeout (its release makes the next wait return at once).
                if (Interlocked.Exchange(ref self.State.Parked, 0) != 0)
                {
                    Interlocked.Decrement(ref _parked.Value);
                }
                if (TryStealStuck(self, out item))
                {
                    // Queued here: the chain it belongs to continues on this worker.
                    self.Lane.Fresh.Enqueue(item);
                }
            }
            spins = 0;
            spinner.Reset();
        }
    }

    /// <summary>
    /// A FIFO queue of runnable mailboxes served by one worker at a time: the ones made runnable by a
    /// message, and busy ones queued again after a full turn.
    /// </summary>
    private sealed class Lane(Worker owner)
    {
        public readonly ConcurrentQueue<IThreadPoolWorkItem> Fresh = new();
        public readonly ConcurrentQueue<IThreadPoolWorkItem> Busy = new();

        // The worker serving this lane, which an enqueue wakes if it is parked; changed by Rotate.
        private volatile Worker _owner = owner;

        public Worker Owner
        {
            get => _owner;
            set => _owner = value;
        }
    }

    private sealed class Worker
    {
        public readonly SemaphoreSlim Signal = new(0);
        public readonly ActorWorkerPool Pool;
        public readonly int Index;
        public readonly Thread Thread;

        // Every worker's Runs as this worker saw them when its idle spell began, and again before a timed park.
        public readonly long[] LastSeenRuns;
        public long StuckSteals;

        // The fields other threads read, each group on a cache line of its own (see WorkerState).
        public WorkerState State;

        // The lane this worker serves (changed by Rotate), and during a turn the lane that turn came
        // from, where the mailboxes it makes runnable go (this worker's own lane for a stolen one).
        private volatile Lane _lane;
        public Lane? TurnLane;

        // The adaptive clock look of MaybeRotate (this worker's thread only).
        public int TurnsPerClockLook = 1;
        public int TurnsToClockLook = 1;
        public long LastClockLook;

        public Worker(ActorWorkerPool pool, int index, string name)
        {
            Pool = pool;
            Index = index;
            _lane = new Lane(this);
            State.Cpu = -1;
            LastSeenRuns = new long[pool._workers.Length];
            Thread = new Thread(() => pool.Loop(this)) { IsBackground = true, Name = $"{name} {index}" };
        }

        public Lane Lane
        {
            get => _lane;
            set => _lane = value;
        }

        /// <summary>Unparks the worker if it is parked; true if this call woke it.</summary>
        public bool Wake()
        {
            if (Interlocked.Exchange(ref State.Parked, 0) != 0)
            {
                Interlocked.Decrement(ref Pool._parked.Value);
                Interlocked.Increment(ref Pool._wakes);
                Signal.Release();
                return true;
            }
            return false;
        }
    }

    /// <summary>
    /// A worker's state that other threads read: the turn count (written by its worker once per
    /// turn) on one cache line, the flags (written a few times per idle spell) on the next, and
    /// padding on both sides. Had they shared a line, every Tell on one core (which reads the other
    /// workers' flags) would miss on the line the other core writes at every turn.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 4 * 64)]
    internal struct WorkerState
    {
        // Turns started; thieves compare it to see whether this worker is stuck in one.
        [FieldOffset(64)]
        public long Runs;

        // Set when the worker announces it parks; cleared by whoever wakes it.
        [FieldOffset(128)]
        public int Parked;

        // Set while the worker finds nothing to run (spinning or parked).
        [FieldOffset(132)]
        public int Idle;

        // Set from just before the worker blocks until it runs again: a woken worker takes time to
        // come back, and an awake one may run its mailboxes meanwhile.
        [FieldOffset(136)]
        public int Sleeping;

        // The CPU the worker was last seen on while spinning (an outside Tell avoids a spinner on its own CPU).
        [FieldOffset(140)]
        public int Cpu;
    }

    /// <summary>An int alone on its cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 3 * 64)]
    private struct PaddedInt
    {
        [FieldOffset(64)]
        public int Value;
    }

    /// <summary>A long alone on its cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 3 * 64)]
    private struct PaddedLong
    {
        [FieldOffset(64)]
        public long Value;
    }
}
