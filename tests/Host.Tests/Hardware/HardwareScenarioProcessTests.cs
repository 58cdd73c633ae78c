using System.Text.Json;

namespace ActorKernel.Host.Tests.Hardware;

/// <summary>
/// Scenarios that place the hardware models (block-disk, uart, nic) and run them under their real
/// drivers through the one runner, run as a process: the whole interrupt path, device faults, and
/// validation of every mistake with file and JSON path.
/// </summary>
[Trait("Area", "Hardware")]
public sealed class HardwareScenarioProcessTests
{
    /// <summary>Shipped scenarios these tests own (the shipped-scenario table includes them).</summary>
    public static IReadOnlyList<string> Names { get; } = ["stuck-line"];

    private static string Write(string name, string json)
    {
        var file = Path.Combine(TempDirectory.Create(), name + ".json");
        File.WriteAllText(file, json);
        return file;
    }

    [Fact]
    public void The_default_scenario_reads_and_writes_the_interrupt_driven_disk_with_ISRs_and_DPCs_on_every_processor()
    {
        var output = TempDirectory.Create();
        var result = HostProcess.Run(["run", "--duration", "5ms", "--out", output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        // The first thing a new user runs says nothing about its own scenario being wrong.
        Assert.DoesNotContain("warning", result.StandardOutput + result.StandardError, StringComparison.OrdinalIgnoreCase);
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        var device = summary.GetProperty("devices").EnumerateArray().Single();
        Assert.Equal("block-disk", device.GetProperty("type").GetString());
        var workload = summary.GetProperty("workloads").EnumerateArray().Single();
        Assert.True(workload.GetProperty("reads").GetInt64() > 0 && workload.GetProperty("writes").GetInt64() > 0, "reads and writes reached the disk");
        Assert.Equal(workload.GetProperty("issued").GetInt64(), workload.GetProperty("completed").GetInt64());
        // Every read was compared with the pattern its slot wrote: the data moved by DMA both ways.
        Assert.Equal(workload.GetProperty("reads").GetInt64(), summary.GetProperty("counters").GetProperty("workloads.mixed.verified").GetInt64());
        var processors = summary.GetProperty("processors").EnumerateArray().ToList();
        Assert.Equal(4, processors.Count);
        Assert.All(processors, p =>
        {
            Assert.True(p.GetProperty("interrupts").GetInt64() > 0, "the disk's interrupt reached every processor");
            Assert.True(p.GetProperty("dpcs").GetInt64() > 0, "its DPC ran on every processor");
        });
    }

    [Fact]
    public void A_stuck_level_line_on_the_disk_ends_in_HARDWARE_INTERRUPT_STORM_with_a_crash_dump_and_exit_1()
    {
        var output = TempDirectory.Create();
        var result = HostProcess.Run(["run", "stuck-line", "--out", output]);
        Assert.True(result.ExitCode == 1, result.ToString());
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        var crash = summary.GetProperty("crashes").EnumerateArray().Single();
        Assert.Equal("0x000000F2", crash.GetProperty("code").GetString());
        Assert.Equal("HARDWARE_INTERRUPT_STORM", crash.GetProperty("name").GetString());
        // NT's parameters: the first ISR of the chain (blkmini.sys's), its context, the interrupt object, 1 = not chained.
        Assert.Equal("0x0000000000000001", crash.GetProperty("parameters")[3].GetString());
        Assert.Equal("blkmini.sys", crash.GetProperty("faultingDriver").GetString());
        Assert.Equal("BlkInterrupt", crash.GetProperty("faultingRoutine").GetString());
        Assert.True(crash.GetProperty("atNanoseconds").GetInt64() > 5_000_000, "not before the line stuck");
        Assert.True(File.Exists(Path.Combine(output, crash.GetProperty("dump").GetString()!)), "the crash dump was written");
    }

    [Fact]
    public void A_dma_error_fault_fails_the_request_with_STATUS_IO_DEVICE_ERROR_and_the_disk_keeps_serving()
    {
        var file = Write("dma-error", """
            {
              "name": "dma-error", "duration": "5ms",
              "machine": { "processors": 2, "seed": 9 },
              "devices": [ { "name": "disk0", "type": "block-disk", "irq": 11, "parameters": { "size": 1048576, "latency": "0s", "seek": "0s", "transfer": "0s" } } ],
              "drivers": [ { "name": "block-storage", "device": "disk0" } ],
              "workloads": [ { "name": "w", "device": "disk0", "mix": { "read": 1 }, "size": 4096, "queueDepth": 1, "thinkTime": "10us" } ],
              "faults": [ { "at": "1ms", "type": "dma-error", "device": "disk0", "count": 2 } ]
            }
            """);
        var output = TempDirectory.Create();
        var result = HostProcess.Run(["run", file, "--out", output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        Assert.Equal(2, summary.GetProperty("counters").GetProperty("workloads.w.failed.STATUS_IO_DEVICE_ERROR").GetInt64());
        var workload = summary.GetProperty("workloads").EnumerateArray().Single();
        Assert.Equal(2, workload.GetProperty("failed").GetInt64());
        Assert.True(workload.GetProperty("completed").GetInt64() > 10, "requests after the fault completed");
    }

    [Fact]
    public void Frames_written_to_a_nic_arrive_at_the_linked_nic_and_a_uart_sends_through_serial_sys()
    {
        var file = Write("nic-link", """
            {
              "name": "nic-link", "duration": "5ms",
              "machine": { "processors": 2, "seed": 4 },
              "devices": [
                { "name": "nic0", "type": "nic", "irq": 10, "parameters": { "link": "nic1" } },
                { "name": "nic1", "type": "nic", "irq": 12, "parameters": { "link": "nic0" } },
                { "name": "com1", "type": "uart", "irq": 4 }
              ],
              "drivers": [ { "name": "aknic", "device": "nic0" }, { "name": "aknic", "device": "nic1" }, { "name": "serial", "device": "com1" } ],
              "workloads": [
                { "name": "send", "device": "nic0", "mix": { "write": 1 }, "size": 256, "rate": 20000, "duration": "4ms" },
                { "name": "recv", "device": "nic1", "mix": { "read": 1 }, "size": 1514, "queueDepth": 2 },
                { "name": "tx", "device": "com1", "mix": { "write": 1 }, "size": 16, "requests": 2 }
              ]
            }
            """);
        var output = TempDirectory.Create();
        var result = HostProcess.Run(["run", file, "--out", output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        var w = summary.GetProperty("workloads").EnumerateArray().ToDictionary(x => x.GetProperty("name").GetString()!);
        var sent = w["send"].GetProperty("completed").GetInt64();
        Assert.True(sent > 10, "frames were sent");
        // Every frame sent (the sender stops a millisecond before the end, so none is on the wire then) arrived at the
        // linked adapter and was read; the reads still waiting at the end were cancelled.
        Assert.Equal(sent, w["recv"].GetProperty("completed").GetInt64());
        Assert.Equal(sent * 256, w["recv"].GetProperty("bytes").GetInt64());
        Assert.Equal(w["recv"].GetProperty("failed").GetInt64(), w["recv"].GetProperty("cancelled").GetInt64());
        // 16 bytes take 16.7 ms at serial.sys's 9600 baud: the first write is in the FIFO at once, the second may still wait at the end.
        Assert.True(w["tx"].GetProperty("completed").GetInt64() >= 1, "serial.sys took a write");
        Assert.Equal(w["tx"].GetProperty("failed").GetInt64(), w["tx"].GetProperty("cancelled").GetInt64());
    }

    [Theory]
    [InlineData("\"link\": \"nic9\"", "{ \"name\": \"w\", \"device\": \"nic0\", \"mix\": { \"write\": 1 }, \"size\": 64 }", "", "$.devices[0].parameters.link", "no device named 'nic9'")]
    [InlineData("\"link\": \"nic0\"", "{ \"name\": \"w\", \"device\": \"nic0\", \"mix\": { \"write\": 1 }, \"size\": 64 }", "", "$.devices[0].parameters.link", "cannot be linked to itself")]
    [InlineData("", "{ \"name\": \"w\", \"device\": \"nic0\", \"mix\": { \"write\": 1 }, \"size\": 4000 }", "", "$.workloads[0].size", "Ethernet frames")]
    [InlineData("", "{ \"name\": \"w\", \"device\": \"disk0\", \"size\": 1000 }", "", "$.workloads[0].size", "whole sectors")]
    [InlineData("", "{ \"name\": \"w\", \"device\": \"disk0\", \"mix\": { \"read\": 0.5, \"ioctl\": 0.5 } }", "", "$.workloads[0].mix.ioctl", "answers no IOCTLs")]
    [InlineData("", "{ \"name\": \"w\", \"device\": \"disk0\" }", "{ \"at\": \"1ms\", \"type\": \"stuck-line\", \"device\": \"com1\" }", "$.faults[0].device", "level-triggered line")]
    [InlineData("", "{ \"name\": \"w\", \"device\": \"disk0\" }", "{ \"at\": \"1ms\", \"type\": \"dma-error\", \"device\": \"nic0\" }", "$.faults[0].device", "a block controller's fault")]
    [InlineData("", "{ \"name\": \"w\", \"device\": \"disk0\" }", "{ \"at\": \"1ms\", \"type\": \"surprise-unplug\" }", "$.faults[0].device", "the block-disk the fault hits")]
    public void Validate_explains_each_hardware_mistake_with_file_and_JSON_path_and_exits_2(string nicParameters, string workload, string fault, string path, string message)
    {
        var file = Write("bad-hw", $$"""
            {
              "name": "bad-hw", "duration": "1ms",
              "devices": [
                { "name": "nic0", "type": "nic", "irq": 10, "parameters": { {{nicParameters}} } },
                { "name": "disk0", "type": "block-disk", "irq": 11 },
                { "name": "com1", "type": "uart", "irq": 4 }
              ],
              "drivers": [ { "name": "aknic", "device": "nic0" }, { "name": "block-storage", "device": "disk0" }, { "name": "serial", "device": "com1" } ],
              "workloads": [ {{workload}} ],
              "faults": [ {{fault}} ]
            }
            """);
        var result = HostProcess.Run(["validate", file]);
        Assert.True(result.ExitCode == 2, result.ToString());
        var all = result.StandardOutput + result.StandardError;
        Assert.Contains("bad-hw.json", all, StringComparison.Ordinal);
        Assert.Contains(path, all, StringComparison.Ordinal);
        Assert.Contains(message, all, StringComparison.Ordinal);
    }

    [Fact]
    public void A_block_disk_is_refused_a_driver_that_cannot_drive_it()
    {
        var file = Write("wrong-driver", """
            {
              "name": "wrong-driver", "duration": "1ms",
              "devices": [ { "name": "disk0", "type": "block-disk", "irq": 11 } ],
              "drivers": [ { "name": "ramdisk", "device": "disk0" } ]
            }
            """);
        var result = HostProcess.Run(["validate", file]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("$.drivers[0].device", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.Contains("it drives: block-disk", HostProcess.Run(["validate", Write("w2", """
            {
              "name": "w2", "duration": "1ms",
              "devices": [ { "name": "n", "type": "root-device", "irq": 5 } ],
              "drivers": [ { "name": "block-storage", "device": "n" } ]
            }
            """)]).ToString(), StringComparison.Ordinal);
    }
}
