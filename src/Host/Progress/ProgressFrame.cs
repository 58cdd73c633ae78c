namespace ActorKernel.Host;

/// <summary>What a progress view shows at one moment; the wall figures are the only non-deterministic part.</summary>
/// <param name="Scenario">The scenario's name.</param>
/// <param name="Snapshot">The machine's counters.</param>
/// <param name="EndNanoseconds">When the run ends (simulated).</param>
/// <param name="Wall">Wall time since the run started.</param>
/// <param name="SimulatedRate">Completions per simulated second since the last frame.</param>
/// <param name="WallRate">Completions per wall second since the last frame.</param>
/// <param name="Crashes">Bugchecks so far.</param>
/// <param name="Boot">The current boot (0 before any crash).</param>
/// <param name="Phase">running, draining or stopping.</param>
/// <param name="Processors">The machine's processor count, for the placeholder rows.</param>
internal sealed record ProgressFrame(
    string Scenario,
    ProgressSnapshot Snapshot,
    long EndNanoseconds,
    TimeSpan Wall,
    double SimulatedRate,
    double WallRate,
    int Crashes,
    int Boot,
    string Phase,
    int Processors)
{
    /// <summary>The timeline's latest closed interval (per device and processor figures of that interval only), if any.</summary>
    public TimelineInterval? LastInterval { get; init; }
}

/// <summary>Shows progress frames.</summary>
internal interface IProgressView
{
    void Show(ProgressFrame frame);
}

/// <summary>Runs a body with a progress view around it (a live display needs to own the console while it runs).</summary>
internal interface IProgressPresenter
{
    T Run<T>(Func<IProgressView, T> body);
}
