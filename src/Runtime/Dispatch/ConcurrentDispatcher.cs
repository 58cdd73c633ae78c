namespace ActorKernel.Runtime;

/// <summary>
/// Runs actors truly in parallel on the process's actor workers, one thread per core, at most
/// <see cref="Dispatcher.Throughput"/> messages per turn so that busy actors cannot starve others.
/// </summary>
/// <remarks>
/// The workers (<see cref="ActorWorkerPool"/>) are shared by every concurrent actor system of the
/// process: machines in one process then share the cores by their runnable actors (FIFO queues),
/// not by how many threads each happens to keep awake. An actor told from a worker is queued on
/// that worker (its sender's data is hot there, and the chain of actors it belongs to stays on one
/// core); an idle worker takes a busy actor waiting behind other work, and a parked worker is woken
/// as soon as one waits. The thread pool's
/// <c>preferLocal</c> queues, used before, let the runs of several busy actors (the simulated
/// processors) pile onto one worker's LIFO queue for a whole process while the other core idled
/// (docs/performance.md, "A steady concurrent scheduler" and "Session 5: the concurrent dispatcher").
/// </remarks>
public sealed class ConcurrentDispatcher : Dispatcher
{
    // One pool for the process; at least two workers, so one actor's long turn cannot hold up every
    // other actor on a one-core machine.
    private static readonly ActorWorkerPool s_workers = new(Math.Max(2, Environment.ProcessorCount), "ActorKernel worker");

    private readonly WallClockScheduler _scheduler;

    internal ConcurrentDispatcher(int throughput, double timeScale) : base(throughput)
    {
        _scheduler = new WallClockScheduler(timeScale);
    }

    /// <inheritdoc />
    public override IScheduler Scheduler => _scheduler;

    /// <inheritdoc />
    public override DispatcherKind Kind => DispatcherKind.Concurrent;

    // Set while this thread runs a turn for an Ask of its own (see ScheduleForAsk).
    [ThreadStatic]
    private static bool t_inAskTurn;

    internal override void Schedule(Mailbox mailbox)
    {
        if (mailbox.TrySetScheduled())
        {
            s_workers.Enqueue(mailbox);
        }
    }

    /// <summary>
    /// An Ask from a thread that is not a worker, of an idle actor: the asking thread runs the actor's
    /// turn itself. It would only wait for the reply meanwhile, and a worker's turn is a round trip
    /// between two cores, 0.8 µs when the cores are close and 2.1 µs when they are far on the machine
    /// the benchmarks ran on (docs/performance.md, "Session 9"). An actor already scheduled, an Ask
    /// from a worker (an actor's turn) or from such a turn goes through the workers as a Tell.
    /// </summary>
    internal override void ScheduleForAsk(Mailbox mailbox)
    {
        if (!mailbox.TrySetScheduled())
        {
            return;
        }
        if (t_inAskTurn || ActorWorkerPool.CurrentWorkerOf(s_workers) >= 0)
        {
            s_workers.Enqueue(mailbox);
            return;
        }
        t_inAskTurn = true;
        try
        {
            ((IThreadPoolWorkItem)mailbox).Execute();
        }
        finally
        {
            t_inAskTurn = false;
        }
    }

    /// <summary>A mailbox still Scheduled after a full turn: behind the actors already waiting on this worker.</summary>
    internal void Requeue(Mailbox mailbox) => s_workers.EnqueueBusy(mailbox);

    internal override void Shutdown() => _scheduler.Dispose();
}
