using System.Diagnostics;

namespace ActorKernel.Tracing.Tests;

/// <summary>Runs the built host (actorkernel.dll, copied next to the tests) as a process, bounded in time.</summary>
internal static class HostRun
{
    /// <summary>
    /// The host in its own output folder (src/Host/bin/CONFIG/TFM): this test project references the ASP.NET
    /// Core shared framework (for the OTLP receiver), so its copy of the host would miss the packages the
    /// host's own runtime configuration expects next to it.
    /// </summary>
    public static string HostDll
    {
        get
        {
            var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var tfm = bin.Name;
            var config = bin.Parent!.Name;
            var root = bin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            var dll = Path.Combine(root, "src", "Host", "bin", config, tfm, "actorkernel.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("build src/Host first", dll);
        }
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null, int timeoutSeconds = 120)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(HostDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        // The test process's OTLP settings must not leak into the child unless a test sets them.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"actorkernel {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ak-tracing-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
