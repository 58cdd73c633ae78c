using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ActorKernel.Host.Tests;

/// <summary>Starts the built host (actorkernel.dll, copied next to the tests with its scenarios and appsettings) as a real process.</summary>
internal sealed class HostProcess : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

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
        process.OutputDataReceived += (_, e) => host.Append(host._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(host._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Runs the host to its end and returns its exit code and output.</summary>
    public static HostResult Run(IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null, string? hostDirectory = null)
    {
        using var host = Start(args, workingDirectory, environment, hostDirectory);
        return host.WaitForExit(DefaultTimeout);
    }

    public HostResult WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The host did not exit within {timeout}.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        }
        _process.WaitForExit(); // flushes the asynchronous readers
        return new HostResult(_process.ExitCode, StandardOutput, StandardError);
    }

    /// <summary>Waits until stderr (the log) contains <paramref name="text"/>.</summary>
    public bool WaitForLog(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (StandardError.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }
            if (_process.HasExited)
            {
                return false;
            }
            Thread.Sleep(20);
        }
        return false;
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

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private void Append(StringBuilder into, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            into.Append(line).Append('\n');
        }
    }
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
