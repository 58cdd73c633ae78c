using System.Globalization;
using System.Text;

namespace ActorKernel.Host.Debugger;

/// <summary>
/// A debugging session on a stopped machine: parses kd commands (several separated by <c>;</c>)
/// and writes their output, laid out as the Windows kernel debugger lays it out. Every command reads
/// the one <see cref="KdMachine"/> model, so a live machine and its crash dump print the same text.
/// A bad command or address gets kd's own error text, never an exception.
/// </summary>
internal sealed partial class KdSession
{
    private readonly KdLiveTarget? _live;
    private KdMachine _machine;

    /// <summary>Opens a session on <paramref name="machine"/>, with the bugcheck's (or the stop's) processor as the current one.</summary>
    /// <param name="machine">The stopped machine.</param>
    public KdSession(KdMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        _machine = machine;
        CurrentProcessor = machine.BugCheck?.Processor ?? machine.Stop?.Processor ?? 0;
    }

    /// <summary>Opens a session on a live machine under the debugger's control (bp, g, p, t).</summary>
    /// <param name="live">The live target.</param>
    public KdSession(KdLiveTarget live)
        : this((live ?? throw new ArgumentNullException(nameof(live))).Current)
    {
        _live = live;
    }

    /// <summary>The machine the commands read now (after <c>g</c>, the machine where it stopped).</summary>
    public KdMachine Machine => _machine;

    /// <summary>The processor whose context <c>k</c>, <c>!pcr</c> and <c>!irql</c> use (switched with <c>~Ns</c>).</summary>
    public int CurrentProcessor { get; private set; }

    /// <summary>The prompt: <c>N: kd&gt; </c>.</summary>
    public string Prompt => CurrentProcessor.ToString(CultureInfo.InvariantCulture) + ": kd> ";

    /// <summary>The commands with a line of help each, as <c>.help</c> prints them.</summary>
    public static IReadOnlyList<(string Command, string Help)> Commands { get; } =
    [
        ("!analyze -v", "bugcheck analysis: code, parameters and their meanings, faulting driver and routine, stack, IRP"),
        (".bugcheck", "the bugcheck code and its four parameters"),
        ("vertarget", "the target: processors, dispatcher, seed, simulated uptime"),
        ("lm", "loaded modules"),
        ("k", "the frame stack of the current processor (~Ns switches to processor N)"),
        ("~Ns", "make processor N the current one"),
        ("!pcr [N]", "the processor control region of processor N"),
        ("!prcb [N]", "the processor control block of processor N"),
        ("!irql [N]", "the IRQL processor N was at when it stopped"),
        ("!dpcs", "the DPC queues of every processor"),
        ("!locks", "spin locks held, and processors spinning on one"),
        ("!timer", "the timers set, by due time, with their DPCs"),
        ("!poolused", "pool usage per tag, nonpaged and paged"),
        ("!pool ADDR", "the live pool allocation holding an address: tag, size, owner"),
        ("!poolfind TAG", "the live pool allocations with a tag"),
        ("!verifier 3 [DRIVER]", "Driver Verifier: options, verified drivers' pool, I/O verifier findings"),
        ("!irp ADDR", "an IRP: stack locations (current marked >), completion routines, status, pending/cancel"),
        ("!irpfind", "every IRP the I/O manager tracks"),
        ("!devobj ADDR|NAME", "a device object"),
        ("!devstack ADDR|NAME", "the device stack holding a device object"),
        ("!drvobj NAME [7]", "a driver object; 7 adds the dispatch table"),
        ("!devnode 0 1", "the device tree"),
        ("!errlog", "the I/O error log: the entries drivers wrote with IoWriteErrorLogEntry"),
        ("!stacks", "every processor's frames"),
        ("dt TYPE [ADDR]", "_IRP, _IO_STACK_LOCATION, _DEVICE_OBJECT at their x64 offsets"),
        ("!wmiprov", "the WMI providers (IoWMIRegistrationControl) and their data blocks"),
        ("!process 0 0", "every process: System and the user processes (!process CID shows one with its threads)"),
        ("!thread [ADDR|TID]", "a thread (the current processor's by default): state, process, start routine, stack"),
        ("!handle [H [F [PID]]]", "the handle tables of the user processes: object, type, access, name"),
        ("bp SYM [/1 /mj /dev]", "breakpoint on a driver routine or nt!IoCallDriver/IoCompleteRequest/IoCancelIrp/IoStartPacket (live)"),
        ("bl", "list the breakpoints"),
        ("bc N|*", "clear breakpoints"),
        ("g", "run until a breakpoint, a bugcheck or the run's end (live)"),
        ("p", "run to the next driver routine the I/O manager calls (live)"),
        ("t", "run to the next scheduling point where another processor could act (live)"),
        (".time", "the simulated clock"),
        (".lastevent", "why the machine stopped"),
        (".help", "this list"),
        ("q", "quit the interactive shell"),
    ];

