namespace ActorKernel.Host;

/// <summary>
/// The host's only wall clock: for progress lines and the wall-clock section of the summary, never for
/// anything a deterministic run decides.
/// </summary>
internal sealed class HostWallClock
{
    private readonly long _start = TimeProvider.System.GetTimestamp();

    /// <summary>Wall time since this clock was made.</summary>
    public TimeSpan Elapsed => TimeProvider.System.GetElapsedTime(_start);
}
