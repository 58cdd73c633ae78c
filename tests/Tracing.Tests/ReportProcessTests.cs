using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorKernel.Actors;

namespace ActorKernel.Tracing.Tests;

/// <summary>
/// Issue 14, acceptance 2: <c>run --trace-out DIR</c> then <c>trace analyze --format html</c> writes
/// a report that headless Chromium renders with its plots and no script error; the screenshot is kept
/// under the test's output folder (artifacts/trace-report.png).
/// </summary>
[Trait("Area", "Tracing")]
public sealed class ReportProcessTests
{
    [Fact]
    public void Run_with_trace_out_twice_gives_the_same_files_then_trace_analyze_writes_an_HTML_report_Chromium_renders_with_its_plots_and_no_script_error()
    {
        var dir = HostRun.TempDirectory();
        try
        {
            var traces = Path.Combine(dir, "trace");
            var run = HostRun.Run(["run", "--duration", "3ms", "--out", Path.Combine(dir, "run"), "--trace-out", traces], dir);
            Assert.True(run.ExitCode == 0, run.Stderr);
            foreach (var file in new[] { TraceFiles.Traces, TraceFiles.Metrics, TraceFiles.Chrome })
            {
                Assert.True(new FileInfo(Path.Combine(traces, file)).Length > 0, file);
            }
            using (var chrome = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(traces, TraceFiles.Chrome))))
            {
                Assert.Contains(chrome.RootElement.GetProperty("traceEvents").EnumerateArray(),
                    e => e.GetProperty("ph").GetString() == "M" && e.TryGetProperty("args", out var a) && a.TryGetProperty("name", out var n) && n.GetString() == "CPU 1");
            }

            // The same seed through the host gives the same bytes.
            var again = Path.Combine(dir, "again");
            Assert.Equal(0, HostRun.Run(["run", "--duration", "3ms", "--out", Path.Combine(dir, "run2"), "--trace-out", again], dir).ExitCode);
            foreach (var file in new[] { TraceFiles.Traces, TraceFiles.Metrics, TraceFiles.Chrome })
            {
                Assert.True(File.ReadAllBytes(Path.Combine(traces, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(again, file))), file + " differs between two runs of the same seed");
            }

            var report = Path.Combine(dir, "report.html");
            var analyze = HostRun.Run(["trace", "analyze", Path.Combine(traces, TraceFiles.Traces), "--format", "html", "--output", report], dir);
            Assert.True(analyze.ExitCode == 0, analyze.Stderr);
            var html = File.ReadAllText(report);
            Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal); // self-contained
            Assert.DoesNotContain("href=\"http", html, StringComparison.Ordinal);

            var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
            Directory.CreateDirectory(artifacts);
            var screenshot = Path.Combine(artifacts, "trace-report.png");
            File.Delete(screenshot);
            var dom = Chromium(["--dump-dom", new Uri(report).AbsoluteUri], out var log);
            var expected = Regex.Match(dom, "data-plots-expected=\"(\\d+)\"");
            var rendered = Regex.Match(dom, "data-plots-rendered=\"(\\d+)\"");
            Assert.True(expected.Success && rendered.Success, "the report's script did not run:\n" + log);
            Assert.True(int.Parse(expected.Groups[1].Value) >= 4);
            Assert.Equal(expected.Groups[1].Value, rendered.Groups[1].Value);
            Assert.DoesNotMatch("Uncaught|SyntaxError|ReferenceError|TypeError", log);
            Chromium(["--screenshot=" + screenshot, "--window-size=1000,1400", new Uri(report).AbsoluteUri], out _);
            Assert.True(new FileInfo(screenshot).Length > 10_000, "no screenshot");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static string Chromium(IEnumerable<string> args, out string log)
    {
        var exe = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("headless Chromium is needed (Debian's chromium package; .ci/run installs it)");
        var info = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--enable-logging=stderr", "--v=0",
            "--user-data-dir=" + Path.Combine(Path.GetTempPath(), "ak-chromium-" + Environment.ProcessId) }.Concat(args))
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish in 90 s");
        }
        process.WaitForExit();
        log = stderr.Result;
        return stdout.Result;
    }
}
