using System.Collections.Concurrent;

namespace ActorKernel.Runtime;

/// <summary>
/// Runs actors truly in parallel on the process's actor workers, one thread per core, at most
/// <see cref="Dispatcher.Throughput"/> messages per turn so that busy actors cannot starve others.
/// </summary>
/// <remarks>
/// The workers are shared by every concurrent actor system of the process. Each worker has a FIFO
/// queue of runnable mailboxes. An actor told from a worker is queued on that worker (the continuation stays on its core, where its sender's data is hot); an
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

    // One set of workers for the process, shared by every concurrent actor system: machines in one
    // process then share the cores by their runnable actors (FIFO queues), not by how many threads
    // each happens to keep awake.
    private static readonly Lazy<Worker[]> s_workers = new(StartWorkers);
    private static int s_nextOutside;

    private readonly WallClockScheduler _scheduler;

    internal ConcurrentDispatcher(int throughput, double timeScale) : base(throughput)
    {
        _scheduler = new WallClockScheduler(timeScale);
        _ = s_workers.Value;
    }

    /// <inheritdoc />
    public override IScheduler Scheduler => _scheduler;

    /// <inheritdoc />
    public override DispatcherKind Kind => DispatcherKind.Concurrent;

    internal override void Schedule(Mailbox mailbox)
    {
        if (mailbox.TrySetScheduled())
        {
            Enqueue(mailbox);
        }
    }

    /// <summary>A mailbox still Scheduled after a full turn: behind the actors already waiting on this worker.</summary>
    internal void Requeue(Mailbox mailbox) => Enqueue(mailbox);

    internal override void Shutdown() => _scheduler.Dispose();

    private static Worker[] StartWorkers()
    {
        // At least two, so one actor's long turn cannot hold up every other actor on a one-core machine.
        var workers = new Worker[Math.Max(2, Environment.ProcessorCount)];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = new Worker(workers, i);
        }
        foreach (var worker in workers)
        {
            worker.Thread.Start();
        }
        return workers;
    }

    private static void Enqueue(Mailbox mailbox)
    {
        var workers = s_workers.Value;
        var worker = t_worker ?? workers[(int)((uint)Interlocked.Increment(ref s_nextOutside) % (uint)workers.Length)];
        var backlog = !worker.Queue.IsEmpty;
        if (backlog)
        {
            // Locality only while it costs no one a core: with work already waiting here, an empty
            // queue elsewhere takes the mailbox, so queues stay level and no group of actors (one
            // machine of two in a process) keeps a worker to itself while sharing the other.
            for (var i = 1; i < workers.Length; i++)
            {
                var other = workers[(worker.Index + i) % workers.Length];
                if (other.Queue.IsEmpty)
                {
                    worker = other;
                    backlog = false;
                    break;
                }
            }
        }
        worker.Queue.Enqueue(mailbox); // a full fence: a worker parking after this sees the mailbox (see Park)
        if (Volatile.Read(ref worker.Parked) != 0)
        {
            worker.Wake();
        }
        else if (backlog)
        {
            // The chosen worker is busy and already has work waiting: let an idle core steal it.
            foreach (var other in workers)
            {
                if (Volatile.Read(ref other.Parked) != 0 && other.Wake())
                {
                    break;
                }
            }
        }
    }

    private static bool TrySteal(Worker thief, out Mailbox mailbox)
    {
        var workers = thief.All;
        for (var i = 1; i < workers.Length; i++)
        {
            if (workers[(thief.Index + i) % workers.Length].Queue.TryDequeue(out mailbox!))
            {
                return true;
            }
        }
        mailbox = null!;
        return false;
    }

    private static bool AnyWork(Worker[] workers)
    {
        foreach (var worker in workers)
        {
            if (!worker.Queue.IsEmpty)
            {
                return true;
            }
        }
        return false;
    }

    private static void Loop(Worker self)
    {
        t_worker = self;
        var spins = 0;
        var spinner = default(SpinWait);
        while (true)
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
            if (AnyWork(self.All))
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
        public readonly Worker[] All;
        public readonly int Index;
        public readonly Thread Thread;
        public int Parked;

        public Worker(Worker[] all, int index)
        {
            All = all;
            Index = index;
            Thread = new Thread(() => Loop(this)) { IsBackground = true, Name = $"ActorKernel worker {index}" };
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
