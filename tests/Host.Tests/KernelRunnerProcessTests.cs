using System.Text.Json;

namespace ActorKernel.Host.Tests;

/// <summary>
/// Issue 3, acceptance item 2: <c>run multiprocessor --seed 7</c> runs the shipped kernel scenario
/// on the kernel's processors through the host's runner seam and prints per-processor IRQL
/// residency and ISR/DPC counts, byte-identical for the same seed.
/// </summary>
[Trait("Area", "Processors")]
public sealed class KernelRunnerProcessTests
{
    /// <summary>Shipped scenarios of the kernel runner (no workloads, so RunProcessTests' request checks do not apply).</summary>
    public static IReadOnlyList<string> Shipped { get; } = ["multiprocessor"];

    [Fact]
    public void Run_multiprocessor_with_the_same_seed_prints_byte_identical_processor_tables_and_another_seed_differs()
    {
        var first = HostProcess.Run(["run", "multiprocessor", "--seed", "7"]);
        var second = HostProcess.Run(["run", "multiprocessor", "--seed", "7"]);
        var other = HostProcess.Run(["run", "multiprocessor", "--seed", "8"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.True(other.ExitCode == 0, other.ToString());

        Assert.Equal(first.StandardOutput, second.StandardOutput);
        Assert.Contains("runner kernel, deterministic dispatcher, seed 7, 4 processor(s)", first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("IRQL residency", first.StandardOutput, StringComparison.Ordinal);
        foreach (var level in new[] { "DISPATCH_LEVEL", "DIRQL(4)", "DIRQL(5)", "DIRQL(6)", "CLOCK_LEVEL" })
        {
            Assert.Contains(level, first.StandardOutput, StringComparison.Ordinal);
        }
        Assert.Contains("interrupts", first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("dpcs", first.StandardOutput, StringComparison.Ordinal);
        Assert.NotEqual(first.StandardOutput, other.StandardOutput.Replace("seed 8", "seed 7", StringComparison.Ordinal).Replace("multiprocessor-8", "multiprocessor-7", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_multiprocessor_writes_every_processors_residency_and_counts_to_the_summary()
    {
        var output = TempDirectory.Create();
        var result = HostProcess.Run(["run", "multiprocessor", "--seed", "7", "--out", output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = Summary.Read(output);
        Assert.Equal("kernel", summary.GetProperty("runner").GetString());
        var processors = summary.GetProperty("processors").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3], processors.Select(p => p.GetProperty("number").GetInt32()));
        var counters = summary.GetProperty("counters");
        long Counter(string name) => counters.GetProperty(name).GetInt64();
        // Every ISR the devices' drivers entered, plus one clock interrupt per tick, is one interrupt frame on some processor;
        // a frame counts when it returns, so at most one per processor may still be running when the run ends.
        var deviceIsrs = Counter("devices.timerdev.interrupts") + Counter("devices.nic.interrupts") + Counter("devices.disk.interrupts");
        Assert.InRange(processors.Sum(p => p.GetProperty("interrupts").GetInt64()), deviceIsrs + Counter("clock.ticks") - processors.Count, deviceIsrs + Counter("clock.ticks"));
        Assert.InRange(Counter("clock.ticks"), 49, 50); // 50 ms at the 1 ms clock (the run ends at 50 ms: the tick due then may not have run)
        foreach (var p in processors)
        {
            Assert.True(p.GetProperty("dpcs").GetInt64() > 0, "every processor ran DPCs (nic's are spread, disk's go to 2 and 3)");
            var residency = p.GetProperty("irqlResidencyNanoseconds").EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("value").GetInt64());
            Assert.True(residency["DISPATCH_LEVEL"] > 0);
            Assert.True(residency.Values.Sum() < 50_000_000, "charged time never exceeds the elapsed time");
        }
        // Affinity: disk (DIRQL 4) is wired to processors 2 and 3, nic (DIRQL 5) to 0 and 1.
        long At(int cpu, string level) => processors[cpu].GetProperty("irqlResidencyNanoseconds").EnumerateArray()
            .Where(r => r.GetProperty("key").GetString() == level).Select(r => r.GetProperty("value").GetInt64()).Single();
        Assert.Equal(0, At(0, "DIRQL(4)") + At(1, "DIRQL(4)"));
        Assert.Equal(0, At(2, "DIRQL(5)") + At(3, "DIRQL(5)"));
        Assert.True(At(2, "DIRQL(4)") > 0 && At(0, "DIRQL(5)") > 0);
        Assert.Equal(Counter("devices.timerdev.dpcs") + Counter("devices.nic.dpcs") + Counter("devices.disk.dpcs"), Counter("spinLocks.IntEchoStatisticsLock.acquisitions"));
    }

    [Fact]
    public void An_injected_bugcheck_writes_the_machines_dump_naming_the_scenario_fault_not_a_driver_and_reboots_once()
    {
        var folder = TempDirectory.Create();
        var file = Path.Combine(folder, "kernel-crash.json");
        File.WriteAllText(file, """
            {
              "name": "kernel-crash", "duration": "20ms",
              "machine": { "processors": 2, "seed": 3 },
              "devices": [ { "name": "nic", "type": "interrupt-source", "irq": 4, "parameters": { "latency": "50us" } } ],
              "drivers": [ { "name": "interrupt-echo", "device": "nic" } ],
              "faults": [ { "at": "5ms", "type": "bugcheck", "device": "nic", "code": 209, "parameters": [1, 2, 0, 4] } ],
              "output": { "rebootOnCrash": true }
            }
            """);
        var output = Path.Combine(folder, "out");
        var result = HostProcess.Run(["run", file, "--out", output]);
        Assert.True(result.ExitCode == 1, result.ToString());
        var summary = Summary.Read(output);
        Assert.Equal(2, summary.GetProperty("boots").GetInt32()); // the fault that crashed boot 0 is not replayed by boot 1
        Assert.Equal(20_000_000, summary.GetProperty("simulatedNanoseconds").GetInt64());
        var crash = summary.GetProperty("crashes").EnumerateArray().Single();
        Assert.Equal("0x000000D1", crash.GetProperty("code").GetString());
        Assert.Equal("DRIVER_IRQL_NOT_LESS_OR_EQUAL", crash.GetProperty("name").GetString());
        // The crash was asked for: the scenario's fault is named, intecho.sys (the device's driver) is not blamed.
        Assert.Equal(JsonValueKind.Null, crash.GetProperty("faultingDriver").ValueKind);
        Assert.Equal(JsonValueKind.Null, crash.GetProperty("faultingDevice").ValueKind);
        Assert.Equal("the scenario's fault $.faults[0] (bugcheck at 5ms on nic)", crash.GetProperty("injectedBy").GetString());
        Assert.InRange(crash.GetProperty("atNanoseconds").GetInt64(), 5_000_000, 5_100_000);
        using var dump = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, crash.GetProperty("dump").GetString()!)));
        Assert.Equal(2, dump.RootElement.GetProperty("processors").GetArrayLength());
        Assert.Equal("0x0000000000000004", dump.RootElement.GetProperty("bugCheck").GetProperty("parameters")[3].GetProperty("value").GetString());
        Assert.Equal("Injected by the scenario's fault $.faults[0] (bugcheck at 5ms on nic): the crash was asked for, no driver caused it.", dump.RootElement.GetProperty("analysis").GetString());
        Assert.Equal("scenario", dump.RootElement.GetProperty("machine").GetProperty("faultingModule").GetString());
        Assert.DoesNotContain("intecho.sys", dump.RootElement.GetProperty("machine").GetProperty("analysis").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_multiprocessor_on_the_concurrent_dispatcher_ends_by_itself_with_every_processor_reported()
    {
        var output = TempDirectory.Create();
        // Wall-clock time on the concurrent dispatcher: 50 ms can pass before a loaded machine schedules the
        // simulation at all, so give it a full second.
        var result = HostProcess.Run(["run", "multiprocessor", "--dispatcher", "concurrent", "--duration", "1s", "--out", output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var processors = Summary.Read(output).GetProperty("processors").EnumerateArray().ToList();
        Assert.Equal(4, processors.Count);
        Assert.True(processors.Sum(p => p.GetProperty("dpcs").GetInt64()) > 0, "the devices interrupted and their DPCs ran");
    }

    [Theory]
    [InlineData("\"irq\": 0", "IRQ 0 is out of range 1..23")]
    [InlineData("\"irq\": 4, \"parameters\": { \"irql\": 13 }", "3..12")]
    public void Validate_rejects_a_kernel_device_on_the_clock_line_or_outside_device_irqls(string device, string message)
    {
        var file = Path.Combine(TempDirectory.Create(), "bad.json");
        File.WriteAllText(file, $$"""
            { "name": "bad", "machine": { "processors": 2 },
              "devices": [ { "name": "t", "type": "timer", {{device}} } ] }
            """);
        var result = HostProcess.Run(["validate", file]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }
}
