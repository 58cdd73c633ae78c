using System.Globalization;

namespace ActorKernel.Host;

/// <summary>
/// An unexpected error inside the host (a defect, not bad input and not a simulation failure): one
/// line on stderr naming a log file that holds the details (the exception with its stack trace),
/// and its own exit code, <see cref="ExitCodes.HostError"/>.
/// </summary>
internal static class HostError
{
    /// <summary>Reports <paramref name="error"/>; returns <see cref="ExitCodes.HostError"/>.</summary>
    public static int Report(Exception error, TextWriter stderr)
    {
        var log = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"actorkernel-error-{Environment.ProcessId}.log"));
        string where;
        try
        {
            File.WriteAllText(log, error.ToString() + Environment.NewLine);
            where = $"details in {log}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            where = "the details could not be written to a log file";
        }
        var first = error.Message.Split('\n')[0].TrimEnd('\r');
        stderr.WriteLine($"actorkernel: internal error ({error.GetType().Name}: {first}); {where}; please report it");
        return ExitCodes.HostError;
    }
}
