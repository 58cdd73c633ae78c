namespace ActorKernel.Runtime;

/// <summary>
/// Runs each runnable mailbox as a thread-pool work item, at most <see cref="Dispatcher.Throughput"/>
/// messages per turn so that busy actors cannot starve others. An actor made runnable by a Tell
/// from inside a turn goes to that worker's hand-off slot and runs right after the turn, on the same
/// thread (as Tokio's and Go's "run next" slot): a request/reply pair of actors then costs no
/// thread-pool round trip per message. A worker runs at most <see cref="MaxHandOffs"/> slots in a row
/// before it puts the next one at the back of the pool's queue, so chains cannot starve other work.
/// </summary>
public sealed class ConcurrentDispatcher : Dispatcher
{
    /// <summary>Turns a worker runs back to back from its hand-off slot before it requeues (fairness).</summary>
    internal const int MaxHandOffs = 32;

    [ThreadStatic]
    private static Mailbox? t_handOff;

    [ThreadStatic]
    private static bool t_inTurn;

    private readonly WallClockScheduler _scheduler;
    private long _handOffTurns;
    private long _chainsCut;

    internal ConcurrentDispatcher(int throughput, double timeScale) : base(throughput) =>
        _scheduler = new WallClockScheduler(timeScale);

    /// <inheritdoc />
    public override IScheduler Scheduler => _scheduler;

    /// <inheritdoc />
    public override DispatcherKind Kind => DispatcherKind.Concurrent;

    internal override void Schedule(Mailbox mailbox)
    {
        if (!mailbox.TrySetScheduled())
        {
            return;
        }
        if (t_inTurn)
        {
            // The newest runnable actor runs next on this worker; one it displaces goes to this core's queue.
            var displaced = t_handOff;
            t_handOff = mailbox;
            mailbox = displaced!;
            if (mailbox is null)
            {
                return;
            }
        }
        // preferLocal keeps a sender's next work on its own core's queue: fewer steals, better cache reuse.
        ThreadPool.UnsafeQueueUserWorkItem(mailbox, preferLocal: true);
    }

    /// <summary>
    /// A worker's run: <paramref name="first"/>'s turn, then the turns of the actors its turns made
    /// runnable through the hand-off slot, up to <see cref="MaxHandOffs"/>.
    /// </summary>
    internal static void RunTurns(Mailbox first)
    {
        if (t_inTurn)
        {
            first.RunTurnOnWorker(); // a nested pool work item run inline by a blocking wait: keep the outer chain's slot
            return;
        }
        t_inTurn = true;
        try
        {
            var mailbox = first;
            for (var handOffs = 0; ; handOffs++)
            {
                mailbox.RunTurnOnWorker();
                var next = t_handOff;
                t_handOff = null;
                if (next is null)
                {
                    return;
                }
                if (handOffs == MaxHandOffs)
                {
                    CountHandOff(next, cut: true);
                    ThreadPool.UnsafeQueueUserWorkItem(next, preferLocal: false);
                    return;
                }
                CountHandOff(next, cut: false);
                mailbox = next;
            }
        }
        finally
        {
            t_inTurn = false;
            if (t_handOff is { } orphan)
            {
                // A turn threw past its own handler: the scheduled actor still gets its run.
                t_handOff = null;
                ThreadPool.UnsafeQueueUserWorkItem(orphan, preferLocal: true);
            }
        }
    }

    /// <summary>Debug builds: turns run from a hand-off slot, and chains cut at <see cref="MaxHandOffs"/> (tests read them).</summary>
    internal (long HandOffTurns, long ChainsCut) HandOffCounts => (Interlocked.Read(ref _handOffTurns), Interlocked.Read(ref _chainsCut));

    [System.Diagnostics.Conditional("DEBUG")]
    private static void CountHandOff(Mailbox next, bool cut)
    {
        if (next.Dispatcher is ConcurrentDispatcher dispatcher)
        {
            Interlocked.Increment(ref cut ? ref dispatcher._chainsCut : ref dispatcher._handOffTurns);
        }
    }

    internal override void Shutdown() => _scheduler.Dispose();
}
