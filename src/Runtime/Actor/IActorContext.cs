namespace ActorKernel.Runtime;

/// <summary>What an actor can do besides handling its message: the part of Akka.NET's <c>IActorContext</c> this runtime keeps.</summary>
public interface IActorContext
{
    /// <summary>This actor.</summary>
    IActorRef Self { get; }

    /// <summary>The sender of the current message, or dead letters.</summary>
    IActorRef Sender { get; }

    /// <summary>The supervising parent.</summary>
    IActorRef Parent { get; }

    /// <summary>The system this actor lives in.</summary>
    ActorSystem System { get; }

    /// <summary>The live children, in creation order.</summary>
    IReadOnlyList<IActorRef> Children { get; }

    /// <summary>The child called <paramref name="name"/>, or <see langword="null"/>.</summary>
    IActorRef? Child(string name);

    /// <summary>Creates a child supervised by this actor.</summary>
    /// <exception cref="InvalidActorNameException">When the name is taken or malformed.</exception>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>Stops <paramref name="actor"/> (a child or this actor) after its current message.</summary>
    void Stop(IActorRef actor);

    /// <summary>Delivers <see cref="Terminated"/> to this actor when <paramref name="actor"/> stops.</summary>
    IActorRef Watch(IActorRef actor);

    /// <summary>Stops watching <paramref name="actor"/>; a <see cref="Terminated"/> not yet handled is dropped.</summary>
    IActorRef Unwatch(IActorRef actor);

    /// <summary>Replaces the current behaviour.</summary>
    void Become(Receive receive);

    /// <summary>Pushes a behaviour over the current one.</summary>
    void BecomeStacked(Receive receive);

    /// <summary>Pops the behaviour pushed last; the initial behaviour is never popped.</summary>
    void Unbecome();

    /// <summary>This actor's timers.</summary>
    ITimerScheduler Timers { get; }
}
