namespace ActorKernel.TestKit;

/// <summary>
/// A base class for xunit test classes: each test (xunit makes one instance per test) gets its own
/// <see cref="ActorSystem"/>, on the dispatcher chosen in the constructor, terminated on
/// <see cref="Dispose()"/>. Derive from it, or from <see cref="DeterministicTestKit"/> /
/// <see cref="ConcurrentTestKit"/>.
/// </summary>
/// <remarks>
/// Waits (<see cref="AwaitCondition"/>, <see cref="AwaitResult{T}"/>, probe expectations) use the
/// system's clock: on the deterministic dispatcher they drive it in virtual time and never sleep.
/// </remarks>
public abstract class ActorTestKit : IDisposable
{
    private bool _disposed;

    /// <summary>Creates the system on <paramref name="dispatcher"/>; a deterministic one uses <paramref name="seed"/> and records deliveries.</summary>
    protected ActorTestKit(DispatcherKind dispatcher = DispatcherKind.Deterministic, ulong seed = 1)
        : this(dispatcher == DispatcherKind.Deterministic
            ? ActorSystemOptions.DeterministicWith(seed, recordDeliveries: true)
            : ActorSystemOptions.ConcurrentWith())
    {
    }

    /// <summary>Creates the system with explicit <paramref name="options"/>.</summary>
    protected ActorTestKit(ActorSystemOptions options, string? systemName = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Sys = ActorSystem.Create(systemName ?? GetType().Name, options);
        Waiter = new SystemWaiter(Sys);
        DefaultTimeout = SystemWaiter.DefaultTimeoutFor(Sys);
    }

    /// <summary>The test's actor system.</summary>
    public ActorSystem Sys { get; }

    /// <summary>The deterministic dispatcher to drive by hand, or null on the concurrent one.</summary>
    public DeterministicDispatcher? Deterministic => Sys.Deterministic;

    /// <summary>
    /// How long waits last when given no timeout, in dispatcher time: 3 s (virtual) on the deterministic
    /// dispatcher, 10 s on the concurrent one. Probes created afterwards take this value.
    /// </summary>
    public TimeSpan DefaultTimeout { get; set; }

    private protected SystemWaiter Waiter { get; }

    /// <summary>Creates a probe in the test's system.</summary>
    /// <param name="name">Its actor's name under <c>/user</c>; generated when null.</param>
    public TestProbe CreateTestProbe(string? name = null) => new(Sys, name) { DefaultTimeout = DefaultTimeout };

    /// <summary>Creates a top-level actor in the test's system.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => Sys.ActorOf(props, name);

    /// <summary>Waits until <paramref name="condition"/> holds (the deterministic dispatcher runs meanwhile).</summary>
    /// <exception cref="ExpectationFailedException">It did not hold within <paramref name="timeout"/>.</exception>
    public void AwaitCondition(Func<bool> condition, TimeSpan? timeout = null, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var wait = timeout ?? DefaultTimeout;
        if (!Waiter.WaitUntil(condition, wait, gate: null))
        {
            throw new ExpectationFailedException(
                $"Condition {description ?? "(unnamed)"} did not hold within {SystemWaiter.Format(wait)} ({Waiter.ClockNote}).");
        }
    }

    /// <summary>Waits for <paramref name="task"/> (an Ask, say) and returns its result, rethrowing its exception.</summary>
    /// <exception cref="ExpectationFailedException">It did not complete within <paramref name="timeout"/>.</exception>
    public T AwaitResult<T>(Task<T> task, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        var wait = timeout ?? DefaultTimeout;
        if (!Waiter.WaitUntil(() => task.IsCompleted, wait, gate: null))
        {
            throw new ExpectationFailedException($"Task did not complete within {SystemWaiter.Format(wait)} ({Waiter.ClockNote}).");
        }
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Terminates the test's system: every actor stops, children first.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Terminates the system when <paramref name="disposing"/>; override to release more, calling the base.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }
        _disposed = true;
        Sys.Dispose();
    }
}

/// <summary>A test base on the deterministic dispatcher: one thread, virtual time, seed <c>1</c> unless given.</summary>
public abstract class DeterministicTestKit : ActorTestKit
{
    /// <summary>Creates the system with <paramref name="seed"/>.</summary>
    protected DeterministicTestKit(ulong seed = 1) : base(DispatcherKind.Deterministic, seed) { }

    /// <summary>The deterministic dispatcher.</summary>
    public new DeterministicDispatcher Deterministic => Sys.Deterministic!;
}

/// <summary>A test base on the concurrent dispatcher: the thread pool and the wall clock.</summary>
public abstract class ConcurrentTestKit : ActorTestKit
{
    /// <summary>Creates the system.</summary>
    protected ConcurrentTestKit() : base(DispatcherKind.Concurrent) { }
}
