using System.Text;

namespace ActorKernel.Host.Debugger;

/// <summary>The terminal the line editor reads keys from and echoes to (the console, or keys a test feeds).</summary>
internal interface IKdTerminal
{
    /// <summary>Reads one key without echoing it.</summary>
    /// <returns>The key.</returns>
    ConsoleKeyInfo ReadKey();

    /// <summary>Writes text at the cursor (<c>\b</c> moves back, <c>\r</c> to the line's start).</summary>
    /// <param name="text">The text.</param>
    void Write(string text);

    /// <summary>The terminal's width in characters, for the candidate listing.</summary>
    int Width { get; }
}

/// <summary>
/// The interactive shell's line editor on a terminal: Backspace/Delete, Left/Right, Home/End, Up/Down
/// through the history, Esc clears the line, Tab completes (<see cref="KdCompletion"/>; a second Tab
/// lists the candidates), Enter returns the line, Ctrl+C abandons it, Ctrl+D on an empty line ends
/// the input. It redraws with <c>\r</c> and <c>\b</c> only, so any terminal shows it.
/// </summary>
internal sealed class KdLineEditor
{
    private readonly IKdTerminal _terminal;
    private readonly KdCompletion _completion;

    /// <summary>An editor on <paramref name="terminal"/> completing with <paramref name="completion"/>.</summary>
    /// <param name="terminal">Keys and echo.</param>
    /// <param name="completion">Tab completion.</param>
    public KdLineEditor(IKdTerminal terminal, KdCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        ArgumentNullException.ThrowIfNull(completion);
        _terminal = terminal;
        _completion = completion;
    }

    /// <summary>Prompts and reads one line.</summary>
    /// <param name="prompt">The prompt (<c>0: kd&gt; </c>).</param>
    /// <param name="history">The lines entered so far, oldest first (Up walks back through them).</param>
    /// <returns>The line, or null at the end of input (Ctrl+D on an empty line).</returns>
    public string? ReadLine(string prompt, IReadOnlyList<string> history)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(history);
        var line = new StringBuilder();
        var cursor = 0;
        var shown = 0; // characters of the line on screen, to blank the rest when it shrinks
        var entry = history.Count; // history.Count is the line being typed
        var draft = "";
        var tabbed = false;
        _terminal.Write(prompt);
        while (true)
        {
            var key = _terminal.ReadKey();
            var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            var wasTab = tabbed;
            tabbed = false;
            if (control && key.Key == ConsoleKey.C)
            {
                // Ctrl+C abandons the line, as in cmd.exe; the machine is already stopped, so there is nothing to break into.
                _terminal.Write("^C\n");
                return "";
            }
            if (control && key.Key == ConsoleKey.D)
            {
                if (line.Length == 0)
                {
                    _terminal.Write("\n");
                    return null;
                }
                key = new ConsoleKeyInfo('\0', ConsoleKey.Delete, false, false, false);
            }
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    _terminal.Write("\n");
                    return line.ToString();
                case ConsoleKey.Backspace when cursor > 0:
                    line.Remove(--cursor, 1);
                    Redraw();
                    break;
                case ConsoleKey.Delete when cursor < line.Length:
                    line.Remove(cursor, 1);
                    Redraw();
                    break;
                case ConsoleKey.LeftArrow when cursor > 0:
                    cursor--;
                    _terminal.Write("\b");
                    break;
                case ConsoleKey.RightArrow when cursor < line.Length:
                    _terminal.Write(line[cursor++].ToString());
                    break;
                case ConsoleKey.Home:
                    _terminal.Write(new string('\b', cursor));
                    cursor = 0;
                    break;
                case ConsoleKey.End:
                    _terminal.Write(line.ToString(cursor, line.Length - cursor));
                    cursor = line.Length;
                    break;
                case ConsoleKey.UpArrow when entry > 0:
                    if (entry == history.Count)
                    {
                        draft = line.ToString();
                    }
                    Replace(history[--entry]);
                    break;
                case ConsoleKey.DownArrow when entry < history.Count:
                    entry++;
                    Replace(entry == history.Count ? draft : history[entry]);
                    break;
                case ConsoleKey.Escape:
                    Replace("");
                    break;
                case ConsoleKey.Tab:
                    Tab(wasTab);
                    break;
                default:
                    if (!control && key.KeyChar >= ' ' && key.KeyChar != '\x7f')
                    {
                        line.Insert(cursor++, key.KeyChar);
                        Redraw();
                    }
                    break;
            }
        }

        void Replace(string text)
        {
            line.Clear().Append(text);
            cursor = line.Length;
            Redraw();
        }

        void Tab(bool second)
        {
            var result = _completion.Complete(line.ToString(), cursor);
            if (result.Line != line.ToString() || result.Cursor != cursor)
            {
                line.Clear().Append(result.Line);
                cursor = result.Cursor;
                Redraw();
                tabbed = result.Candidates.Count > 1;
                return;
            }
            if (result.Candidates.Count > 1 && second)
            {
                // The second Tab lists the candidates under the line, then prompts again with the line as it was.
                _terminal.Write("\n" + _completion.List(result, _terminal.Width));
                shown = 0;
                _terminal.Write(prompt);
                Redraw();
                return;
            }
            tabbed = result.Candidates.Count > 1;
        }

        // The line from the prompt on, blanks over what a longer line left, then back to the cursor.
        void Redraw()
        {
            var text = line.ToString();
            var blank = Math.Max(0, shown - text.Length);
            _terminal.Write("\r" + prompt + text + new string(' ', blank) + new string('\b', blank + text.Length - cursor));
            shown = text.Length;
        }
    }
}

/// <summary>The process's console as the line editor's terminal (Ctrl+C read as a key while the shell runs).</summary>
internal sealed class KdConsoleTerminal : IKdTerminal, IDisposable
{
    private readonly TextWriter _out;
    private readonly bool _treatControlCAsInput;

    /// <summary>Reads Console's keys and echoes to <paramref name="output"/>.</summary>
    /// <param name="output">The shell's output (Console.Out).</param>
    public KdConsoleTerminal(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _out = output;
        _treatControlCAsInput = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
    }

    /// <summary>Whether the shell reading <paramref name="input"/> runs on a terminal: the console's own input, not redirected.</summary>
    /// <param name="input">The shell's input.</param>
    /// <returns>Whether to edit lines with keys.</returns>
    public static bool IsInteractive(TextReader input) => ReferenceEquals(input, Console.In) && !Console.IsInputRedirected;

    /// <inheritdoc />
    public int Width => Console.IsOutputRedirected ? 80 : Math.Max(20, Console.WindowWidth);

    /// <inheritdoc />
    public ConsoleKeyInfo ReadKey() => Console.ReadKey(intercept: true);

    /// <inheritdoc />
    public void Write(string text)
    {
        _out.Write(text);
        _out.Flush();
    }

    /// <inheritdoc />
    public void Dispose() => Console.TreatControlCAsInput = _treatControlCAsInput;
}
