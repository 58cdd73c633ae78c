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
/// message; a mailbox queued on a worker that is asleep; and, before it parks, a mailbox of a
/// worker that started no turn during the whole idle spell (stuck in a long turn, or preempted).
/// </para>
/// <para>
/// At most one idle worker spins before it parks: the one that went idle last (its thread is the
/// likeliest to be still on a core); the one it replaces parks at once. Two spinning workers and
/// a blocking caller are three busy threads on a two-core machine: when the caller and the worker
/// its next Ask went to shared a core, each round trip waited for the other's yield, 2-8 µs
/// instead of 0.8, for the whole life of a process (docs/performance.md, "Session 6, perf-sched").
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
/// </remarks>
internal sealed class ActorWorkerPool : IDisposable
{
    // Iterations of SpinWait (yielding after the first ten) before a worker parks: work arriving
    // within a few microseconds finds the worker awake, without burning a shared core for long.
    private const int DefaultSpinsBeforePark = 24;

    [ThreadStatic]
    private static Worker? t_worker;

    private readonly Worker[] _workers;
    private readonly int _spinsBeforePark;
    private int _nextOutside;

    // The index + 1 of the one worker spinning before it parks (0: none). The worker that went idle
    // last takes the role and the one it replaces parks: the spinner is the thread most likely still
    // on a core, with the warmest cache.
    private PaddedInt _spinner;

    // How many workers are parked: what every enqueue reads, on a line written only when one parks or wakes.
    private PaddedInt _parked;
    private volatile bool _disposed;

    /// <summary>
    /// Starts <paramref name="count"/> worker threads named "<paramref name="name"/> i"; an idle
    /// worker spins <paramref name="spinsBeforePark"/> times before it parks (tests spin without end).
    /// </summary>
    public ActorWorkerPool(int count, string name, int spinsBeforePark = DefaultSpinsBeforePark)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(spinsBeforePark);
        _spinsBeforePark = spinsBeforePark;
        _workers = new Worker[count];
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

    /// <summary>Whether worker <paramref name="index"/> is parked (announced, or blocked).</summary>
    public bool IsParked(int index) => Volatile.Read(ref _workers[index].State.Parked) != 0;

    /// <summary>Queues <paramref name="item"/>, made runnable by a message, on the calling worker (see the remarks).</summary>
    public void Enqueue(IThreadPoolWorkItem item) => Enqueue(item, Caller() ?? Outside(), busy: false);

    /// <summary>
    /// Queues <paramref name="item"/> again after a full turn with work left (a busy actor) on the
    /// calling worker, behind what waits there; an idle worker may take it.
    /// </summary>
    public void EnqueueBusy(IThreadPoolWorkItem item) => Enqueue(item, Caller() ?? Outside(), busy: true);

