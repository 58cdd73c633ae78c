namespace ActorKernel.Runtime;

/// <summary>
/// Steers every scheduling choice of the <see cref="DeterministicDispatcher"/> when attached to it
/// (<see cref="DeterministicDispatcher.Strategy"/>): which ready actor delivers next, and at a
/// scheduling point whether the actor paused there continues or another one runs first. A stress
/// explorer implements it (seeded random, PCT, exhaustive, trace replay); with none attached the
/// dispatcher makes its own seeded choice and scheduling points do nothing.
/// </summary>
/// <remarks>
/// Candidates are stable actor numbers (creation order, so the same program gives the same numbers).
/// The pseudo-candidate <see cref="LetTimePass"/> offered at a scheduling point means: keep the
/// paused actor paused and let virtual time run to the next timer (within the stall window), so
/// work that is not ready yet (another processor's next slice) can land at the point.
/// </remarks>
public interface ISchedulingStrategy
{
    /// <summary>The pseudo-candidate "let virtual time pass while the paused actor stays paused".</summary>
    public const int LetTimePass = -1;

    /// <summary>Chooses who runs next.</summary>
    /// <param name="candidates">Actor numbers (or <see cref="LetTimePass"/>); at least two.</param>
    /// <param name="pausedIndex">-1 at a dispatcher step; at a scheduling point the index of the paused actor (choosing it lets it continue).</param>
    /// <returns>An index into <paramref name="candidates"/>.</returns>
    int Choose(ReadOnlySpan<int> candidates, int pausedIndex);
}
