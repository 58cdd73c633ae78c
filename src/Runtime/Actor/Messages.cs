namespace ActorKernel.Runtime;

/// <summary>Stops the actor that receives it, after the messages enqueued before it.</summary>
public sealed class PoisonPill : IAutoReceivedMessage
{
    private PoisonPill() { }

    /// <summary>The single instance.</summary>
    public static PoisonPill Instance { get; } = new();
}

/// <summary>Makes the receiving actor fail with <see cref="ActorKilledException"/>, which its supervisor stops by default.</summary>
public sealed class Kill : IAutoReceivedMessage
{
    private Kill() { }

    /// <summary>The single instance.</summary>
    public static Kill Instance { get; } = new();
}

/// <summary>Delivered to a watcher when an actor it watches has stopped (DeathWatch).</summary>
/// <param name="ActorRef">The actor that stopped.</param>
/// <param name="ExistenceConfirmed">False when the actor was already gone when the watch was set.</param>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed) : IAutoReceivedMessage;

/// <summary>A failed reply, used by Ask and PipeTo to carry an exception as a message.</summary>
/// <param name="Cause">The failure.</param>
public sealed record StatusFailure(Exception Cause);

/// <summary>A timer message of an actor's <see cref="ITimerScheduler"/>, tagged so that a cancelled timer's late message is dropped.</summary>
internal sealed class TimerMessage(object key, object message, int generation, TimerScheduler owner) : IAutoReceivedMessage
{
    public object Key { get; } = key;
    public object Message { get; } = message;
    public int Generation { get; } = generation;
    public TimerScheduler Owner { get; } = owner;
}
