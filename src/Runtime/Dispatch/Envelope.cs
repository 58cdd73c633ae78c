namespace ActorKernel.Runtime;

/// <summary>A message and its sender as they sit in a mailbox; a struct so that a Tell allocates nothing.</summary>
internal readonly struct Envelope(object message, IActorRef? sender)
{
    public readonly object Message = message;
    public readonly IActorRef? Sender = sender;
}
