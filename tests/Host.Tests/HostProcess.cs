using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ActorKernel.Host.Tests;

/// <summary>Starts the built host (actorkernel.dll, copied next to the tests with its scenarios and appsettings) as a real process.</summary>
/// <remarks>
/// Robust on a loaded machine (CI runs every test assembly at once on two cores): stdout and stderr
/// are read by two dedicated threads (never the thread pool, which a busy test process can starve,
/// so the host never waits on a full pipe and a log line is seen when it is written); a waiter
/// wakes on each line or on the exit, not on a polling period; and a test's time limits only bound
/// a hang (a failure names the host's state: running, stopped, its CPU time and its signal dispositions).
/// </remarks>
internal sealed class HostProcess : IDisposable
{
    /// <summary>SIGINT: what Ctrl+C sends.</summary>
    public const int SigInt = 2;

    /// <summary>SIGTERM: what service managers send.</summary>
    public const int SigTerm = 15;

    /// <summary>
    /// How long a test waits for a host's event (a log line, its exit) before calling it a hang: a
    /// bound, not a time the host is expected to take; a loaded CI machine (every test assembly at
    /// once on two cores) takes tens of seconds to start a .NET process and JIT a summary.
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new(); // a monitor: readers pulse it on each line
    private static readonly nint SigDfl = 0;
    private static readonly nint SigErr = -1;
    private int _open;

