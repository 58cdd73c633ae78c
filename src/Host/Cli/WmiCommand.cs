using System.CommandLine;
using System.Globalization;
using ActorKernel.Actors;
using ActorKernel.Host.Debugger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host;

/// <summary>
/// The <c>wmi</c> verb: WMI's consumer side on a scenario's machine. <c>wmi query --scenario S CLASS</c>
/// runs the scenario on the deterministic dispatcher for <c>--at</c> of simulated time, then asks every
/// provider of CLASS (IRP_MN_QUERY_ALL_DATA) and prints the instances; <c>wmi set ... CLASS INSTANCE
/// NAME=VALUE</c> sends IRP_MN_CHANGE_SINGLE_INSTANCE and prints the provider's status. Exit codes: 0
/// success, 1 the request failed (its NTSTATUS is printed), 2 bad input (docs/kd.md, "WMI").
/// </summary>
public static class WmiCommand
{
    /// <summary>The <c>wmi</c> verb with its <c>query</c> and <c>set</c> subcommands.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var wmi = new Command("wmi", "WMI data blocks the drivers register (IoWMIRegistrationControl): query or set them on a scenario's machine (docs/kd.md)");
        wmi.Subcommands.Add(Verb("query", "Every instance of a WMI class (IRP_MN_QUERY_ALL_DATA to its providers)", set: false));
        wmi.Subcommands.Add(Verb("set", "Set items of one instance (IRP_MN_CHANGE_SINGLE_INSTANCE); prints the provider's status", set: true));
        return wmi;
    }

    private static Command Verb(string name, string description, bool set)
    {
        var scenario = new Option<string>("--scenario") { Description = "The scenario (a shipped name or a file), run on the deterministic dispatcher", HelpName = "NAME", Required = true };
        var at = new Option<string>("--at") { Description = "Simulated time to run before asking (default 5ms)", HelpName = "T", DefaultValueFactory = _ => "5ms" };
        var seed = new Option<ulong?>("--seed") { Description = "Overrides the scenario's seed", HelpName = "N" };
        var className = new Argument<string>("CLASS") { Description = "The MOF class, e.g. MSSerial_PerformanceInformation" };
        var command = new Command(name, description);
        command.Options.Add(scenario);
        command.Options.Add(at);
        command.Options.Add(seed);
        command.Arguments.Add(className);
        var instance = new Argument<string>("INSTANCE") { Description = "The instance name, e.g. Serial0_0" };
        var values = new Argument<string[]>("NAME=VALUE") { Description = "Items to set", Arity = ArgumentArity.OneOrMore };
        if (set)
        {
            command.Arguments.Add(instance);
            command.Arguments.Add(values);
        }
        command.SetAction(p => Run(p.GetValue(scenario)!, p.GetValue(at)!, p.GetValue(seed), p.GetValue(className)!,
            set ? p.GetValue(instance) : null, set ? p.GetValue(values) : null, Console.Out, Console.Error));
        return command;
    }

    /// <summary>Runs <c>wmi query</c> (no instance) or <c>wmi set</c>.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="at">Simulated time to run first.</param>
    /// <param name="seed">Overrides its seed.</param>
    /// <param name="className">The class.</param>
    /// <param name="instance">For set: the instance.</param>
    /// <param name="values">For set: NAME=VALUE pairs.</param>
    /// <param name="stdout">Output.</param>
    /// <param name="stderr">Errors.</param>
    /// <returns>0, 1 when the request failed, 2 on bad input.</returns>
    public static int Run(string scenario, string at, ulong? seed, string className, string? instance, string[]? values, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (!Duration.TryParseNanoseconds(at, out var atNs))
        {
            stderr.WriteLine($"wmi: --at '{at}' is not a duration (5ms, 1s, 00:00:01)");
            return ExitCodes.BadInput;
        }
        var pairs = new List<(string, long)>();
        foreach (var pair in values ?? [])
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !long.TryParse(pair.AsSpan(eq + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                stderr.WriteLine($"wmi: '{pair}' is not NAME=VALUE (a whole number)");
                return ExitCodes.BadInput;
            }
            pairs.Add((pair[..eq], value));
        }
        using var host = HostFactory.Build([]);
        var booted = KdScenario.BootSimulation(host.Services.GetRequiredService<ScenarioCheck>(), host.Services.GetRequiredService<ILoggerFactory>(), scenario, seed, out var problems);
        if (booted is not { } b)
        {
            foreach (var problem in problems)
            {
                stderr.WriteLine($"wmi: {problem}");
            }
            return ExitCodes.BadInput;
        }
        using var simulation = b.Simulation;
        var machine = simulation.Machine;
        if (instance is null)
        {
            if (KdWmi.Query(machine, simulation.Io, atNs, className) is not { } result)
            {
                stderr.WriteLine($"wmi: the machine stopped on a bugcheck before the query was answered ({machine.CrashDump?.BugCheckName})");
                return ExitCodes.SimulationFailure;
            }
            stdout.Write(KdWmi.Format(className, machine.NowNanoseconds, result.Status, result.Instances));
            return result.Status.IsSuccess() ? ExitCodes.Success : ExitCodes.SimulationFailure;
        }
        if (KdWmi.Set(machine, simulation.Io, atNs, className, instance, pairs) is not { } status)
        {
            stderr.WriteLine($"wmi: the machine stopped on a bugcheck before the set was answered ({machine.CrashDump?.BugCheckName})");
            return ExitCodes.SimulationFailure;
        }
        stdout.WriteLine(status.IsSuccess()
            ? $"{className} {instance}: set ({status.ToDisplayString()})"
            : $"{className} {instance}: set failed: {status.ToDisplayString()}");
        return status.IsSuccess() ? ExitCodes.Success : ExitCodes.SimulationFailure;
    }
}
