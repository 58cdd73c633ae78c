namespace ActorKernel.TestKit;

/// <summary>The actor behind a <see cref="TestProbe"/>: it queues every message for the test and carries out watch requests.</summary>
internal sealed class ProbeActor(TestProbe probe) : ActorBase
{
    protected internal override bool Receive(object message)
    {
        switch (message)
        {
            case ProbeCommand command:
                if (command.Watch)
                {
                    Context.Watch(command.Target);
                }
                else
                {
                    Context.Unwatch(command.Target);
                }
                probe.Acknowledge();
                return true;
            default:
                probe.Enqueue(message, Sender);
                return true;
        }
    }
}

/// <summary>Asks the probe's actor to watch or unwatch <see cref="Target"/> from inside its own turn.</summary>
internal sealed record ProbeCommand(IActorRef Target, bool Watch);
