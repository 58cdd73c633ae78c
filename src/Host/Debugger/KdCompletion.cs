using System.Globalization;
using System.Text;
using ActorKernel.Actors;

namespace ActorKernel.Host.Debugger;

/// <summary>
/// Tab completion for the interactive kd shell, without a terminal: given the line and the cursor it
/// finds the word before the cursor and its candidates, a command name from the session's command
/// table when the word starts a command, otherwise the names the stopped machine knows for that
/// command's argument (drivers for <c>!drvobj</c>, devices for <c>!devobj</c>/<c>!devstack</c>,
/// <c>module!Routine</c> for <c>bp</c>, IRP addresses for <c>!irp</c>, the types of <c>dt</c>).
/// </summary>
internal sealed class KdCompletion
{
    private static readonly string[] DtTypes = ["_DEVICE_OBJECT", "_IO_STACK_LOCATION", "_IRP"];
    private static readonly string[] BreakpointOptions = ["/1", "/dev", "/mj"];

    private readonly IReadOnlyList<(string Command, string Help)> _commands;
    private readonly Func<KdCompletionNames?> _names;

    /// <summary>Completes against <paramref name="commands"/> and the names <paramref name="names"/> returns (null: command names only).</summary>
    /// <param name="commands">The command table, as <c>.help</c> prints it (<see cref="KdSession.Commands"/>).</param>
    /// <param name="names">The current target's names, read at each Tab (the machine changes after <c>g</c>).</param>
    public KdCompletion(IReadOnlyList<(string Command, string Help)> commands, Func<KdCompletionNames?> names)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(names);
        _commands = commands;
        _names = names;
    }

    /// <summary>Completes the word before <paramref name="cursor"/>: one candidate is completed and followed by a space, several are completed to their common prefix.</summary>
    /// <param name="line">The line as typed.</param>
    /// <param name="cursor">The cursor's position in it.</param>
    /// <returns>The line and cursor after completion, and every candidate (sorted).</returns>
    public KdCompletionResult Complete(string line, int cursor)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentOutOfRangeException.ThrowIfNegative(cursor);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cursor, line.Length);
        var segmentStart = line.LastIndexOf(';', Math.Max(cursor - 1, 0)) + 1;
        if (cursor == 0)
        {
            segmentStart = 0;
        }
        var wordStart = cursor;
        while (wordStart > segmentStart && line[wordStart - 1] != ' ')
        {
            wordStart--;
        }
        var prefix = line[wordStart..cursor];
        var before = line[segmentStart..wordStart].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var candidates = Candidates(before, prefix)
            .Where(c => c.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToArray();
        if (candidates.Length == 0)
        {
            return new KdCompletionResult(line, cursor, candidates, before.Length == 0);
        }
        var completed = candidates.Length == 1 ? candidates[0] : CommonPrefix(candidates);
        if (completed.Length < prefix.Length)
        {
            return new KdCompletionResult(line, cursor, candidates, before.Length == 0);
        }
        // A unique candidate is a whole word: a space follows it, unless one already does.
        var space = candidates.Length == 1 && (cursor == line.Length || line[cursor] != ' ') ? " " : "";
        var newLine = line[..wordStart] + completed + space + line[cursor..];
        var newCursor = wordStart + completed.Length + (candidates.Length == 1 ? 1 : 0);
        return new KdCompletionResult(newLine, Math.Min(newCursor, newLine.Length), candidates, before.Length == 0);
    }

    /// <summary>The candidates as the shell lists them on a second Tab: commands with their help line (as <c>.help</c>), names in columns.</summary>
    /// <param name="result">A completion with several candidates.</param>
    /// <param name="width">The terminal's width in characters.</param>
    /// <returns>The text, each line ending in a newline.</returns>
    public string List(KdCompletionResult result, int width = 80)
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = new StringBuilder();
        if (result.CommandNames)
        {
            foreach (var candidate in result.Candidates)
            {
                foreach (var (command, help) in _commands.Where(c => string.Equals(Verb(c.Command), candidate, StringComparison.OrdinalIgnoreCase)))
                {
                    o.Append(CultureInfo.InvariantCulture, $"  {command,-22} {help}\n");
                }
            }
            return o.ToString();
        }
        var column = result.Candidates.Max(c => c.Length) + 2;
        var perLine = Math.Max(1, width / column);
        for (var i = 0; i < result.Candidates.Count; i++)
        {
            var last = i % perLine == perLine - 1 || i == result.Candidates.Count - 1;
            o.Append(last ? result.Candidates[i] + "\n" : result.Candidates[i].PadRight(column));
        }
        return o.ToString();
    }

    private IEnumerable<string> Candidates(string[] before, string prefix)
    {
        if (before.Length == 0)
        {
            // ~Ns is a pattern, not a name to complete.
            return _commands.Select(c => Verb(c.Command)).Where(v => !v.StartsWith('~'));
        }
        var names = _names();
        var verb = before[0].ToLowerInvariant();
        var argument = before.Length - 1;
        return verb switch
        {
            "!drvobj" when argument == 0 => Drivers(names, prefix),
            "!verifier" when argument == 1 => Drivers(names, prefix),
            "!devobj" or "!devstack" when argument == 0 => Devices(names, prefix),
            "!irp" when argument == 0 => names?.Irps ?? [],
            "dt" when argument == 0 => DtTypes,
            "bp" or "bu" or "bm" => BreakpointArgument(names, before[^1].ToLowerInvariant(), prefix),
            _ => [],
        };
    }

    private static IEnumerable<string> BreakpointArgument(KdCompletionNames? names, string previous, string prefix) => previous switch
    {
        "/mj" => Enumerable.Range(0, DriverObject.MajorFunctionCount).Select(i => ((IrpMajorFunction)i).ToDisplayString()),
        "/dev" => Devices(names, prefix),
        _ when prefix.StartsWith('/') => BreakpointOptions,
        _ => (names?.Symbols ?? []).Concat(KdBreakpoint.ServiceNames),
    };

    // \Driver\NAME when the word starts with a backslash, NAME (as !drvobj accepts it) otherwise.
    private static IEnumerable<string> Drivers(KdCompletionNames? names, string prefix) =>
        ShortOrFull(names?.Drivers ?? [], "\\Driver\\", prefix);

    private static IEnumerable<string> Devices(KdCompletionNames? names, string prefix) =>
        ShortOrFull(names?.Devices ?? [], "\\Device\\", prefix).Concat(names?.DeviceAddresses ?? []);

    private static IEnumerable<string> ShortOrFull(IEnumerable<string> names, string directory, string prefix) =>
        prefix.StartsWith('\\')
            ? names
            : names.Select(n => n.StartsWith(directory, StringComparison.OrdinalIgnoreCase) ? n[directory.Length..] : n);

    private static string Verb(string command)
    {
        var space = command.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? command : command[..space];
    }

    // The longest prefix every candidate shares (ignoring case), spelled as the first candidate spells it.
    private static string CommonPrefix(IReadOnlyList<string> candidates)
    {
        var length = candidates[0].Length;
        foreach (var c in candidates)
        {
            var i = 0;
            while (i < length && i < c.Length && char.ToLowerInvariant(c[i]) == char.ToLowerInvariant(candidates[0][i]))
            {
                i++;
            }
            length = i;
        }
        return candidates[0][..length];
    }
}

