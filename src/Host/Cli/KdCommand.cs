using System.CommandLine;
using ActorKernel.Host.Debugger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host;

/// <summary>
/// The <c>kd</c> verb: the kernel debugger on a stopped machine. <c>kd --dump FILE</c> opens a crash
/// dump, <c>kd --replay FILE</c> replays a stress replay file to its failure and stops there;
/// <c>-c "cmd; cmd"</c> runs commands and exits, otherwise an interactive shell reads commands
/// (prompt <c>N: kd&gt; </c>, <c>.help</c>, history with <c>!!</c> and <c>history</c>, <c>q</c> quits; on a terminal
/// Tab completes commands and the target's names, Up/Down walk the history).
/// Exit codes: 0 success, 2 bad input (docs/kd.md).
/// </summary>
public static class KdCommand
{
    private const string OneTarget = "kd: give one target: --dump FILE, --replay FILE, --scenario NAME or --attach ENDPOINT";

    /// <summary>The <c>kd</c> verb.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var dump = new Option<string?>("--dump") { Description = "A crash dump file (crash-NNN.dmp.json, or a *.crash.json)", HelpName = "FILE" };
        var replay = new Option<string?>("--replay") { Description = "A replay file (*.replay.json): replayed to its failure, then stopped there", HelpName = "FILE" };
        var scenario = new Option<string?>("--scenario") { Description = "A scenario started under the debugger (deterministic), stopped before it runs: bp, g, p, t", HelpName = "NAME" };
        var seed = new Option<ulong?>("--seed") { Description = "With --scenario: overrides the scenario's seed", HelpName = "N" };
        var commands = new Option<string?>("-c") { Description = "Commands to run, separated by ';' (no shell)", HelpName = "COMMANDS" };
        var kd = new Command("kd", "The kernel debugger: !analyze -v, !irp, !devstack, k... on a crash dump, a replayed failure or a scenario under its control (docs/kd.md)");
        kd.Options.Add(dump);
        kd.Options.Add(replay);
        kd.Options.Add(scenario);
        kd.Options.Add(seed);
        var attach = new Option<string?>("--attach") { Description = "A running host started with run --debug: the endpoint it printed (127.0.0.1:PORT)", HelpName = "ENDPOINT" };
        var token = new Option<string?>("--token") { Description = "With --attach: the token run --debug printed at start-up", HelpName = "T" };
        kd.Options.Add(attach);
        kd.Options.Add(token);
        kd.Options.Add(commands);
        kd.SetAction(p => p.GetValue(attach) is { } endpoint
            ? Attach(endpoint, p.GetValue(token), p.GetValue(dump) is not null || p.GetValue(replay) is not null || p.GetValue(scenario) is not null,
                p.GetValue(commands), Console.In, Console.Out, Console.Error)
            : p.GetValue(scenario) is { } name
            ? RunScenario(name, p.GetValue(seed), p.GetValue(dump) is not null || p.GetValue(replay) is not null, p.GetValue(commands), Console.In, Console.Out, Console.Error)
            : Run(p.GetValue(dump), p.GetValue(replay), p.GetValue(commands), Console.In, Console.Out, Console.Error));
        return kd;
    }

    /// <summary><c>run --debug</c>: listen for kd --attach on a loopback endpoint, with a token printed at start-up.</summary>
    /// <returns>The option.</returns>
    public static Option<bool> DebugOption() =>
        new("--debug") { Description = "Listen for 'kd --attach' on a loopback endpoint; the endpoint and a token are printed to stderr at start-up" };

    /// <summary>Attaches to a running host and runs the commands or the shell against its live machine.</summary>
    /// <param name="endpoint">127.0.0.1:PORT as run --debug printed it.</param>
    /// <param name="token">The token it printed.</param>
    /// <param name="otherTarget">Whether another target was given too.</param>
    /// <param name="commands">One-shot commands, or null for the shell.</param>
    /// <param name="stdin">The shell's input.</param>
    /// <param name="stdout">Output.</param>
    /// <param name="stderr">Errors.</param>
    /// <returns>0, or 2 when refused or unreachable.</returns>
    public static int Attach(string endpoint, string? token, bool otherTarget, string? commands, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (otherTarget)
        {
            stderr.WriteLine(OneTarget);
            return ExitCodes.BadInput;
        }
        using var remote = KdListener.Connect(endpoint, token, out var refused);
        if (remote is null)
        {
            stderr.WriteLine($"kd: {refused}");
            return ExitCodes.BadInput;
        }
        stdout.WriteLine($"Attached to the running machine at {endpoint} (each command reads the machine as it is at that moment)");
        try
        {
            if (commands is not null)
            {
                foreach (var command in commands.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    stdout.WriteLine("0: kd> " + command);
                    stdout.Write(remote.Execute(command));
                }
                return ExitCodes.Success;
            }
            // The attached machine's names stay in the host: Tab completes command names only.
            Shell(remote.Execute, () => "0: kd> ", stdin, stdout, "", () => null);
            return ExitCodes.Success;
        }
        catch (IOException e)
        {
            stderr.WriteLine($"kd: the host at {endpoint} went away: {e.Message}");
            return ExitCodes.BadInput;
        }
    }

    /// <summary>Boots a scenario under the debugger and runs the commands or the shell on it.</summary>
    /// <param name="scenario">A scenario file or a shipped scenario's name.</param>
    /// <param name="seed">Overrides its seed.</param>
    /// <param name="otherTarget">Whether --dump or --replay was given too.</param>
    /// <param name="commands">One-shot commands, or null for the shell.</param>
    /// <param name="stdin">The shell's input.</param>
    /// <param name="stdout">Output.</param>
    /// <param name="stderr">Errors.</param>
    /// <returns>The exit code.</returns>
    public static int RunScenario(string scenario, ulong? seed, bool otherTarget, string? commands, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (otherTarget)
        {
            stderr.WriteLine(OneTarget);
            return ExitCodes.BadInput;
        }
        using var host = HostFactory.Build([]);
        var target = KdScenario.Boot(host.Services.GetRequiredService<ScenarioCheck>(), host.Services.GetRequiredService<ILoggerFactory>(), scenario, seed, out var problems);
        if (target is null)
        {
            foreach (var problem in problems)
            {
                stderr.WriteLine($"kd: {problem}");
            }
            return ExitCodes.BadInput;
        }
        using (target)
        {
            var session = new KdSession(target);
            stdout.WriteLine($"Scenario '{scenario}' booted under the debugger (seed {target.Current.Seed}), devices started, stopped before its workloads run; g runs it");
            return Commands(session, commands, stdin, stdout);
        }
    }

    private static int Commands(KdSession session, string? commands, TextReader stdin, TextWriter stdout)
    {
        if (commands is not null)
        {
            foreach (var command in commands.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                stdout.WriteLine(session.Prompt + command);
                stdout.Write(session.Execute(command));
            }
            return ExitCodes.Success;
        }
        Shell(session.Execute, () => session.Prompt, stdin, stdout, session.Execute(".bugcheck"), () => KdCompletionNames.Of(session.Machine));
        return ExitCodes.Success;
    }

    /// <summary>Opens the target and runs the commands or the shell.</summary>
    /// <param name="dump">A dump file.</param>
    /// <param name="replay">A replay file.</param>
    /// <param name="commands">One-shot commands, or null for the shell.</param>
    /// <param name="stdin">The shell's input.</param>
    /// <param name="stdout">Output.</param>
    /// <param name="stderr">Errors.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string? dump, string? replay, string? commands, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if ((dump is null) == (replay is null))
        {
            stderr.WriteLine(OneTarget);
            return ExitCodes.BadInput;
        }
        KdMachine machine;
        try
        {
            if (dump is not null)
            {
                machine = KdTarget.OpenDump(dump);
                stdout.WriteLine($"Loading Dump File [{Path.GetFullPath(dump)}]");
            }
            else
            {
                var (replayed, result) = KdTarget.OpenReplay(replay!);
                machine = replayed;
                stdout.WriteLine($"Replaying [{Path.GetFullPath(replay!)}] to its failure: {result.Outcome.Failure?.Kind.ToString() ?? "ran clean"}{(result.Reproduced ? ", reproduced byte for byte" : "")}");
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            stderr.WriteLine($"kd: {e.Message}");
            return ExitCodes.BadInput;
        }
        return Commands(new KdSession(machine), commands, stdin, stdout);
    }

    // The interactive shell: a prompt, .help, history (history, !! repeats the last line), q to quit.
    // On a terminal a line editor reads the keys (Tab completion, Up/Down history); redirected input is read line by line.
    private static void Shell(Func<string, string> execute, Func<string> prompt, TextReader stdin, TextWriter stdout, string first, Func<KdCompletionNames?> names)
    {
        var history = new List<string>();
        stdout.WriteLine("ActorKernel kernel debugger. Type .help for the commands, q to quit.");
        stdout.Write(first);
        using var terminal = KdConsoleTerminal.IsInteractive(stdin) ? new KdConsoleTerminal(stdout) : null;
        var editor = terminal is null ? null : new KdLineEditor(terminal, new KdCompletion(KdSession.Commands, names));
        while (true)
        {
            string? line;
            if (editor is null)
            {
                stdout.Write(prompt());
                stdout.Flush();
                line = stdin.ReadLine();
            }
            else
            {
                line = editor.ReadLine(prompt(), history);
            }
            if (line is null)
            {
                return;
            }
            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            if (line is "q" or "qq" or ".quit")
            {
                return;
            }
            if (line == "!!" && history.Count > 0)
            {
                line = history[^1];
                stdout.WriteLine(line);
            }
            if (line == "history")
            {
                for (var i = 0; i < history.Count; i++)
                {
                    stdout.WriteLine($"{i + 1,4}  {history[i]}");
                }
                continue;
            }
            history.Add(line);
            stdout.Write(execute(line));
        }
    }
}
