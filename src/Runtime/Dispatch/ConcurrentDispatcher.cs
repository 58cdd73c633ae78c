namespace ActorKernel.Runtime;

/// <summary>
/// Runs each runnable mailbox as a thread-pool work item, at most <see cref="Dispatcher.Throughput"/>
/// messages per turn so that busy actors cannot starve others.
/// </summary>
public sealed class ConcurrentDispatcher : Dispatcher
{
    private readonly WallClockScheduler _scheduler;

    internal ConcurrentDispatcher(int throughput, double timeScale) : base(throughput) =>
        _scheduler = new WallClockScheduler(timeScale);

    /// <inheritdoc />
    public override IScheduler Scheduler => _scheduler;

    /// <inheritdoc />
    public override DispatcherKind Kind => DispatcherKind.Concurrent;

    internal override void Schedule(Mailbox mailbox)
    {
        if (mailbox.TrySetScheduled())
        {
            // preferLocal keeps a sender's next work on its own core's queue: fewer steals, better cache reuse.
            ThreadPool.UnsafeQueueUserWorkItem(mailbox, preferLocal: true);
        }
    }

    internal override void Shutdown() => _scheduler.Dispose();
}
