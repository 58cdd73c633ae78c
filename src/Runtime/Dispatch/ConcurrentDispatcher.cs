using System.Collections.Concurrent;

namespace ActorKernel.Runtime;

/// <summary>
/// Runs actors truly in parallel on a small set of worker threads of its own, one per core, at most
/// <see cref="Dispatcher.Throughput"/> messages per turn so that busy actors cannot starve others.
/// </summary>
/// <remarks>
/// Each worker has a FIFO queue of runnable mailboxes. An actor told from a worker of this dispatcher
/// is queued on that worker (the continuation stays on its core, where its sender's data is hot); an
/// actor told from anywhere else goes to the workers in turn. A worker whose queue is empty steals the
/// oldest runnable mailbox of another worker before it parks, and a worker that queues behind waiting
/// work wakes a parked one, so a core never idles while another has a backlog. That is the difference
/// from the thread pool's <c>preferLocal</c> queues, where the runs of several busy actors (the
/// simulated processors) could pile onto one worker's LIFO queue for a whole process while the other
/// core idled (docs/performance.md, "A steady concurrent scheduler").
/// </remarks>
public sealed class ConcurrentDispatcher : Dispatcher
{
    // Iterations of SpinWait (yielding after the first ten) before a worker parks: a message arriving
    // within a few microseconds finds the worker awake, without burning a shared core for long.
    private const int SpinsBeforePark = 24;

    [ThreadStatic]
    private static Worker? t_worker;

    private readonly WallClockScheduler _scheduler;
    private readonly Worker[] _workers;
    private int _nextOutside;
    private volatile bool _stopping;

    internal ConcurrentDispatcher(int throughput, double timeScale) : base(throughput)
    {
        _scheduler = new WallClockScheduler(timeScale);
        // At least two, so one actor's long turn cannot hold up every other actor on a one-core machine.
        _workers = new Worker[Math.Max(2, Environment.ProcessorCount)];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker(this, i);
        }
        foreach (var worker in _workers)
        {
            worker.Thread.Start();
        }
    }

    /// <inheritdoc />
    public override IScheduler Scheduler => _scheduler;

    /// <inheritdoc />
    public override DispatcherKind Kind => DispatcherKind.Concurrent;

    internal override void Schedule(Mailbox mailbox)
    {
        if (mailbox.TrySetScheduled())
        {
            if (TmpPool) { ThreadPool.UnsafeQueueUserWorkItem(mailbox, preferLocal: true); return; } // TMP-AB
            Enqueue(mailbox);
        }
    }

    /// <summary>A mailbox still Scheduled after a full turn: behind the actors already waiting on this worker.</summary>
    internal void Requeue(Mailbox mailbox) { if (TmpPool) { ThreadPool.UnsafeQueueUserWorkItem(mailbox, preferLocal: false); return; } Enqueue(mailbox); } // TMP-AB
    internal static readonly bool TmpPool = Environment.GetEnvironmentVariable("AK_POOL") == "1"; // TMP-AB

    internal override void Shutdown()
    {
        _stopping = true;
        foreach (var worker in _workers)
        {
            worker.Wake();
        }
        _scheduler.Dispose();
    }

    private void Enqueue(Mailbox mailbox)
    {
        var current = t_worker;
        var worker = current is not null && ReferenceEquals(current.Owner, this)
            ? current
            : _workers[(int)((uint)Interlocked.Increment(ref _nextOutside) % (uint)_workers.Length)];
        var backlog = !worker.Queue.IsEmpty;
        worker.Queue.Enqueue(mailbox); // a full fence: a worker parking after this sees the mailbox (see Park)
        if (Volatile.Read(ref worker.Parked) != 0)
        {
            worker.Wake();
        }
        else if (backlog)
        {
            // The chosen worker is busy and already has work waiting: let an idle core steal it.
            foreach (var other in _workers)
            {
                if (Volatile.Read(ref other.Parked) != 0 && other.Wake())
                {
                    break;
                }
            }
        }
    }

    private bool TrySteal(Worker thief, out Mailbox mailbox)
    {
        for (var i = 1; i < _workers.Length; i++)
        {
            if (_workers[(thief.Index + i) % _workers.Length].Queue.TryDequeue(out mailbox!))
            {
                return true;
            }
        }
        mailbox = null!;
        return false;
    }

    private bool AnyWork()
    {
        foreach (var worker in _workers)
        {
            if (!worker.Queue.IsEmpty)
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
        while (!_stopping)
        {
            if (self.Queue.TryDequeue(out var mailbox) || TrySteal(self, out mailbox))
            {
                ((IThreadPoolWorkItem)mailbox).Execute();
                spins = 0;
                spinner.Reset();
                continue;
            }
            if (spins++ < SpinsBeforePark)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
                continue;
            }
            // Park: announce it with a full fence, then look once more, so an Enqueue that missed the
            // announcement put its mailbox where this look finds it (and one that saw it wakes us).
            Interlocked.Exchange(ref self.Parked, 1);
            if (AnyWork() || _stopping)
            {
                Volatile.Write(ref self.Parked, 0);
                continue;
            }
            self.Signal.Wait();
            spins = 0;
            spinner.Reset();
        }
    }

    private sealed class Worker
    {
        public readonly ConcurrentQueue<Mailbox> Queue = new();
        public readonly SemaphoreSlim Signal = new(0);
        public readonly ConcurrentDispatcher Owner;
        public readonly int Index;
        public readonly Thread Thread;
        public int Parked;

        public Worker(ConcurrentDispatcher owner, int index)
        {
            Owner = owner;
            Index = index;
            Thread = new Thread(() => owner.Loop(this)) { IsBackground = true, Name = $"ActorKernel worker {index}" };
        }

        /// <summary>Unparks the worker if it is parked; true if this call woke it.</summary>
        public bool Wake()
        {
            if (Interlocked.Exchange(ref Parked, 0) != 0)
            {
                Signal.Release();
                return true;
            }
            return false;
        }
    }
}