    /// <summary>Runs a line of commands separated by <c>;</c> and returns their output.</summary>
    /// <param name="line">The commands.</param>
    /// <returns>What kd prints.</returns>
    public string Execute(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var output = new StringBuilder();
        foreach (var command in line.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                ExecuteOne(command, output);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException)
            {
                // A command that trips on the model is still a debugger error, never a crash of the shell.
                output.Append(CultureInfo.InvariantCulture, $"Couldn't resolve error at '{command}'\n");
            }
        }
        return output.ToString();
    }

    private void ExecuteOne(string command, StringBuilder o)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var verb = words[0];
        var args = words.Skip(1).ToArray();
        if (verb.StartsWith('~') && verb.EndsWith('s') && verb.Length > 2)
        {
            SwitchProcessor(verb[1..^1], o);
            return;
        }
        switch (verb.ToLowerInvariant())
        {
            case "!analyze": Analyze(o); break;
            case ".bugcheck": BugCheck(o); break;
            case "vertarget": VerTarget(o); break;
            case "lm": Lm(o); break;
            case "k": case "kb": case "kv": case "kn": Stack(CurrentProcessor, o); break;
            case "!pcr": Pcr(args, o); break;
            case "!prcb": Prcb(args, o); break;
            case "!irql": IrqlCommand(args, o); break;
            case "!dpcs": Dpcs(o); break;
            case "!locks": Locks(o); break;
            case "!irp": IrpCommand(args, o); break;
            case "!irpfind": IrpFind(o); break;
            case "!devobj": DevObj(args, o); break;
            case "!devstack": DevStack(args, o); break;
            case "!drvobj": DrvObj(args, o); break;
            case "!devnode": DevNode(o); break;
            case "!errlog": ErrLog(o); break;
            case "dt": Dt(args, o); break;
            case "!stacks": Stacks(o); break;
            case "!timer": Timer(o); break;
            case "!poolused": PoolUsed(o); break;
            case "!pool": Pool(args, o); break;
            case "!poolfind": PoolFind(args, o); break;
            case "!verifier": Verifier(args, o); break;
            case "!wmiprov": WmiProv(o); break;
            case "!process": ProcessCommand(args, o); break;
            case "!thread": ThreadCommand(args, o); break;
            case "!handle": HandleCommand(args, o); break;
            case "bp": case "bu": case "bm": Control(verb, () => _live!.SetBreakpoint(args), o); break;
            case "bl": Control(verb, ListBreakpoints, o); break;
            case "bc": Control(verb, () => _live!.ClearBreakpoint(args.Length > 0 ? args[0] : "*"), o); break;
            case "g": Control(verb, () => Resume(KdRunMode.Go), o); break;
            case "p": Control(verb, () => Resume(KdRunMode.StepRoutine), o); break;
            case "t": Control(verb, () => Resume(KdRunMode.StepSchedulingPoint), o); break;
            case ".time": Time(o); break;
            case ".lastevent": LastEvent(o); break;
            case ".help": case "?": Help(o); break;
            default:
                o.Append(verb.StartsWith('!')
                    ? $"No export {verb[1..]} found\n"
                    : $"       ^ Syntax error in '{command}'\n");
                break;
        }
    }

    private void Help(StringBuilder o)
    {
        o.Append("Commands of the ActorKernel kernel debugger (kd), on the stopped machine:\n");
        foreach (var (command, help) in Commands)
        {
            o.Append(CultureInfo.InvariantCulture, $"  {command,-22} {help}\n");
        }
    }

    private void SwitchProcessor(string number, StringBuilder o)
    {
        if (int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < _machine.Processors.Count)
        {
            CurrentProcessor = n;
            return;
        }
        o.Append(CultureInfo.InvariantCulture, $"Illegal processor number: {number}\n");
    }

    // An optional processor number argument (the current processor when absent); null after writing kd's error.
    private int? ProcessorArgument(string[] args, StringBuilder o)
    {
        if (args.Length == 0)
        {
            return CurrentProcessor;
        }
        if (KdFormat.TryParseNumber(args[0], out var n) && n < (ulong)_machine.Processors.Count)
        {
            return (int)n;
        }
        o.Append(CultureInfo.InvariantCulture, $"Cannot get PRCB address for processor {args[0]}: invalid processor number\n");
        return null;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
