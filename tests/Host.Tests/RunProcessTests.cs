using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host.Tests;

/// <summary>The built host, run as a process: shipped scenarios, determinism, crashes and reboots, configuration.</summary>
[Trait("Area", "Host")]
public sealed class RunProcessTests
{
    /// <summary>Every shipped scenario and the exit code a short run of it must give (planted-bugcheck crashes at 400 ms: 1).</summary>
    public static TheoryData<string, int> Shipped => new()
    {
        { "default", 0 },
        { "demo-workload", 0 },
        { "concurrent-echo", 0 },
        { "echo-timer", 0 },
        { "filtered-stack", 0 },
        { "interrupt-storm", 0 },
        { "planted-bugcheck", 1 },
        { "two-machines", 0 },
        { "pnp-hotplug", 0 },
    };

    [Fact]
    public void The_test_table_lists_every_shipped_scenario()
    {
        var listed = HostProcess.Run(["list", "scenarios"]);
        Assert.Equal(0, listed.ExitCode);
        var names = Shipped.Select(row => (string)row[0]).Concat(KernelRunnerProcessTests.Shipped).Concat(IoRunnerProcessTests.Names).Concat(Hardware.HardwareScenarioProcessTests.Names).Concat(Power.PowerScenarioProcessTests.Names).Concat(Stacks.StackScenarioProcessTests.Names).Concat(Stacks.StorageFsScenarioProcessTests.Names).ToHashSet();
        names.UnionWith(Pnp.UsbStorageScenarioTests.Names);
        var shipped = Directory.GetFiles(Path.Combine(HostProcess.HostDirectory, "scenarios"), "*.json")
            .Select(Path.GetFileNameWithoutExtension).Where(n => !n!.EndsWith(".schema", StringComparison.Ordinal)).Append("default").ToHashSet();
        Assert.Equal(shipped.Order(), names.Order());
        foreach (var name in names)
        {
            // Issue 11: every shipped scenario runs on the kernel (real drivers, hardware models).
            Assert.Contains(listed.StandardOutput.Split('\n'), line => line.StartsWith(name + " ", StringComparison.Ordinal) && line.Contains("[kernel]", StringComparison.Ordinal));
        }
        Assert.DoesNotContain("[invalid", listed.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void The_host_has_one_runner_the_kernel_and_no_demo_runner_or_demo_actors()
    {
        using var host = HostFactory.Build([]);
        var runners = host.Services.GetServices<IScenarioRunner>().ToList();
        Assert.Equal("kernel", Assert.Single(runners).Kind);
        Assert.DoesNotContain(typeof(RunService).Assembly.GetTypes(), t => t.Name.Contains("Demo", StringComparison.Ordinal));
        Assert.DoesNotContain(typeof(Actors.Machine).Assembly.GetTypes(), t => t.Name.Contains("MultiprocessorDemo", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Shipped))]
    public void Run_of_a_shipped_scenario_exits_with_its_code_and_writes_consistent_counts(string scenario, int exitCode)
    {
        var output = TempDirectory.Create();
        // The default runs real driver stacks (io runner): a few milliseconds hold thousands of requests.
        // concurrent-echo runs in wall time: give a loaded test machine time to schedule its threads.
        var duration = scenario switch { "default" => "5ms", "concurrent-echo" => "3s", _ => "600ms" };
        var result = HostProcess.Run(["run", scenario, "--duration", duration, "--out", output]);
        Assert.True(exitCode == result.ExitCode, result.ToString());
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        Assert.Equal(scenario, summary.GetProperty("scenario").GetString());
        Assert.True(summary.GetProperty("totals").GetProperty("issued").GetInt64() > 0, "the workloads issued requests");
        Assert.Equal(0, summary.GetProperty("totals").GetProperty("inFlight").GetInt64());
        Assert.Equal(exitCode, summary.GetProperty("exitCode").GetInt32());
        Assert.Contains("issued", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "summary.txt")));
        Assert.True(File.Exists(Path.Combine(output, "wallclock.json")));
    }

