namespace ActorKernel.Runtime;

/// <summary>A message that reached no actor: its recipient had stopped, or it was sent to dead letters.</summary>
/// <param name="Message">The message.</param>
/// <param name="Sender">Its sender, if any.</param>
/// <param name="Recipient">Where it was sent.</param>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>A message no behaviour of its recipient handled.</summary>
/// <param name="Message">The message.</param>
/// <param name="Sender">Its sender, if any.</param>
/// <param name="Recipient">The actor that did not handle it.</param>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>A supervisor decided what to do with a failed child.</summary>
/// <param name="Supervisor">The parent that decided.</param>
/// <param name="Child">The child that failed.</param>
/// <param name="Cause">Its exception.</param>
/// <param name="Directive">The decision (after restart limits: a refused restart reads <see cref="Directive.Stop"/>).</param>
public sealed record SupervisionDecision(IActorRef Supervisor, IActorRef Child, Exception Cause, Directive Directive);

/// <summary>An error the runtime caught outside message handling (a failing PostStop, an escalation at the top).</summary>
/// <param name="Source">The actor concerned.</param>
/// <param name="Cause">The exception.</param>
/// <param name="Message">What happened.</param>
public sealed record RuntimeError(IActorRef Source, Exception Cause, string Message);