/// <summary>The outcome of a Tab.</summary>
/// <param name="Line">The line after completion (unchanged when nothing could be added).</param>
/// <param name="Cursor">The cursor after completion.</param>
/// <param name="Candidates">Every candidate for the word, sorted.</param>
/// <param name="CommandNames">Whether the word was a command name.</param>
internal sealed record KdCompletionResult(string Line, int Cursor, IReadOnlyList<string> Candidates, bool CommandNames);

/// <summary>The names a stopped machine knows, as the shell completes them.</summary>
/// <param name="Drivers">\Driver\NAME of every driver object.</param>
/// <param name="Devices">The named device objects' names.</param>
/// <param name="DeviceAddresses">Every device object's address, in kd's form.</param>
/// <param name="Irps">The tracked IRPs' addresses, in kd's form.</param>
/// <param name="Symbols">module!Routine of the drivers' routines (dispatch, AddDevice, StartIo, Unload, completion, cancel).</param>
internal sealed record KdCompletionNames(IReadOnlyList<string> Drivers, IReadOnlyList<string> Devices, IReadOnlyList<string> DeviceAddresses,
    IReadOnlyList<string> Irps, IReadOnlyList<string> Symbols)
{
    /// <summary>The names in <paramref name="machine"/>.</summary>
    /// <param name="machine">The stopped machine.</param>
    /// <returns>Its names.</returns>
    public static KdCompletionNames Of(KdMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var routines = machine.Drivers.SelectMany(d => d.Dispatch.Append(d.AddDevice).Append(d.StartIo).Append(d.Unload))
            .Concat(machine.Irps.SelectMany(i => i.Locations.Select(l => l.CompletionRoutine).Append(i.CancelRoutine)));
        return new KdCompletionNames(
            [.. machine.Drivers.Select(d => d.Name)],
            [.. machine.Devices.Select(d => d.Name).OfType<string>()],
            [.. machine.Devices.Select(d => KdFormat.Address(d.Address))],
            [.. machine.Irps.Select(i => KdFormat.Address(i.Address))],
            [.. routines.OfType<string>().Where(r => r.Contains('!', StringComparison.Ordinal))]);
    }
}
