namespace ActorKernel.Actors;

/// <summary>A KEVENT as an IRP's UserEvent: the I/O manager signals it with KeSetEvent at completion.</summary>
/// <param name="eventObject">The event.</param>
public sealed class KEventSignal(KEvent eventObject) : IIoEvent
{
    /// <summary>The event.</summary>
    public KEvent Event { get; } = eventObject;

    /// <inheritdoc />
    public void Set() => Wdm.KeSetEvent(Event, (int)PriorityBoost.IoNoIncrement, false);
}
