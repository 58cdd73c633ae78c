namespace ActorKernel.Runtime;

/// <summary>How an actor system runs.</summary>
public sealed record ActorSystemOptions
{
    /// <summary>Which dispatcher runs the actors.</summary>
    public DispatcherKind Dispatcher { get; init; } = DispatcherKind.Deterministic;

    /// <summary>The root seed of a deterministic run; every choice the run makes derives from it.</summary>
    public ulong Seed { get; init; }

    /// <summary>User messages per actor turn on the concurrent dispatcher (the deterministic one always takes one).</summary>
    public int Throughput { get; init; } = 64;

    /// <summary>Simulated seconds per wall second on the concurrent dispatcher.</summary>
    public double TimeScale { get; init; } = 1.0;

    /// <summary>Whether the deterministic dispatcher hashes every delivery into a <see cref="DeliveryLog"/>.</summary>
    public bool RecordDeliveries { get; init; }

    /// <summary>How many delivery records to keep besides the hash (0: hash only).</summary>
    public int DeliveryLogCapacity { get; init; }

    /// <summary>Options for a deterministic run with <paramref name="seed"/>.</summary>
    public static ActorSystemOptions DeterministicWith(ulong seed, bool recordDeliveries = false) =>
        new() { Dispatcher = DispatcherKind.Deterministic, Seed = seed, RecordDeliveries = recordDeliveries };

    /// <summary>Options for a concurrent run.</summary>
    public static ActorSystemOptions ConcurrentWith(int throughput = 64, double timeScale = 1.0) =>
        new() { Dispatcher = DispatcherKind.Concurrent, Throughput = throughput, TimeScale = timeScale };
}