    static HostProcess()
    {
        // A test runner started as a background job of a non-interactive shell has SIGINT (and SIGQUIT) set
        // to SIG_IGN; .NET keeps a signal ignored at start-up ignored (dotnet/coreclr#15393) and every child
        // inherits it, so the host would never see the SIGINT a test sends and would run on. The hosts these
        // tests start get the default disposition, as a host started from a terminal has.
        if (SignalIgnored(SigInt) && signal(SigInt, SigDfl) == SigErr)
        {
            throw new InvalidOperationException($"signal(SIGINT, SIG_DFL) failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private HostProcess(Process process)
    {
        _process = process;
    }

    /// <summary>
    /// The folder holding actorkernel.dll: the one built beside the tests, or the folder named by
    /// ACTORKERNEL_TEST_HOST (how docs/host-robustness.md runs these tests against an older build).
    /// </summary>
    public static string HostDirectory { get; } = Environment.GetEnvironmentVariable("ACTORKERNEL_TEST_HOST") is { Length: > 0 } other ? other : AppContext.BaseDirectory;

    public int Id => _process.Id;

    public string StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts the host with <paramref name="args"/> in <paramref name="workingDirectory"/> (a fresh temp folder by default).</summary>
    public static HostProcess Start(IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null, string? hostDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? TempDirectory.Create(),
        };
        info.ArgumentList.Add(Path.Combine(hostDirectory ?? HostDirectory, "actorkernel.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info };
        var host = new HostProcess(process);
        process.Start();
        host.Read(process.StandardOutput, host._stdout, "stdout");
        host.Read(process.StandardError, host._stderr, "stderr");
        return host;
    }

    /// <summary>Runs the host to its end and returns its exit code and output.</summary>
    public static HostResult Run(IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null, string? hostDirectory = null)
    {
        using var host = Start(args, workingDirectory, environment, hostDirectory);
        return host.WaitForExit(Patience);
    }

    /// <summary>Waits for the host to exit and for the end of its output; kills it and throws when <paramref name="timeout"/> passes first.</summary>
    public HostResult WaitForExit(TimeSpan timeout)
    {
        var exited = _process.WaitForExit(timeout);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        lock (_gate)
        {
            // Both pipes close when the host exits (no child of the host holds them): every line is read by then.
            while (exited && _open > 0 && DateTime.UtcNow < deadline)
            {
                Monitor.Wait(_gate, TimeSpan.FromSeconds(1));
            }
        }
        if (!exited)
        {
            var state = Describe();
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The host did not exit within {timeout} ({state}).\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        }
        return new HostResult(_process.ExitCode, StandardOutput, StandardError);
    }

    /// <summary>Waits until stderr (the log) contains <paramref name="text"/>; false when the host exited or <paramref name="timeout"/> passed first.</summary>
    public bool WaitForLog(string text, TimeSpan timeout) => WaitUntil(log => log.Contains(text, StringComparison.Ordinal), timeout);

    /// <summary>
    /// Waits until stderr (the log) satisfies <paramref name="condition"/>, checked on every line the
    /// host writes; false when the host exited first or <paramref name="timeout"/> (a bound for a hang) passed.
    /// </summary>
    public bool WaitUntil(Func<string, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (true)
            {
                if (condition(_stderr.ToString()))
                {
                    return true;
                }
                var left = deadline - DateTime.UtcNow;
                if (_open == 0 || left <= TimeSpan.Zero)
                {
                    return false;
                }
                // Woken by each line and by the end of the output; the period only re-checks the deadline.
                Monitor.Wait(_gate, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>Sends a POSIX signal to the host (kill(2)).</summary>
    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    /// <summary>The host's state for a hang's message: Linux's /proc view (state, CPU time, ignored and caught signals).</summary>
    private string Describe()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var status = File.ReadAllLines($"/proc/{_process.Id}/status");
            var signals = string.Join(", ", status.Where(l => l.StartsWith("SigIgn:", StringComparison.Ordinal) || l.StartsWith("SigCgt:", StringComparison.Ordinal)));
            var threads = Directory.GetDirectories($"/proc/{_process.Id}/task").Select(t =>
            {
                var s = File.ReadAllText(Path.Combine(t, "stat"));
                var f = s[(s.LastIndexOf(')') + 2)..].Split(' ');
                return $"{File.ReadAllText(Path.Combine(t, "comm")).Trim()}:{f[0]}:{f[11]}+{f[12]}";
            });
            return $"pid {_process.Id} state {fields[0]}, utime+stime {fields[11]}+{fields[12]} ticks, {signals}; threads {string.Join(" ", threads)}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return $"pid {_process.Id}, state unknown: {e.Message}";
        }
    }

    // Whether this process ignores the signal (Linux: the SigIgn mask of /proc/self/status); a handler the runtime installed is left alone.
    private static bool SignalIgnored(int number)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        var line = File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line[7..].Trim(), 16) & (1UL << (number - 1))) != 0;
    }

    // One dedicated thread per pipe: it reads until the host closes it.
    private void Read(StreamReader reader, StringBuilder into, string name)
    {
        lock (_gate)
        {
            _open++;
        }
        var thread = new Thread(() =>
        {
            try
            {
                while (reader.ReadLine() is { } line)
                {
                    lock (_gate)
                    {
                        into.Append(line).Append('\n');
                        Monitor.PulseAll(_gate);
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The process was disposed: nothing more to read.
            }
            finally
            {
                lock (_gate)
                {
                    _open--;
                    Monitor.PulseAll(_gate);
                }
            }
        })
        { IsBackground = true, Name = $"host {name} reader" };
        thread.Start();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [DllImport("libc", SetLastError = true)]
    private static extern nint signal(int signum, nint handler);
}

/// <summary>What a finished host process left.</summary>
internal sealed record HostResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}

/// <summary>Fresh temporary folders for runs and broken scenario files.</summary>
internal static class TempDirectory
{
    public static string Create()
    {
        var path = Path.Combine(Path.GetTempPath(), "actorkernel-host-tests", Path.GetRandomFileName());
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>Reading summary.json.</summary>
internal static class Summary
{
    public static JsonElement Read(string directory, string file = "summary.json")
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, file)));
        return document.RootElement.Clone();
    }

    /// <summary>Asserts issued = completed + failed + inFlight, for the totals and for each workload and device.</summary>
    public static void AssertConsistent(JsonElement summary)
    {
        var totals = summary.GetProperty("totals");
        AssertBalanced(totals, "totals");
        Assert.True(totals.GetProperty("consistent").GetBoolean());
        foreach (var w in summary.GetProperty("workloads").EnumerateArray())
        {
            AssertBalanced(w, "workload " + w.GetProperty("name").GetString());
        }
        foreach (var d in summary.GetProperty("devices").EnumerateArray())
        {
            AssertBalanced(d, "device " + d.GetProperty("name").GetString());
        }
        long Sum(string field) => summary.GetProperty("workloads").EnumerateArray().Sum(w => w.GetProperty(field).GetInt64());
        Assert.Equal(Sum("issued"), totals.GetProperty("issued").GetInt64());
        Assert.Equal(Sum("completed"), totals.GetProperty("completed").GetInt64());
    }

    private static void AssertBalanced(JsonElement e, string what)
    {
        var issued = e.GetProperty("issued").GetInt64();
        var completed = e.GetProperty("completed").GetInt64();
        var failed = e.GetProperty("failed").GetInt64();
        var inFlight = e.GetProperty("inFlight").GetInt64();
        Assert.True(issued == completed + failed + inFlight, $"{what}: issued {issued} != completed {completed} + failed {failed} + in flight {inFlight}");
    }
}
