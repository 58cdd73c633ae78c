using System.Text.Json;
using ActorKernel.Actors;

namespace ActorKernel.Tracing.Tests;

/// <summary>
/// <c>trace analyze</c> on a two-machine run keeps the machines apart: both machines have a
/// <c>\Device\Nic0</c> and a CPU 0, and each is its own row (<c>client/\Device\Nic0</c>,
/// <c>server/CPU 0</c>), named by the resource's <c>host.name</c> the run wrote per machine.
/// </summary>
[Trait("Area", "Tracing")]
public sealed class TraceAnalyzeMachinesTests
{
    [Fact]
    public void Trace_analyze_of_a_two_machine_run_reports_each_machine_s_devices_drivers_and_processors_as_their_own_rows()
    {
        var dir = HostRun.TempDirectory();
        try
        {
            var traces = Path.Combine(dir, "trace");
            var run = HostRun.Run(["run", "two-machines", "--duration", "2ms", "--out", Path.Combine(dir, "run"), "--trace-out", traces], dir);
            Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);

            var analyze = HostRun.Run(["trace", "analyze", Path.Combine(traces, TraceFiles.Traces), "--format", "json"], dir);
            Assert.True(analyze.ExitCode == 0, analyze.Stdout + analyze.Stderr);
            using var report = JsonDocument.Parse(analyze.Stdout);
            var devices = report.RootElement.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("device").GetString()!).ToHashSet();
            Assert.Contains(@"client/\Device\Nic0", devices);
            Assert.Contains(@"server/\Device\Nic0", devices);
            Assert.DoesNotContain(@"\Device\Nic0", devices);

            var drivers = report.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("driver").GetString()!).ToHashSet();
            Assert.Contains("client/aknic.sys", drivers);
            Assert.Contains("server/aknic.sys", drivers);

            var cpus = report.RootElement.GetProperty("residency").EnumerateArray().Select(r => r.GetProperty("cpu").GetString()!).ToHashSet();
            Assert.Contains("client/CPU 0", cpus);
            Assert.Contains("server/CPU 0", cpus);
            // Each machine's residency shares add up to its own processor's time, not the pair's.
            foreach (var cpu in cpus)
            {
                var share = report.RootElement.GetProperty("residency").EnumerateArray().Where(r => r.GetProperty("cpu").GetString() == cpu).Sum(r => r.GetProperty("share").GetDouble());
                Assert.InRange(share, 0.999, 1.001);
            }

            var text = HostRun.Run(["trace", "analyze", Path.Combine(traces, TraceFiles.Traces)], dir);
            Assert.Contains("server/CPU 1", text.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Trace_analyze_of_one_machine_keeps_names_bare()
    {
        var dir = HostRun.TempDirectory();
        try
        {
            var traces = Path.Combine(dir, "trace");
            Assert.Equal(0, HostRun.Run(["run", "ramdisk", "--duration", "2ms", "--out", Path.Combine(dir, "run"), "--trace-out", traces], dir).ExitCode);
            var analyze = HostRun.Run(["trace", "analyze", Path.Combine(traces, TraceFiles.Traces), "--format", "json"], dir);
            Assert.True(analyze.ExitCode == 0, analyze.Stdout + analyze.Stderr);
            using var report = JsonDocument.Parse(analyze.Stdout);
            var devices = report.RootElement.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("device").GetString()!).ToList();
            Assert.NotEmpty(devices);
            Assert.All(devices, d => Assert.StartsWith(@"\Device\", d, StringComparison.Ordinal));
            Assert.All(report.RootElement.GetProperty("residency").EnumerateArray(), r => Assert.StartsWith("CPU ", r.GetProperty("cpu").GetString(), StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
