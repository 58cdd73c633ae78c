using System.Text;
using ActorKernel.Host.Debugger;

namespace ActorKernel.Host.Tests.Debugger;

/// <summary>The interactive shell's Tab completion and line editor, fed keys without a terminal.</summary>
[Trait("Area", "Debugger")]
public sealed class KdShellTests
{
    private const string Prompt = "0: kd> ";

    // A small machine's names: two drivers, their devices, routines and an IRP.
    private static readonly KdCompletionNames Names = new(
        ["\\Driver\\ramdisk", "\\Driver\\rawfilter"],
        ["\\Device\\RamDisk0", "\\Device\\RamDisk1"],
        ["ffffe000`00010000", "ffffe000`00020000"],
        ["ffffe000`00400000"],
        ["ramdisk!RamDiskDispatchRead", "ramdisk!RamDiskDispatchWrite", "rawfilter!FilterPassThrough"]);

    private static KdCompletion Completion(KdCompletionNames? names = null) => new(KdSession.Commands, () => names ?? Names);

    [Fact]
    public void Tab_on_a_unique_command_prefix_completes_the_command_and_a_space()
    {
        var result = Completion().Complete("!drv", 4);
        Assert.Equal("!drvobj ", result.Line);
        Assert.Equal(8, result.Cursor);
        Assert.Equal(["!drvobj"], result.Candidates);
    }

    [Fact]
    public void Tab_on_a_prefix_shared_by_several_commands_completes_their_common_prefix()
    {
        var result = Completion().Complete("!po", 3);
        Assert.Equal("!pool", result.Line);
        Assert.Equal(5, result.Cursor);
        Assert.Equal(["!pool", "!poolfind", "!poolused"], result.Candidates);
        Assert.True(result.CommandNames);
    }

    [Fact]
    public void Tab_with_no_candidate_leaves_the_line_as_it_is()
    {
        var result = Completion().Complete("!nosuch", 7);
        Assert.Equal("!nosuch", result.Line);
        Assert.Equal(7, result.Cursor);
        Assert.Empty(result.Candidates);
        Assert.Empty(Completion().Complete("lm zzz", 6).Candidates);
    }

    [Fact]
    public void Tab_after_a_semicolon_completes_the_next_command_name()
    {
        Assert.Equal("lm; vertarget ", Completion().Complete("lm; vert", 8).Line);
    }

    [Fact]
    public void Tab_completes_the_cursors_word_and_keeps_the_text_after_it()
    {
        var result = Completion().Complete("!devs; lm", 5);
        Assert.Equal("!devstack ; lm", result.Line);
        Assert.Equal(10, result.Cursor);
    }

    [Theory]
    [InlineData("!drvobj ram", "!drvobj ramdisk ")]
    [InlineData("!drvobj \\driver\\raw", "!drvobj \\Driver\\rawfilter ")]
    [InlineData("!verifier 3 rawf", "!verifier 3 rawfilter ")]
    [InlineData("!devstack RamDisk", "!devstack RamDisk")]
    [InlineData("!devobj \\Device\\RamDisk1", "!devobj \\Device\\RamDisk1 ")]
    [InlineData("!devobj ffffe000`0001", "!devobj ffffe000`00010000 ")]
    [InlineData("!irp f", "!irp ffffe000`00400000 ")]
    [InlineData("dt _IR", "dt _IRP ")]
    [InlineData("bp ramdisk!RamDiskDispatchR", "bp ramdisk!RamDiskDispatchRead ")]
    [InlineData("bp ramdisk!", "bp ramdisk!RamDiskDispatch")]
    [InlineData("bp nt!IoCo", "bp nt!IoCompleteRequest ")]
    [InlineData("bp rawfilter!FilterPassThrough /mj IRP_MJ_RE", "bp rawfilter!FilterPassThrough /mj IRP_MJ_READ ")]
    [InlineData("bp rawfilter!FilterPassThrough /dev \\Device\\RamDisk0", "bp rawfilter!FilterPassThrough /dev \\Device\\RamDisk0 ")]
    [InlineData("bp /d", "bp /dev ")]
    public void Tab_completes_a_commands_argument_from_the_targets_names(string line, string completed)
    {
        Assert.Equal(completed, Completion().Complete(line, line.Length).Line);
    }

    [Fact]
    public void Without_the_targets_names_only_command_names_complete()
    {
        var completion = new KdCompletion(KdSession.Commands, () => null);
        Assert.Empty(completion.Complete("!drvobj ", 8).Candidates);
        Assert.Equal("!devnode ", completion.Complete("!devn", 5).Line);
    }