    /// <summary>Queues <paramref name="item"/> on worker <paramref name="index"/> from any thread (tests).</summary>
    public void EnqueueOn(IThreadPoolWorkItem item, int index, bool busy) => Enqueue(item, _workers[index], busy);

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
        // The spinning worker: awake, idle, and most likely still on its core.
        var spinner = Volatile.Read(ref _spinner.Value);
        if (spinner != 0)
        {
            return workers[spinner - 1];
        }
        var start = (int)((uint)Interlocked.Increment(ref _nextOutside) % (uint)workers.Length);
        // Else the workers in turn, so actors started from outside (one per pair, per processor)
        // spread over the cores. Not "a worker finishing its turn with nothing queued": a worker in
        // a long turn looks the same, and the item would wait behind it with the others parked.
        return workers[start];
    }

    private void Enqueue(IThreadPoolWorkItem item, Worker worker, bool busy)
    {
        // Either enqueue is a full fence: the flags below are read after the mailbox is visible (see Loop).
        (busy ? worker.Busy : worker.Fresh).Enqueue(item);
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
                if (!HasBacklog(worker))
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

    /// <summary>A busy mailbox waits behind other work: the worker cannot run it now.</summary>
    private static bool HasBacklog(Worker worker) =>
        !worker.Busy.IsEmpty && (!worker.Fresh.IsEmpty || worker.Busy.Count >= 2);

    /// <summary>A busy mailbox waiting behind other work, or any mailbox of a worker that is asleep.</summary>
    private bool TrySteal(Worker thief, out IThreadPoolWorkItem item)
    {
        var workers = _workers;
        for (var i = 1; i < workers.Length; i++)
        {
            var victim = workers[(thief.Index + i) % workers.Length];
            if ((HasBacklog(victim) && victim.Busy.TryDequeue(out item!))
                || (Volatile.Read(ref victim.State.Sleeping) != 0 && (victim.Fresh.TryDequeue(out item!) || victim.Busy.TryDequeue(out item!))))
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

    /// <summary>Before parking: a mailbox of a worker that started no turn during the whole idle spell.</summary>
    private bool TryStealStuck(Worker thief, out IThreadPoolWorkItem item)
    {
        var workers = _workers;
        for (var i = 1; i < workers.Length; i++)
        {
            var victim = workers[(thief.Index + i) % workers.Length];
            if (Volatile.Read(ref victim.State.Runs) == thief.LastSeenRuns[victim.Index]
                && (victim.Fresh.TryDequeue(out item!) || victim.Busy.TryDequeue(out item!)))
            {
                return true;
            }
        }
        item = null!;
        return false;
    }

    private bool AnyBacklog()
    {
        foreach (var worker in _workers)
        {
            if (HasBacklog(worker))
            {
                return true;
            }
        }
        return false;
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
        while (!_disposed)
        {
            bool found;
            IThreadPoolWorkItem? item;
            if (freshFirst > 0 && self.Fresh.TryDequeue(out item))
            {
                freshFirst--;
                found = true;
            }
            else if (self.Busy.TryDequeue(out item))
            {
                freshFirst = self.Fresh.Count;
                found = true;
            }
            else
            {
                freshFirst = 0;
                found = self.Fresh.TryDequeue(out item);
            }
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
                item!.Execute();
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
                spinner.SpinOnce(sleep1Threshold: -1);
                continue;
            }
            if (spinning && TryStealStuck(self, out item))
            {
                // Queued here: the chain it belongs to continues on this worker.
                self.Fresh.Enqueue(item);
                spins = 0;
                spinner.Reset();
                continue;
            }
            if (spinning)
            {
                spinning = false;
                Interlocked.CompareExchange(ref _spinner.Value, 0, self.Index + 1);
            }
            // Park: announce it with a full fence, then look once more, so an enqueue that missed the
            // announcement left what this look finds (and one that saw it wakes this worker).
            Interlocked.Exchange(ref self.State.Parked, 1);
            Interlocked.Increment(ref _parked.Value);
            if (!self.Fresh.IsEmpty || !self.Busy.IsEmpty || AnyBacklog() || _disposed)
            {
                // Unless an enqueue woke it meanwhile (and counted it awake again).
                if (Interlocked.Exchange(ref self.State.Parked, 0) != 0)
                {
                    Interlocked.Decrement(ref _parked.Value);
                }
                continue;
            }
            Volatile.Write(ref self.State.Sleeping, 1);
            self.Signal.Wait();
            Volatile.Write(ref self.State.Sleeping, 0);
            spins = 0;
            spinner.Reset();
        }
    }

    private sealed class Worker
    {
        // Mailboxes made runnable by a message, and busy ones queued again after a full turn.
        public readonly ConcurrentQueue<IThreadPoolWorkItem> Fresh = new();
        public readonly ConcurrentQueue<IThreadPoolWorkItem> Busy = new();
        public readonly SemaphoreSlim Signal = new(0);
        public readonly ActorWorkerPool Pool;
        public readonly int Index;
        public readonly Thread Thread;

        // Every worker's Runs as this worker saw them when its idle spell began.
        public readonly long[] LastSeenRuns;

        // The fields other threads read, each group on a cache line of its own (see WorkerState).
        public WorkerState State;

        public Worker(ActorWorkerPool pool, int index, string name)
        {
            Pool = pool;
            Index = index;
            LastSeenRuns = new long[pool._workers.Length];
            Thread = new Thread(() => pool.Loop(this)) { IsBackground = true, Name = $"{name} {index}" };
        }

        /// <summary>Unparks the worker if it is parked; true if this call woke it.</summary>
        public bool Wake()
        {
            if (Interlocked.Exchange(ref State.Parked, 0) != 0)
            {
                Interlocked.Decrement(ref Pool._parked.Value);
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
    }

    /// <summary>An int alone on its cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 3 * 64)]
    private struct PaddedInt
    {
        [FieldOffset(64)]
        public int Value;
    }
}
