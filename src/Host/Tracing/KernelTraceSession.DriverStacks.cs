using System.Globalization;
using System.Text;
using ActorKernel.Actors;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host;

// The driver stack of each kind of user request (issue 19: "the driver stack of the request"), read
// from the recorder's traces (IoRequestDriverStack follows the spawned-by links of the IRPs drivers
// built), written beside the trace files as driver-stacks.txt and logged.
internal sealed partial class KernelTraceSession
{
    /// <summary>The file written beside the traces.</summary>
    public const string DriverStacksFile = "driver-stacks.txt";

    /// <summary>Writes <see cref="DriverStacksFile"/> into <paramref name="directory"/> and logs each line; returns the path.</summary>
    private string WriteDriverStacks(IoTraceRecorder recorder, string directory)
    {
        var text = new StringBuilder();
        text.Append("# The driver stack of each kind of user request: every driver whose routine touched it, in order, across the\n");
        text.Append("# device stacks it crossed (the IRPs drivers built for it follow their spawned-by links). request, stack, requests\n");
        foreach (var (request, stack, count) in IoRequestDriverStack.Summarize(recorder.GetTraces()))
        {
            text.Append(CultureInfo.InvariantCulture, $"{request}\t{stack}\t{count}\n");
            LogDriverStack(logger, request, stack, count);
        }
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, DriverStacksFile);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Trace: driver stack of {Request}: {Stack} ({Count} requests)")]
    private static partial void LogDriverStack(ILogger logger, string request, string stack, int count);
}