    [Fact]
    public void The_listing_shows_commands_with_their_help_line_and_names_in_columns()
    {
        var completion = Completion();
        var commands = completion.List(completion.Complete("!po", 3));
        Assert.Equal(
            "  !pool ADDR             the live pool allocation holding an address: tag, size, owner\n"
            + "  !poolfind TAG          the live pool allocations with a tag\n"
            + "  !poolused              pool usage per tag, nonpaged and paged\n",
            commands);
        var names = completion.Complete("bp ramdisk!", 11);
        Assert.Equal("ramdisk!RamDiskDispatchRead   ramdisk!RamDiskDispatchWrite\n", completion.List(names, width: 60));
        Assert.Equal("ramdisk!RamDiskDispatchRead\nramdisk!RamDiskDispatchWrite\n", completion.List(names, width: 40));
    }

    [Fact]
    public void A_booted_machines_drivers_and_devices_complete()
    {
        using var booted = new KdBootedScenario();
        var names = KdCompletionNames.Of(booted.Session.Machine);
        Assert.NotEmpty(names.Drivers);
        Assert.NotEmpty(names.Symbols);
        Assert.All(names.Symbols, s => Assert.Contains('!', s));
        var completion = new KdCompletion(KdSession.Commands, () => KdCompletionNames.Of(booted.Session.Machine));
        var devices = completion.Complete("!devstack \\", 11).Candidates;
        Assert.Equal(booted.Session.Machine.Devices.Select(d => d.Name).OfType<string>().Order(StringComparer.OrdinalIgnoreCase), devices);
        // Every driver the completion offers is one !drvobj finds.
        foreach (var driver in completion.Complete("!drvobj ", 8).Candidates)
        {
            Assert.DoesNotContain("not found", booted.Session.Execute("!drvobj " + driver), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Editor_Tab_completes_and_a_second_Tab_lists_the_candidates_then_prompts_again()
    {
        var terminal = new FakeTerminal();
        terminal.Type("!po\t\t");
        terminal.Enter();
        var line = new KdLineEditor(terminal, Completion()).ReadLine(Prompt, []);
        Assert.Equal("!pool", line);
        Assert.Equal(
        [
            "0: kd> !pool",
            "  !pool ADDR             the live pool allocation holding an address: tag, size, owner",
            "  !poolfind TAG          the live pool allocations with a tag",
            "  !poolused              pool usage per tag, nonpaged and paged",
            "0: kd> !pool",
        ], terminal.Screen);
    }

    [Fact]
    public void Editor_first_Tab_that_adds_nothing_lists_nothing_and_the_second_lists()
    {
        var terminal = new FakeTerminal();
        terminal.Type("!irp\t");
        terminal.Enter();
        Assert.Equal("!irp", new KdLineEditor(terminal, Completion()).ReadLine(Prompt, []));
        Assert.Equal(["0: kd> !irp"], terminal.Screen);

        terminal = new FakeTerminal();
        terminal.Type("!irp\t\t");
        terminal.Enter();
        new KdLineEditor(terminal, Completion()).ReadLine(Prompt, []);
        Assert.Contains("  !irpfind               every IRP the I/O manager tracks", terminal.Screen);
    }

    [Fact]
    public void Editor_Tab_with_no_candidates_changes_nothing()
    {
        var terminal = new FakeTerminal();
        terminal.Type("xyz\t\t");
        terminal.Enter();
        Assert.Equal("xyz", new KdLineEditor(terminal, Completion()).ReadLine(Prompt, []));
        Assert.Equal(["0: kd> xyz"], terminal.Screen);
    }

    [Fact]
    public void Editor_Up_and_Down_walk_the_history_and_come_back_to_the_draft()
    {
        string[] history = ["lm", "!analyze -v"];
        var terminal = new FakeTerminal();
        terminal.Type("k");
        terminal.Press(ConsoleKey.UpArrow);
        terminal.Enter();
        Assert.Equal("!analyze -v", new KdLineEditor(terminal, Completion()).ReadLine(Prompt, history));
        Assert.Equal(["0: kd> !analyze -v"], terminal.Screen);

        terminal = new FakeTerminal();
        terminal.Type("k");
        terminal.Press(ConsoleKey.UpArrow, ConsoleKey.UpArrow, ConsoleKey.UpArrow);
        Assert.Equal("lm", Read(terminal, history));

        terminal = new FakeTerminal();
        terminal.Type("k");
        terminal.Press(ConsoleKey.UpArrow, ConsoleKey.UpArrow, ConsoleKey.DownArrow);
        Assert.Equal("!analyze -v", Read(terminal, history));

        terminal = new FakeTerminal();
        terminal.Type("k");
        terminal.Press(ConsoleKey.UpArrow, ConsoleKey.UpArrow, ConsoleKey.DownArrow, ConsoleKey.DownArrow);
        Assert.Equal("k", Read(terminal, history));
        Assert.Equal(["0: kd> k"], terminal.Screen);
    }

    [Fact]
    public void Editor_Backspace_Delete_and_the_cursor_keys_edit_inside_the_line()
    {
        var terminal = new FakeTerminal();
        terminal.Type("!dvobj");
        terminal.Press(ConsoleKey.LeftArrow, ConsoleKey.LeftArrow, ConsoleKey.LeftArrow, ConsoleKey.LeftArrow);
        terminal.Type("e");
        terminal.Press(ConsoleKey.End);
        terminal.Type(" xy");
        terminal.Press(ConsoleKey.Backspace, ConsoleKey.Backspace);
        terminal.Press(ConsoleKey.Home, ConsoleKey.Delete);
        terminal.Type("!");
        terminal.Press(ConsoleKey.RightArrow);
        Assert.Equal("!devobj ", Read(terminal, []));
        Assert.Equal(["0: kd> !devobj"], terminal.Screen);
    }

    [Fact]
    public void Editor_Escape_clears_the_line_and_the_screen_keeps_no_trace_of_it()
    {
        var terminal = new FakeTerminal();
        terminal.Type("!analyze -v");
        terminal.Press(ConsoleKey.Escape);
        terminal.Type("lm");
        Assert.Equal("lm", Read(terminal, []));
        Assert.Equal(["0: kd> lm"], terminal.Screen);
    }

    [Fact]
    public void Editor_Ctrl_C_abandons_the_line_and_Ctrl_D_on_an_empty_line_ends_the_input()
    {
        var terminal = new FakeTerminal();
        terminal.Type("!irp");
        terminal.Control(ConsoleKey.C);
        Assert.Equal("", new KdLineEditor(terminal, Completion()).ReadLine(Prompt, []));
        Assert.Equal(["0: kd> !irp^C"], terminal.Screen);

        terminal = new FakeTerminal();
        terminal.Control(ConsoleKey.D);
        Assert.Null(new KdLineEditor(terminal, Completion()).ReadLine(Prompt, []));

        // Ctrl+D inside a line deletes the character under the cursor, as readline does.
        terminal = new FakeTerminal();
        terminal.Type("lmx");
        terminal.Press(ConsoleKey.LeftArrow);
        terminal.Control(ConsoleKey.D);
        Assert.Equal("lm", Read(terminal, []));
    }

    [Fact]
    public void Redirected_input_is_not_edited_with_keys()
    {
        Assert.False(KdConsoleTerminal.IsInteractive(new StringReader("lm\n")));
        Assert.False(KdConsoleTerminal.IsInteractive(TextReader.Null));
    }

    // Presses Enter after the queued keys and reads the line.
    private static string? Read(FakeTerminal terminal, IReadOnlyList<string> history)
    {
        terminal.Enter();
        return new KdLineEditor(terminal, Completion()).ReadLine(Prompt, history);
    }

    // Keys queued by the test; the echo interpreted as a terminal does (\r, \b, \n overwrite and move the cursor).
    private sealed class FakeTerminal : IKdTerminal
    {
        private readonly Queue<ConsoleKeyInfo> _keys = new();
        private readonly List<string> _rows = [];
        private readonly StringBuilder _row = new();
        private int _column;

        public int Width => 80;

        // The screen's rows, trailing blanks trimmed (the last row is the cursor's).
        public IReadOnlyList<string> Screen => _row.Length == 0 ? [.. _rows] : [.. _rows, _row.ToString().TrimEnd()];

        public void Type(string text)
        {
            foreach (var c in text)
            {
                _keys.Enqueue(c == '\t' ? new ConsoleKeyInfo('\t', ConsoleKey.Tab, false, false, false) : new ConsoleKeyInfo(c, ConsoleKey.A, false, false, false));
            }
        }

        public void Press(params ConsoleKey[] keys)
        {
            foreach (var key in keys)
            {
                _keys.Enqueue(new ConsoleKeyInfo(key == ConsoleKey.Backspace ? '\b' : '\0', key, false, false, false));
            }
        }

        public void Control(ConsoleKey key) => _keys.Enqueue(new ConsoleKeyInfo((char)(key - ConsoleKey.A + 1), key, false, false, true));

        public void Enter() => _keys.Enqueue(new ConsoleKeyInfo('\r', ConsoleKey.Enter, false, false, false));

        public ConsoleKeyInfo ReadKey() => _keys.Dequeue();

        public void Write(string text)
        {
            foreach (var c in text)
            {
                switch (c)
                {
                    case '\r': _column = 0; break;
                    case '\b': _column = Math.Max(0, _column - 1); break;
                    case '\n':
                        _rows.Add(_row.ToString().TrimEnd());
                        _row.Clear();
                        _column = 0;
                        break;
                    default:
                        if (_column < _row.Length)
                        {
                            _row[_column] = c;
                        }
                        else
                        {
                            _row.Append(c);
                        }
                        _column++;
                        break;
                }
            }
        }
    }
}
