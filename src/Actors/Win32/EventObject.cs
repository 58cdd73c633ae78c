namespace ActorKernel.Actors;

/// <summary>An event object of the object manager (the executive's KEVENT with an object header): what CreateEvent's handle refers to.</summary>
public sealed class EventObject : KernelObject
{
    internal EventObject(EventType type, bool state) => Wdm.KeInitializeEvent(Event, type, state);

    /// <summary>The dispatcher object threads wait on.</summary>
    public KEvent Event { get; } = new();

    /// <inheritdoc />
    public override string ObjectTypeName => "Event";
}