    [Fact]
    public void The_same_seed_twice_gives_byte_identical_summaries_and_another_seed_does_not()
    {
        var a = TempDirectory.Create();
        var b = TempDirectory.Create();
        var c = TempDirectory.Create();
        Assert.Equal(0, HostProcess.Run(["run", "demo-workload", "--seed", "11", "--duration", "700ms", "--out", a]).ExitCode);
        Assert.Equal(0, HostProcess.Run(["run", "demo-workload", "--seed", "11", "--duration", "700ms", "--out", b]).ExitCode);
        Assert.Equal(0, HostProcess.Run(["run", "demo-workload", "--seed", "12", "--duration", "700ms", "--out", c]).ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "summary.json")), File.ReadAllBytes(Path.Combine(b, "summary.json")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "summary.txt")), File.ReadAllBytes(Path.Combine(b, "summary.txt")));
        Assert.NotEqual(File.ReadAllText(Path.Combine(a, "summary.json")), File.ReadAllText(Path.Combine(c, "summary.json")).Replace("\"seed\": 12", "\"seed\": 11", StringComparison.Ordinal));
        Assert.Equal(11UL, Summary.Read(a).GetProperty("seed").GetUInt64());
    }

    [Fact]
    public void A_planted_bugcheck_with_reboot_on_crash_runs_to_its_end_with_dumps_and_a_crash_count()
    {
        var output = TempDirectory.Create();
        var result = HostProcess.Run(["run", "planted-bugcheck", "--out", output]);
        Assert.True(result.ExitCode == 1, result.ToString());
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        // The scenario allows 3 crashes: the third ends the run.
        Assert.Equal("crash-limit", summary.GetProperty("stopReason").GetString());
        Assert.Equal(3, summary.GetProperty("boots").GetInt32());
        var crashes = summary.GetProperty("crashes").EnumerateArray().ToList();
        Assert.Equal(3, crashes.Count);
        Assert.All(crashes, c => Assert.Equal("DRIVER_IRQL_NOT_LESS_OR_EQUAL", c.GetProperty("name").GetString()));
        // The real driver's bug, caught by the kernel: a paged-pool write (P3 = 1) at DISPATCH_LEVEL (P2 = 2) in plantflt.sys's completion routine.
        Assert.All(crashes, c => Assert.Equal("plantflt.sys", c.GetProperty("faultingDriver").GetString()));
        Assert.All(crashes, c => Assert.Equal("PlantReadComplete", c.GetProperty("faultingRoutine").GetString()));
        Assert.Equal(crashes.Sum(c => c.GetProperty("pendingRequests").GetInt64()), summary.GetProperty("totals").GetProperty("lostInCrash").GetInt64());
        foreach (var crash in crashes)
        {
            var dump = Path.Combine(output, crash.GetProperty("dump").GetString()!);
            Assert.True(File.Exists(dump), dump);
            var text = File.ReadAllText(dump);
            Assert.Contains("\"code\": \"0x000000D1\"", text, StringComparison.Ordinal);
            Assert.Contains("plantflt.sys", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void No_arguments_runs_the_embedded_default_from_any_folder_with_settings_from_the_environment()
    {
        var cwd = TempDirectory.Create();
        var result = HostProcess.Run([], cwd, new Dictionary<string, string> { ["ACTORKERNEL_Run__OutputRoot"] = "custom-runs" });
        Assert.True(result.ExitCode == 0, result.ToString());
        var output = Path.Combine(cwd, "custom-runs", "default-42");
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        Assert.StartsWith("sha256:", summary.GetProperty("scenarioHash").GetString(), StringComparison.Ordinal);
        // 100 ms, plus the requests in flight at the end finishing (microseconds).
        Assert.InRange(summary.GetProperty("simulatedNanoseconds").GetInt64(), 100_000_000, 101_000_000);
    }

    [Fact]
    public void A_bad_setting_is_reported_by_key_and_exits_2()
    {
        var env = HostProcess.Run(["list", "drivers"], environment: new Dictionary<string, string> { ["ACTORKERNEL_Run__DrainTimeout"] = "-00:00:01" });
        Assert.Equal(2, env.ExitCode);
        Assert.Contains("Run:DrainTimeout must be between", env.StandardError, StringComparison.Ordinal);
        var set = HostProcess.Run(["--set", "Run:ProgressInterval=00:00:00.001", "list", "drivers"]);
        Assert.Equal(2, set.ExitCode);
        Assert.Contains("Run:ProgressInterval must be between", set.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void The_live_view_shows_time_requests_device_latency_and_processor_rows()
    {
        var output = TempDirectory.Create();
        var result = HostProcess.Run(["--set", "Run:Progress=Live", "run", "echo-timer", "--duration", "300ms", "--out", output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var text in new[] { "simulated", "wall", "bugchecks", "req/s simulated", "devices (simulated latency)", "timer0", "processors", "last interval" })
        {
            Assert.Contains(text, result.StandardOutput, StringComparison.Ordinal);
        }
        Assert.Contains("Scenario echo-timer", result.StandardOutput, StringComparison.Ordinal);
    }
}
