namespace ActorKernel.Runtime;

/// <summary>How an actor system runs its actors.</summary>
public enum DispatcherKind
{
    /// <summary>One thread, virtual time, a seeded choice of which ready actor runs next: runs replay exactly.</summary>
    Deterministic,

    /// <summary>The thread pool, truly parallel, wall-clock time (optionally scaled).</summary>
    Concurrent,
}

/// <summary>The part that differs between the two ways of running actors; everything above it is one code path.</summary>
public abstract class Dispatcher
{
    private int _actorIds;

    private protected Dispatcher(int throughput) => Throughput = throughput;

    /// <summary>The next actor number, in creation order.</summary>
    internal int NextActorId() => Interlocked.Increment(ref _actorIds);

    /// <summary>How many user messages an actor handles in one turn before others get a chance.</summary>
    public int Throughput { get; }

    /// <summary>The clock and timer queue of this dispatcher.</summary>
    public abstract IScheduler Scheduler { get; }

    /// <summary>Which kind this is.</summary>
    public abstract DispatcherKind Kind { get; }

    /// <summary>Records every delivery when set (deterministic dispatcher only).</summary>
    internal DeliveryLog? Log { get; private protected set; }

    /// <summary>Makes the mailbox's actor runnable; idempotent.</summary>
    internal abstract void Schedule(Mailbox mailbox);

    /// <summary>Makes the mailbox's actor runnable for an Ask's question (the concurrent dispatcher may run its turn on the asking thread).</summary>
    internal virtual void ScheduleForAsk(Mailbox mailbox) => Schedule(mailbox);

    /// <summary>Stops timers and threads after the actor system has terminated.</summary>
    internal virtual void Shutdown() { }
}
