using System.Globalization;

namespace ActorKernel.Actors.Verifier;

/// <summary>What kind of failure a schedule found.</summary>
public enum FailureKind
{
    /// <summary>The machine bugchecked (a driver broke a rule NT enforces with a stop).</summary>
    BugCheck,

    /// <summary>Driver Verifier reported a violation (a verifier bugcheck such as 0xC4 or 0xC9, or a logged finding).</summary>
    VerifierReport,

    /// <summary>A driver-declared invariant did not hold at the end of the run.</summary>
    Invariant,

    /// <summary>The workload made no progress within its span of virtual time (a deadlock or livelock, a request never completed).</summary>
    Hang,

    /// <summary>An IRP was not completed exactly once (left pending, or its requester never signalled).</summary>
    LostIrp,

    /// <summary>An assertion of the scenario or test failed (or its body threw).</summary>
    Assertion,
}

/// <summary>A failure found by the explorer.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Message">What happened (the bugcheck with its parameters, the invariant, the hang's wait chain).</param>
/// <param name="BugCheckCode">The bugcheck code of the run's crash dump (0xE2 when the explorer stopped the machine itself).</param>
public sealed record ExplorationFailure(FailureKind Kind, string Message, uint BugCheckCode = 0)
{
    /// <summary>What identifies "the same failure" when replaying or shrinking: its kind and bugcheck code.</summary>
    public string Signature => Kind + "/0x" + BugCheckCode.ToString("X", CultureInfo.InvariantCulture);
}
