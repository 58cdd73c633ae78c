namespace ActorKernel.Host.Tests;

/// <summary>Verbs, help, usage errors and <c>validate</c> of broken files, through the built host.</summary>
[Trait("Area", "Host")]
public sealed class CommandLineProcessTests
{
    public static TheoryData<string[], string> UsageErrors => new()
    {
        { ["bogus"], "Unrecognized command or argument 'bogus'" },
        { ["run", "--seed", "x"], "--seed: expected a number" },
        { ["run", "--dispatcher", "fast"], "unknown dispatcher 'fast' (known: deterministic, concurrent)" },
        { ["run", "--duration", "fast"], "--duration: expected a duration" },
        { ["run", "--duration", "0s"], "(greater than 0)" },
        { ["list", "things"], "things" },
        { ["validate"], "Required argument 'SCENARIO' missing" },
        { ["run", "a", "b"], "Unrecognized command or argument 'b'" },
        { ["--set", "bogus", "list", "drivers"], "--set: expected KEY=VALUE" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public void A_usage_error_exits_2_and_says_what_is_wrong(string[] args, string message)
    {
        var result = HostProcess.Run(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("validate")]
    [InlineData("list")]
    public void Every_verb_has_help(string verb)
    {
        var result = HostProcess.Run([verb, "--help"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"actorkernel {verb}", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void List_shows_drivers_filters_and_device_types_with_their_irq_range()
    {
        var drivers = HostProcess.Run(["list", "drivers"]);
        Assert.Equal(0, drivers.ExitCode);
        Assert.Contains("interrupt-echo", drivers.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("planted-bug", drivers.StandardOutput, StringComparison.Ordinal);
        var devices = HostProcess.Run(["list", "devices"]);
        Assert.Equal(0, devices.ExitCode);
        Assert.Contains("timer", devices.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("interrupt-source", devices.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("(IRQ 0..23)", devices.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("latency (duration, default 100us)", devices.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_of_a_shipped_scenario_exits_0()
    {
        var result = HostProcess.Run(["validate", "filtered-stack"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("valid", result.StandardOutput, StringComparison.Ordinal);
    }

    private static string Scenario(string workloads = "[{ \"name\": \"w\", \"device\": \"nic0\", \"queueDepth\": 2 }]", string machine = "{ \"processors\": 2 }", string devices = "[{ \"name\": \"nic0\", \"type\": \"interrupt-source\", \"irq\": 11 }]", string drivers = "[{ \"name\": \"interrupt-echo\", \"device\": \"nic0\" }]", string duration = "\"1s\"") =>
        $$"""{ "name": "broken", "duration": {{duration}}, "machine": {{machine}}, "devices": {{devices}}, "drivers": {{drivers}}, "workloads": {{workloads}} }""";

    public static TheoryData<string, string, string> BrokenFiles => new()
    {
        { "{ \"name\": \"x\",\n  \"devices\": [ }", "$", "invalid JSON at line 2, position 16" },
        { Scenario(drivers: "[{ \"name\": \"ramdsk\", \"device\": \"nic0\" }]"), "$.drivers[0].name", "unknown driver 'ramdsk' (known: akndis, aknic, block-storage, busenum, interrupt-echo, proseware-robot, ramdisk, root-bus, serial, sioctl, stripe, toaster, usb-host-controller, usb-storage)" },
        { Scenario(devices: "[{ \"name\": \"nic0\", \"type\": \"nvme\", \"irq\": 11 }]"), "$.devices[0].type", "unknown device type 'nvme'" },
        { Scenario(devices: "[{ \"name\": \"nic0\", \"type\": \"interrupt-source\", \"irq\": 40 }]"), "$.devices[0].irq", "IRQ 40 is out of range 1..23" },
        { Scenario(workloads: "[{ \"name\": \"w\", \"device\": \"nic0\", \"queueDepth\": -3 }]"), "$.workloads[0].queueDepth", "queueDepth must be ≥ 1, got -3" },
        { Scenario(machine: "{ \"processors\": 0 }"), "$.machine.processors", "processors must be in 1..64, got 0" },
        { Scenario(duration: "\"a while\""), "$.duration", "expected a duration such as 500ms, 10s, 2m, 1h" },
        { Scenario(workloads: "[{ \"name\": \"w\", \"device\": \"nic0\", \"mix\": { \"read\": 0.6, \"write\": 0.6 } }]"), "$.workloads[0].mix", "read + write + ioctl must sum to 1, got 1.2" },
        { Scenario(machine: "{ \"dispatcher\": \"parallel\" }"), "$.machine.dispatcher", "unknown dispatcher 'parallel' (known: deterministic, concurrent)" },
        { Scenario(workloads: "[{ \"name\": \"w\", \"device\": \"disk0\" }]"), "$.workloads[0].device", "no device named 'disk0'" },
        { Scenario(drivers: "[{ \"name\": \"interrupt-echo\", \"device\": \"nic0\", \"lowerFilters\": [\"sniffer\"] }]"), "$.drivers[0].lowerFilters[0]", "unknown filter 'sniffer'" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Validate_of_a_broken_file_exits_2_and_names_the_file_the_path_and_the_problem(string content, string path, string message)
    {
        var file = Path.Combine(TempDirectory.Create(), "broken.json");
        File.WriteAllText(file, content);
        var result = HostProcess.Run(["validate", file]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"{file}: {path}: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_of_a_missing_file_exits_2_and_names_it()
    {
        var result = HostProcess.Run(["validate", "/nonexistent/scenario.json"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/nonexistent/scenario.json: $: no such file, and no shipped scenario of that name", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_of_a_broken_file_exits_2_and_starts_nothing()
    {
        var directory = TempDirectory.Create();
        var file = Path.Combine(directory, "broken.json");
        File.WriteAllText(file, Scenario(machine: "{ \"processors\": 0 }"));
        var output = Path.Combine(directory, "out");
        var result = HostProcess.Run(["run", file, "--out", output]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("processors must be in 1..64, got 0", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "nothing half-started: no output folder");
    }
}
