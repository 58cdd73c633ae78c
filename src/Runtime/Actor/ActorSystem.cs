namespace ActorKernel.Runtime;

/// <summary>
/// A hierarchy of actors under one dispatcher: <c>/user</c> holds what <see cref="ActorOf"/> makes,
/// <c>/system</c> the runtime's own actors. Terminating stops children before parents; messages
/// still queued then are reported as dead letters, never silently dropped.
/// </summary>
public sealed class ActorSystem : IDisposable, IAsyncDisposable
{
    private readonly ActorCell _root;
    private readonly ActorCell _userGuardian;
    private readonly ActorCell _systemGuardian;
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ActorSystem(string name, ActorSystemOptions options)
    {
        Name = name;
        Options = options;
        Dispatcher = options.Dispatcher switch
        {
            DispatcherKind.Deterministic => new DeterministicDispatcher(options.Seed, options.RecordDeliveries ? new DeliveryLog(options.DeliveryLogCapacity) : null),
            DispatcherKind.Concurrent => new ConcurrentDispatcher(options.Throughput, options.TimeScale),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Dispatcher, "Unknown dispatcher kind."),
        };
        var rootPath = ActorPath.Root(name);
        DeadLetterSink = new DeadLetterActorRef(this, rootPath.Child("deadLetters"));
        _root = new ActorCell(this, null, rootPath, Props.Create(() => new GuardianActor(SupervisorStrategy.StoppingStrategy)));
        _root.Start();
        _userGuardian = (ActorCell)_root.ActorOf(Props.Create(() => new GuardianActor(SupervisorStrategy.Default)), "user");
        _systemGuardian = (ActorCell)_root.ActorOf(Props.Create(() => new GuardianActor(SupervisorStrategy.Default)), "system");
    }

    /// <summary>The system's name, the authority of every path in it.</summary>
    public string Name { get; }

    /// <summary>The options it was created with.</summary>
    public ActorSystemOptions Options { get; }

    /// <summary>The dispatcher that runs every actor of this system.</summary>
    public Dispatcher Dispatcher { get; }

    /// <summary>The deterministic dispatcher, to drive virtual time; <see langword="null"/> on the concurrent one.</summary>
    public DeterministicDispatcher? Deterministic => Dispatcher as DeterministicDispatcher;

    /// <summary>The dispatcher's clock and timers.</summary>
    public IScheduler Scheduler => Dispatcher.Scheduler;

    /// <summary>System events: dead letters, unhandled messages, supervision decisions, errors.</summary>
    public EventStream EventStream { get; } = new();

    /// <summary>Where undeliverable messages go.</summary>
    public IActorRef DeadLetters => DeadLetterSink;

    /// <summary>How many messages became dead letters so far.</summary>
    public long DeadLetterCount => DeadLetterSink.Count;

    /// <summary>Completes once every actor has stopped.</summary>
    public Task WhenTerminated => _terminated.Task;

    internal DeadLetterActorRef DeadLetterSink { get; }

    /// <summary>Creates an actor system.</summary>
    public static ActorSystem Create(string name, ActorSystemOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new ActorSystem(name, options ?? new ActorSystemOptions());
    }

    /// <summary>Creates a top-level actor under <c>/user</c>.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => _userGuardian.ActorOf(props, name);

    /// <summary>Creates a runtime actor under <c>/system</c>.</summary>
    public IActorRef SystemActorOf(Props props, string? name = null) => _systemGuardian.ActorOf(props, name);

    /// <summary>Stops <paramref name="actor"/> (and, first, its children).</summary>
    public void Stop(IActorRef actor) => _root.Stop(actor);

    /// <summary>
    /// Stops every actor, children before parents, and completes when all are gone. On the
    /// deterministic dispatcher it runs the dispatcher itself until then.
    /// </summary>
    public Task Terminate()
    {
        if (!_root.IsTerminated)
        {
            _root.Stop(_root);
            Deterministic?.RunUntil(() => _root.IsTerminated);
        }
        return WhenTerminated;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        var done = Terminate();
        if (Deterministic is null && !done.Wait(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException($"Actor system {Name} did not terminate within 10 s.");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await Terminate().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);

    /// <summary>Finds a live actor by its path below the root, e.g. <c>/user/a/b</c>; null when none.</summary>
    public IActorRef? Lookup(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        IActorRef? current = _root;
        foreach (var element in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current = (current as ActorCell)?.Child(element);
            if (current is null)
            {
                return null;
            }
        }
        return current;
    }

    internal void OnRootTerminated()
    {
        Dispatcher.Shutdown();
        _terminated.TrySetResult();
    }

    /// <inheritdoc />
    public override string ToString() => $"ActorSystem({Name}, {Dispatcher.Kind})";

    private sealed class GuardianActor(SupervisorStrategy strategy) : ActorBase
    {
        protected internal override bool Receive(object message) => false;

        protected internal override SupervisorStrategy SupervisorStrategy() => strategy;
    }
}
