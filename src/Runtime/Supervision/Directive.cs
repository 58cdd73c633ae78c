namespace ActorKernel.Runtime;

/// <summary>What a supervisor does with a failed child.</summary>
public enum Directive
{
    /// <summary>Keep the instance and its state; the failed message is dropped.</summary>
    Resume,

    /// <summary>Replace the instance with a fresh one; the mailbox, and so every waiting message, is kept.</summary>
    Restart,

    /// <summary>Stop the child.</summary>
    Stop,

    /// <summary>Fail the supervisor itself with the same exception, for its own parent to decide.</summary>
    Escalate,
}
