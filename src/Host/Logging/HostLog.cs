using Microsoft.Extensions.Logging;

namespace ActorKernel.Host;

/// <summary>The host's log messages, source-generated (no boxing, no parsing at run time).</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Running scenario {Scenario} ({Source}) with the {Runner} runner: {Dispatcher} dispatcher, seed {Seed}, {Duration} of simulated time, output in {Output}")]
    public static partial void RunStarting(ILogger logger, string scenario, string source, string runner, string dispatcher, ulong seed, string duration, string output);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "progress: sim {Simulated} / {End} (wall {Wall}), issued {Issued}, completed {Completed}, failed {Failed}, in flight {InFlight}, {Rate} req/s simulated, crashes {Crashes}")]
    public static partial void Progress(ILogger logger, string simulated, string end, string wall, long issued, long completed, long failed, long inFlight, string rate, int crashes);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Problem}")]
    public static partial void ScenarioWarning(ILogger logger, string problem);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Stop requested: workloads stop issuing; draining in-flight requests for up to {Deadline} (press Ctrl+C again to stop at once)")]
    public static partial void StopRequested(ILogger logger, TimeSpan deadline);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Drain deadline passed: cancelling the requests still in flight")]
    public static partial void DrainDeadlinePassed(ILogger logger);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Second stop signal: stopping at once without draining")]
    public static partial void AbortRequested(ILogger logger);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "The machine crashed at {At}: {BugCheck}; crash dump {Dump}")]
    public static partial void Crashed(ILogger logger, string at, string bugCheck, string dump);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Rebooting the machine (boot {Boot}) to continue from {At}")]
    public static partial void Rebooting(ILogger logger, int boot, string at);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Summary written to {Path}")]
    public static partial void SummaryWritten(ILogger logger, string path);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Accounting violated: {Detail}")]
    public static partial void InvariantViolated(ILogger logger, string detail);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Crash limit reached ({Crashes} crashes): not rebooting again")]
    public static partial void CrashLimit(ILogger logger, int crashes);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Estimated wall time {Estimate} for {Duration} of simulated time at the measured pace ({Rate} simulated s per wall s) exceeds Run:WallTimeWarning ({Limit}); stop with Ctrl+C (the summary is still written) or choose a shorter --duration")]
    public static partial void LongRun(ILogger logger, string estimate, string duration, string rate, TimeSpan limit);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Timeline interval raised from {Configured} to {Effective} so that the run has at most {Max} intervals")]
    public static partial void TimelineCoarsened(ILogger logger, string configured, string effective, int max);
}
