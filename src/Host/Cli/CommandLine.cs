using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using ActorKernel.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ActorKernel.Host;

/// <summary>
/// The command line: <c>run</c>, <c>validate</c>, <c>list</c>, each with <c>--help</c>. No verb runs
/// the default scenario. Exit codes: 0 success, 1 the simulation found a failure, 2 bad input or usage.
/// </summary>
public static class CommandLine
{
    private static readonly Option<string[]> SetOption = CreateSetOption();

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static async Task<int> InvokeAsync(string[] args, Action<IServiceCollection>? configure = null)
    {
        var root = Build(configure);
        var result = root.Parse(args);
        var config = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        int code;
        try
        {
            code = await result.InvokeAsync(config).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return HostError.Report(e, Console.Error);
        }
        return result.Errors.Count > 0 || result.Action is ParseErrorAction ? ExitCodes.BadInput : code;
    }

    /// <summary>Builds the command tree.</summary>
    public static RootCommand Build(Action<IServiceCollection>? configure = null)
    {
        var scenario = new Argument<string?>("SCENARIO")
        {
            Description = "A scenario file, or the name of a shipped scenario (see 'list scenarios'); none runs the embedded default",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var seed = new Option<ulong?>("--seed")
        {
            Description = "The root seed (overrides machine.seed); the same seed replays a deterministic run exactly",
            CustomParser = r => ParseSeed(r),
        };
        var dispatcher = new Option<DispatcherKind?>("--dispatcher")
        {
            Description = "deterministic (one thread, virtual time, replayable) or concurrent (thread pool, wall time)",
            CustomParser = r => ParseDispatcher(r),
            HelpName = "deterministic|concurrent",
        };
        var duration = new Option<long?>("--duration")
        {
            Description = "Simulated time to run (overrides duration): 500ms, 10s, 2m, 1h or 00:01:30",
            CustomParser = r => ParseDuration(r),
            HelpName = "T",
        };
        var output = new Option<string?>("--out")
        {
            Description = "The output folder (default: runs/<scenario>-<seed>)",
            HelpName = "DIR",
        };

        var verify = new Option<string[]>("--verify")
        {
            Description = "Driver Verifier (special pool, pool tracking, I/O verification) for the stack holding DRIVER; repeatable",
            HelpName = "DRIVER",
        };
        var checkedBuild = new Option<bool>("--checked") { Description = "Run the checked build of the kernel: services assert their IRQL and parameters (overrides machine.checkedBuild)" };
        var devNodes = new Option<bool>("--devnodes") { Description = "After the summary, print the device tree the PnP manager built (as kd's !devnode 0 1)" };

        var run = new Command("run", "Run a scenario and write its summary (summary.json, summary.txt) into the output folder");
        run.Options.Add(verify);
        run.Arguments.Add(scenario);
        run.Options.Add(seed);
        run.Options.Add(dispatcher);
        run.Options.Add(duration);
        run.Options.Add(output);
        run.Options.Add(checkedBuild);
        run.Options.Add(devNodes);
        var traceOut = TraceCommand.TraceOutOption(); // src/Host/Cli/TraceCommand.cs
        run.Options.Add(traceOut);
        var debug = KdCommand.DebugOption(); // src/Host/Cli/KdCommand.cs: kd --attach
        run.Options.Add(debug);
        run.SetAction(p => Run(p, new RunRequest(p.GetValue(scenario), p.GetValue(seed), p.GetValue(dispatcher), p.GetValue(duration), p.GetValue(output), p.GetValue(verify), p.GetValue(checkedBuild)) { Debug = p.GetValue(debug), DevNodes = p.GetValue(devNodes) },
            TraceCommand.WithTraceOut(configure, p.GetValue(traceOut))));

        var validateScenario = new Argument<string>("SCENARIO") { Description = "A scenario file, or the name of a shipped scenario" };
        var validate = new Command("validate", "Check a scenario and explain every problem (file, JSON path, what was expected)");
        validate.Arguments.Add(validateScenario);
        validate.SetAction(p => UnknownOption(p.GetValue(validateScenario), "validate") ?? WithHost(p, configure, host => Validate(host, p.GetValue(validateScenario)!)));

        var what = new Argument<string>("WHAT") { Description = "scenarios, drivers or devices" };
        what.AcceptOnlyFromAmong("scenarios", "drivers", "devices");
        var list = new Command("list", "List the shipped scenarios, the drivers and filters, or the device types");
        list.Arguments.Add(what);
        list.SetAction(p => WithHost(p, configure, host => ListCommand.Write(host, p.GetValue(what)!, Console.Out)));

        var root = new RootCommand("ActorKernel: a simulated Windows NT I/O system built from actors. With no command, runs the default scenario.");
        root.Options.Add(SetOption);
        root.Subcommands.Add(run);
        root.Subcommands.Add(validate);
        root.Subcommands.Add(list);
        root.Subcommands.Add(TraceCommand.Build()); // trace analyze, trace diff
        root.Subcommands.Add(StressCommand.CreateStress());
        root.Subcommands.Add(StressCommand.CreateReplay());
        root.Subcommands.Add(KdCommand.Create());
        root.Subcommands.Add(WmiCommand.Create()); // src/Host/Cli/WmiCommand.cs
        root.SetAction(p => Run(p, new RunRequest(null, null, null, null, null), configure));
        return root;
    }

    private static int Run(ParseResult parse, RunRequest request, Action<IServiceCollection>? configure) =>
        UnknownOption(request.Scenario, "run") ?? WithHost(parse, configure, host =>
        {
            using var signal = StopSignal.Listen();
            return host.Services.GetRequiredService<RunService>().Run(request, signal, Console.Out, Console.Error);
        });

    private static int WithHost(ParseResult parse, Action<IServiceCollection>? configure, Func<IHost, int> body)
    {
        try
        {
            return WithCheckedHost(parse, configure, body);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return HostError.Report(e, Console.Error);
        }
    }

    private static int WithCheckedHost(ParseResult parse, Action<IServiceCollection>? configure, Func<IHost, int> body)
    {
        var settings = parse.GetValue(SetOption) ?? [];
        IHost built;
        try
        {
            built = HostFactory.Build(settings, configure);
        }
        catch (InvalidDataException e)
        {
            // A malformed appsettings.json (or another settings file): bad input, not a host failure.
            Console.Error.WriteLine($"configuration: {e.Message}{(e.InnerException is { } inner ? " " + inner.Message : "")}");
            return ExitCodes.BadInput;
        }
        using var host = built;
        var problems = ConfigurationCheck.Problems(host.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>(), settings);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                Console.Error.WriteLine(problem);
            }
            return ExitCodes.BadInput;
        }
        try
        {
            host.Start(); // runs ValidateOnStart
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures)
            {
                Console.Error.WriteLine($"configuration: {failure}");
            }
            return ExitCodes.BadInput;
        }
        catch (InvalidOperationException e) when (e.InnerException is FormatException)
        {
            Console.Error.WriteLine($"configuration: {e.Message} {e.InnerException.Message}");
            return ExitCodes.BadInput;
        }
        try
        {
            return body(host);
        }
        finally
        {
            host.StopAsync().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// A SCENARIO argument that looks like an option (<c>run --frob</c>) is an unknown option, not a
    /// missing file: report it with the verb's options (and the near miss), exit 2.
    /// </summary>
    private static int? UnknownOption(string? reference, string verb)
    {
        if (reference is null || !reference.StartsWith('-'))
        {
            return null;
        }
        string[] known = verb == "run" ? ["--seed", "--dispatcher", "--duration", "--out", "--verify", "--checked", "--devnodes", "--set", "--debug", "--help"] : ["--set", "--help"];
        var name = reference.Split('=')[0];
        Console.Error.WriteLine($"{verb}: unknown option '{name}'{NearMiss.Hint(name, known)}");
        return ExitCodes.BadInput;
    }

    private static int Validate(IHost host, string reference)
    {
        var check = host.Services.GetRequiredService<ScenarioCheck>();
        var (scenario, runner, problems) = check.Check(reference);
        foreach (var p in problems)
        {
            (p.Severity == ProblemSeverity.Error ? Console.Error : Console.Out).WriteLine(p.ToString());
        }
        var errors = problems.Count(p => p.Severity == ProblemSeverity.Error);
        if (scenario is null || runner is null)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{reference}: {errors} error(s); the scenario cannot run"));
            return ExitCodes.BadInput;
        }
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{scenario.Source}: valid ({problems.Count} warning(s)); scenario '{scenario.Name}' runs with the {runner.Kind} runner"));
        return ExitCodes.Success;
    }

    private static Option<string[]> CreateSetOption()
    {
        var option = new Option<string[]>("--set")
        {
            Description = "Override a host setting, KEY=VALUE (e.g. Run:DrainTimeout=00:00:10); repeatable",
            Recursive = true,
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
            HelpName = "KEY=VALUE",
        };
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    result.AddError($"--set: expected KEY=VALUE (e.g. Run:DrainTimeout=00:00:10), got '{token.Value}'");
                }
            }
        });
        return option;
    }

    private static ulong? ParseSeed(System.CommandLine.Parsing.ArgumentResult r)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out hex))
        {
            return hex;
        }
        r.AddError($"--seed: expected a number 0..18446744073709551615 (or 0x hex), got '{text}'");
        return null;
    }

    private static DispatcherKind? ParseDispatcher(System.CommandLine.Parsing.ArgumentResult r)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        switch (text)
        {
            case "deterministic": return DispatcherKind.Deterministic;
            case "concurrent": return DispatcherKind.Concurrent;
            default:
                r.AddError($"--dispatcher: unknown dispatcher '{text}' (known: deterministic, concurrent)");
                return null;
        }
    }

    private static long? ParseDuration(System.CommandLine.Parsing.ArgumentResult r)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        if (Duration.TryParseNanoseconds(text, out var ns) && ns > 0)
        {
            return ns;
        }
        r.AddError($"--duration: expected {Duration.ExpectedForm} (greater than 0), got '{text}'");
        return null;
    }
}
