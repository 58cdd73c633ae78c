namespace ActorKernel.Runtime;

/// <summary>Where undeliverable messages go: counted and published as <see cref="DeadLetter"/>.</summary>
internal sealed class DeadLetterActorRef(ActorSystem system, ActorPath path) : IActorRef
{
    private long _count;

    public ActorPath Path { get; } = path;

    public long Count => Interlocked.Read(ref _count);

    public void Tell(object message, IActorRef? sender = null) => Publish(message, sender, this);

    /// <summary>Counts and publishes a message meant for <paramref name="recipient"/>.</summary>
    public void Publish(object message, IActorRef? sender, IActorRef recipient)
    {
        // A cancelled or orphaned timer message is expected at stop, not a lost message.
        if (message is TimerMessage)
        {
            return;
        }
        Interlocked.Increment(ref _count);
        system.EventStream.Publish(new DeadLetter(message, sender, recipient));
    }

    public override string ToString() => Path.ToString();
}
