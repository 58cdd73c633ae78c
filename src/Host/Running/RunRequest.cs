using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>What <c>run</c> was asked: the scenario and the command line's overrides.</summary>
/// <param name="Scenario">A file path, a shipped scenario's name, or null for the default.</param>
/// <param name="Seed">Overrides <c>machine.seed</c>.</param>
/// <param name="Dispatcher">Overrides <c>machine.dispatcher</c>.</param>
/// <param name="DurationNanoseconds">Overrides <c>duration</c>.</param>
/// <param name="OutputDirectory">Overrides <c>output.directory</c>.</param>
/// <param name="Verify">
/// <c>--verify DRIVER</c> (repeatable): Driver Verifier with special pool, pool tracking and I/O
/// verification for the scenario's stack that holds DRIVER (its function driver or a filter).
/// </param>
/// <param name="Checked">--checked: sets <c>machine.checkedBuild</c>.</param>
public sealed record RunRequest(string? Scenario, ulong? Seed, DispatcherKind? Dispatcher, long? DurationNanoseconds, string? OutputDirectory, IReadOnlyList<string>? Verify = null, bool Checked = false)
{
    /// <summary><c>--debug</c>: listen for <c>kd --attach</c> on a loopback endpoint with a start-up token (src/Host/Debugger/KdListener.cs).</summary>
    public bool Debug { get; init; }

    /// <summary>Print the machine's device tree (<c>!devnode 0 1</c>) after the summary (<c>run --devnodes</c>).</summary>
    public bool DevNodes { get; init; }
}

/// <summary>The process exit codes.</summary>
public static class ExitCodes
{
    /// <summary>The run finished and found nothing wrong.</summary>
    public const int Success = 0;

    /// <summary>The simulation found a failure: a bugcheck or a broken invariant.</summary>
    public const int SimulationFailure = 1;

    /// <summary>Bad input or usage: a bad scenario, an unknown name, a malformed command line.</summary>
    public const int BadInput = 2;

    /// <summary>An unexpected error inside the host (a defect): one line on stderr names a log file with the details.</summary>
    public const int HostError = 3;

    /// <summary>A second Ctrl+C stopped the run at once, without draining (128 + SIGINT).</summary>
    public const int Aborted = 130;
}
