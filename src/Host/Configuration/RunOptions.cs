using Microsoft.Extensions.Options;

namespace ActorKernel.Host;

/// <summary>How the host shows progress.</summary>
public enum ProgressMode
{
    /// <summary>A live view on an interactive terminal, log lines when output is redirected.</summary>
    Auto,

    /// <summary>Always the live view.</summary>
    Live,

    /// <summary>Always periodic log lines.</summary>
    Plain,

    /// <summary>No progress output.</summary>
    None,
}

/// <summary>
/// The host's run settings, section <c>Run</c> of appsettings.json; override with environment
/// variables such as <c>ACTORKERNEL_Run__DrainTimeout=00:00:10</c>.
/// </summary>
public sealed class RunOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Run";

    /// <summary>Where runs go when neither <c>--out</c> nor the scenario names a folder (relative to the current directory).</summary>
    public string OutputRoot { get; set; } = "runs";

    /// <summary>Wall time between progress log lines when output is redirected.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Wall time between refreshes of the live view.</summary>
    public TimeSpan LiveRefresh { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Simulated time per slice on the deterministic dispatcher (the host reports progress between slices).</summary>
    public TimeSpan SimulatedSlice { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Wall time a graceful stop waits for in-flight requests before cancelling them.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Live view, log lines, or nothing.</summary>
    public ProgressMode Progress { get; set; } = ProgressMode.Auto;

    /// <summary>Simulated time per timeline interval (timeline.json, timeline.csv, the summary's chart).</summary>
    public TimeSpan TimelineInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Warn before a deterministic run whose estimated wall time (from a calibration slice) exceeds this.</summary>
    public TimeSpan WallTimeWarning { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>Where shipped scenarios are found: section <c>Scenarios</c>.</summary>
public sealed class ScenarioOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Scenarios";

    /// <summary>The folder of shipped scenarios, relative to the host's own folder unless absolute.</summary>
    [System.ComponentModel.DataAnnotations.Required(AllowEmptyStrings = false, ErrorMessage = "Scenarios:Directory must name a folder")]
    public string Directory { get; set; } = "scenarios";
}

/// <summary>Checks <see cref="RunOptions"/> at start and names the setting and the allowed range.</summary>
internal sealed class RunOptionsValidator : IValidateOptions<RunOptions>
{
    public ValidateOptionsResult Validate(string? name, RunOptions options)
    {
        var failures = new List<string>();
        Range(failures, "Run:ProgressInterval", options.ProgressInterval, TimeSpan.FromMilliseconds(50), TimeSpan.FromHours(1));
        Range(failures, "Run:LiveRefresh", options.LiveRefresh, TimeSpan.FromMilliseconds(20), TimeSpan.FromMinutes(1));
        Range(failures, "Run:SimulatedSlice", options.SimulatedSlice, TimeSpan.FromMicroseconds(1), TimeSpan.FromHours(1));
        Range(failures, "Run:DrainTimeout", options.DrainTimeout, TimeSpan.Zero, TimeSpan.FromHours(1));
        Range(failures, "Run:TimelineInterval", options.TimelineInterval, TimeSpan.FromMicroseconds(1), TimeSpan.FromDays(1));
        Range(failures, "Run:WallTimeWarning", options.WallTimeWarning, TimeSpan.Zero, TimeSpan.FromDays(365));
        if (string.IsNullOrWhiteSpace(options.OutputRoot))
        {
            failures.Add("Run:OutputRoot must name a folder");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{key} must be between {min} and {max}, got {value}");
        }
    }
}
