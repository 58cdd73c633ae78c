using System.Text.Json;

namespace ActorKernel.Host.Tests;

/// <summary>
/// The io runner, run as a process: real driver stacks (root bus PDO → function driver → upper
/// filters) from src/Drivers driven by user processes (the workload library) through Kernel32.
/// </summary>
[Trait("Area", "Host")]
public sealed class IoRunnerProcessTests
{
    /// <summary>Shipped scenarios of the io runner.</summary>
    public static IReadOnlyList<string> Names { get; } = ["ramdisk", "filtered-ramdisk", "ioctl", "robot"];

    /// <summary><see cref="Names"/> as theory rows.</summary>
    public static TheoryData<string> Shipped => new(Names);

    [Theory]
    [MemberData(nameof(Shipped))]
    public void Run_of_an_io_scenario_exits_0_with_consistent_counts_and_every_checked_request_verified(string scenario)
    {
        var output = TempDirectory.Create();
        var result = HostProcess.Run(["run", scenario, "--duration", "5ms", "--out", output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        Assert.Equal("kernel", summary.GetProperty("runner").GetString());
        Assert.Empty(summary.GetProperty("violations").EnumerateArray());
        var workload = summary.GetProperty("workloads").EnumerateArray().Single();
        Assert.True(workload.GetProperty("issued").GetInt64() > 0, "the workload issued requests");
        Assert.Equal(0, workload.GetProperty("inFlight").GetInt64());
        var counters = summary.GetProperty("counters");
        var name = workload.GetProperty("name").GetString();
        // RAM disk: every successful read was compared with what its thread wrote; Sioctl: every reply was checked;
        // robot: every move's reported position was compared with the target clamped to AfterThought's box.
        var verified = counters.GetProperty($"workloads.{name}.verified").GetInt64();
        Assert.True(verified > 0, "data was checked");
        if (scenario is "ioctl" or "robot")
        {
            Assert.Equal(workload.GetProperty("ioctls").GetInt64(), verified);
            Assert.Equal(workload.GetProperty("issued").GetInt64(), workload.GetProperty("completed").GetInt64());
        }
        else
        {
            Assert.Equal(workload.GetProperty("reads").GetInt64(), verified);
        }
    }

    [Fact]
    public void The_counting_filter_sees_every_request_and_refused_IOCTLs_fail_with_STATUS_INVALID_DEVICE_REQUEST()
    {
        var output = TempDirectory.Create();
        var result = HostProcess.Run(["run", "filtered-ramdisk", "--duration", "5ms", "--out", output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = Summary.Read(output);
        var workload = summary.GetProperty("workloads").EnumerateArray().Single();
        var counters = summary.GetProperty("counters");
        long Counter(string n) => counters.GetProperty(n).GetInt64();
        Assert.Equal(workload.GetProperty("reads").GetInt64(), Counter("devices.disk0.filter0.reads"));
        Assert.Equal(workload.GetProperty("writes").GetInt64(), Counter("devices.disk0.filter0.writes"));
        Assert.Equal(workload.GetProperty("ioctls").GetInt64(), Counter("devices.disk0.filter0.ioctls"));
        Assert.True(workload.GetProperty("ioctls").GetInt64() > 0);
        Assert.Equal(workload.GetProperty("ioctls").GetInt64(), workload.GetProperty("failed").GetInt64());
        Assert.Equal(workload.GetProperty("failed").GetInt64(), Counter("workloads.mixed.failed.STATUS_INVALID_DEVICE_REQUEST"));
    }

    [Fact]
    public void The_default_scenario_runs_the_block_disk_stack_and_the_same_seed_replays_byte_identical()
    {
        var a = TempDirectory.Create();
        var b = TempDirectory.Create();
        var first = HostProcess.Run(["run", "--seed", "5", "--duration", "3ms", "--out", a]);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(0, HostProcess.Run(["run", "default", "--seed", "5", "--duration", "3ms", "--out", b]).ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "summary.json")), File.ReadAllBytes(Path.Combine(b, "summary.json")));
        var summary = Summary.Read(a);
        Assert.Equal(("default", "kernel"), (summary.GetProperty("scenario").GetString(), summary.GetProperty("runner").GetString()));
        Assert.True(summary.GetProperty("counters").GetProperty("workloads.mixed.verified").GetInt64() > 0);
        // Wall-clock latency of the user program: in wallclock.json and on stderr, never in the summary.
        using var wall = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(a, "wallclock.json")));
        var latency = wall.RootElement.GetProperty("workloads").EnumerateArray().Single();
        Assert.Equal("mixed", latency.GetProperty("name").GetString());
        var workload = summary.GetProperty("workloads").EnumerateArray().Single();
        Assert.Equal(workload.GetProperty("completed").GetInt64() + workload.GetProperty("failed").GetInt64(), latency.GetProperty("latency").GetProperty("count").GetInt64());
        Assert.True(latency.GetProperty("latency").GetProperty("p50").GetInt64() > 0);
        Assert.Contains("  mixed: wall latency p50 ", first.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("wall", File.ReadAllText(Path.Combine(a, "summary.json")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_same_seed_twice_gives_byte_identical_io_summaries_and_another_seed_does_not()
    {
        var a = TempDirectory.Create();
        var b = TempDirectory.Create();
        var c = TempDirectory.Create();
        Assert.Equal(0, HostProcess.Run(["run", "filtered-ramdisk", "--seed", "11", "--duration", "3ms", "--out", a]).ExitCode);
        Assert.Equal(0, HostProcess.Run(["run", "filtered-ramdisk", "--seed", "11", "--duration", "3ms", "--out", b]).ExitCode);
        Assert.Equal(0, HostProcess.Run(["run", "filtered-ramdisk", "--seed", "12", "--duration", "3ms", "--out", c]).ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "summary.json")), File.ReadAllBytes(Path.Combine(b, "summary.json")));
        Assert.NotEqual(File.ReadAllText(Path.Combine(a, "summary.json")), File.ReadAllText(Path.Combine(c, "summary.json")).Replace("\"seed\": 12", "\"seed\": 11", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"name\": \"floppy\", \"device\": \"disk0\"", "$.drivers[0].name", "unknown driver 'floppy'")]
    [InlineData("\"name\": \"counting-filter\", \"device\": \"disk0\"", "$.drivers[0].name", "unknown driver 'counting-filter'")]
    [InlineData("\"name\": \"ramdisk\", \"device\": \"disk0\", \"upperFilters\": [\"ramdisk\"]", "$.drivers[0].upperFilters[0]", "unknown filter 'ramdisk'")]
    public void Validate_rejects_an_unknown_driver_and_a_filter_that_is_not_a_filter(string driver, string path, string message)
    {
        var folder = TempDirectory.Create();
        var file = Path.Combine(folder, "bad-io.json");
        File.WriteAllText(file, $$"""
            {
              "name": "bad-io", "duration": "1ms",
              "devices": [ { "name": "disk0", "type": "root-device", "irq": 5 } ],
              "drivers": [ { {{driver}} } ],
              "workloads": [ { "name": "w", "device": "disk0", "mix": { "read": 1.0 }, "size": 512 } ]
            }
            """);
        var result = HostProcess.Run(["validate", file]);
        Assert.True(result.ExitCode == 2, result.ToString());
        var all = result.StandardOutput + result.StandardError;
        Assert.Contains(path, all, StringComparison.Ordinal);
        Assert.Contains(message, all, StringComparison.Ordinal);
    }

    [Fact]
    public void A_planted_bugcheck_in_a_ramdisk_stack_crashes_the_run_with_exit_1_and_names_the_device()
    {
        var folder = TempDirectory.Create();
        var file = Path.Combine(folder, "io-crash.json");
        File.WriteAllText(file, """
            {
              "name": "io-crash", "duration": "5ms",
              "machine": { "processors": 2, "seed": 5 },
              "devices": [ { "name": "disk0", "type": "root-device", "irq": 5, "parameters": { "size": 65536 } } ],
              "drivers": [ { "name": "ramdisk", "device": "disk0" } ],
              "workloads": [ { "name": "w", "device": "disk0", "mix": { "read": 0.5, "write": 0.5 }, "size": 512, "queueDepth": 2 } ],
              "faults": [ { "at": "2ms", "type": "bugcheck", "device": "disk0", "code": 209 } ]
            }
            """);
        var output = Path.Combine(folder, "out");
        var result = HostProcess.Run(["run", file, "--out", output]);
        Assert.True(result.ExitCode == 1, result.ToString());
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        var crash = summary.GetProperty("crashes").EnumerateArray().Single();
        // Raised at DISPATCH_LEVEL on processor 0 as soon as the request running there yields.
        Assert.InRange(crash.GetProperty("atNanoseconds").GetInt64(), 2_000_000, 2_100_000);
        Assert.Contains("disk0", crash.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_filter_that_loses_IRPs_ends_the_run_with_exit_1_and_the_stuck_IRP_named_instead_of_hanging()
    {
        var file = Path.Combine(TempDirectory.Create(), "lost-irp.json");
        File.WriteAllText(file, """
            { "name": "lost-irp", "duration": "20ms",
              "machine": { "processors": 2, "dispatcher": "deterministic", "seed": 3 },
              "devices": [ { "name": "disk0", "type": "root-device", "irq": 5 } ],
              "drivers": [ { "name": "ramdisk", "device": "disk0", "upperFilters": ["leaky-filter"] } ],
              "workloads": [ { "name": "reads", "device": "disk0", "mix": { "read": 1.0 }, "size": 512, "queueDepth": 2 } ] }
            """);
        var output = TempDirectory.Create();

        var result = HostProcess.Run(["run", file, "--out", output]);

        Assert.True(result.ExitCode == 1, result.ToString());
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        var workload = summary.GetProperty("workloads").EnumerateArray().Single();
        Assert.Equal(0, workload.GetProperty("inFlight").GetInt64());
        Assert.Equal(2, summary.GetProperty("counters").GetProperty("workloads.reads.failed.never completed").GetInt64());
        var violation = Assert.Single(summary.GetProperty("violations").EnumerateArray()).GetString();
        Assert.Contains("2 request(s) never completed", violation, StringComparison.Ordinal);
        Assert.Contains("leakyflt.sys", violation, StringComparison.Ordinal);
    }
}
