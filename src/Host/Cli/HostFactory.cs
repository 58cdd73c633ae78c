using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace ActorKernel.Host;

/// <summary>
/// Builds the generic host every verb runs in: appsettings.json (found next to the executable),
/// environment variables prefixed <c>ACTORKERNEL_</c>, and <c>--set KEY=VALUE</c> from the command
/// line, in rising precedence; logging to stderr; options validated at start.
/// </summary>
public static class HostFactory
{
    /// <summary>The prefix of environment variables that configure the host (<c>ACTORKERNEL_Run__DrainTimeout</c>).</summary>
    public const string EnvironmentPrefix = "ACTORKERNEL_";

    /// <summary>Builds the host; <paramref name="settings"/> are <c>KEY=VALUE</c> pairs from <c>--set</c>.</summary>
    /// <param name="settings">Configuration overrides from the command line.</param>
    /// <param name="configure">Extra registrations (the kernel's catalog entries and runner, tests' fakes).</param>
    public static IHost Build(IReadOnlyList<string> settings, Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string[] args = [.. settings.Select(s => "--" + s)];
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "actorkernel",
            Args = args,
        });
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        builder.Configuration.AddCommandLine(args); // the command line wins over the environment

        builder.Logging.ClearProviders();
        // Start-up failures (bad settings) are reported by the verb as one clear line, not as a host stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.IncludeScopes = false;
        });
        // Logs go to stderr, so stdout carries only the summary (and the live view).
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        builder.Services.AddOptions<RunOptions>().BindConfiguration(RunOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RunOptions>, RunOptionsValidator>();
        builder.Services.AddOptions<ScenarioOptions>().BindConfiguration(ScenarioOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        builder.Services.AddSingleton<ScenarioLibrary>();
        builder.Services.AddSingleton<ScenarioRunnerSelector>();
        builder.Services.AddSingleton<ScenarioCheck>();
        builder.Services.AddSingleton<ICrashDumpWriter, JsonCrashDumpWriter>();
        builder.Services.AddSingleton<RunService>();
        builder.Services.AddKernelSimulation();
        builder.Services.AddSampleDrivers();
        configure?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>
    /// The verbs handle Ctrl+C and SIGTERM themselves (drain, summary, then exit), so the host must
    /// not: this lifetime replaces the console lifetime and does nothing.
    /// </summary>
    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
