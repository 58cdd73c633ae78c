using ActorKernel.Actors;
using ActorKernel.Drivers.Serial;
using ActorKernel.Host.Debugger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host.Tests.Debugger;

/// <summary>serial.sys's WMI data blocks through the kernel's WMI and the WMI library, and the wmi verb.</summary>
[Trait("Area", "Debugger")]
public sealed class WmiTests : IDisposable
{
    // A UART under serial.sys; the workload writes 16 bytes twice (at 9600 baud the second write is out by 30 ms).
    internal const string SerialScenario = """
        {
          "name": "serial-wmi", "duration": "50ms",
          "machine": { "processors": 2, "seed": 4, "dispatcher": "deterministic" },
          "devices": [ { "name": "com1", "type": "uart", "irq": 4 } ],
          "drivers": [ { "name": "serial", "device": "com1" } ],
          "workloads": [ { "name": "tx", "device": "com1", "mix": { "write": 1 }, "size": 16, "requests": 2 } ]
        }
        """;

    private const long At30ms = 30_000_000;
    private readonly IHost _host = HostFactory.Build([]);
    private readonly KernelSimulation _simulation;

    public WmiTests()
    {
        var file = WriteScenario();
        _simulation = KdScenario.BootSimulation(_host.Services.GetRequiredService<ScenarioCheck>(), _host.Services.GetRequiredService<ILoggerFactory>(), file, null, out var problems)
            ?.Simulation ?? throw new InvalidOperationException(string.Join("\n", problems));
    }

    internal static string WriteScenario()
    {
        var file = Path.Combine(TempDirectory.Create(), "serial-wmi.json");
        File.WriteAllText(file, SerialScenario);
        return file;
    }

    private Machine Machine => _simulation.Machine;

    private IoManager Io => _simulation.Io;

    private DeviceObject Port => Io.WmiProviders.Single().Device;

    [Fact]
    public void Serial_registers_its_data_blocks_with_IoWMIRegistrationControl_when_it_starts()
    {
        var provider = Assert.Single(Io.WmiProviders);
        Assert.Equal("\\Device\\Serial0", provider.Device.Name);
        Assert.Equal("Serial0", provider.InstanceBaseName);
        Assert.Equal([SerialWmi.CommGuid, SerialWmi.PerfGuid], provider.Blocks.Select(b => b.Guid));
        Assert.Equal(["MSSerial_CommInfo", "MSSerial_PerformanceInformation"], provider.Blocks.Select(b => b.ClassName));
    }

    [Fact]
    public void Query_all_data_returns_the_ports_performance_counters()
    {
        var (status, instances) = KdWmi.Query(Machine, Io, At30ms, "MSSerial_PerformanceInformation")!.Value;
        Assert.Equal(NtStatus.Success, status);
        var instance = Assert.Single(instances);
        Assert.Equal("Serial0_0", instance.InstanceName);
        var items = instance.Items.ToDictionary(i => i.Name, i => i.Value);
        // Both 16-byte writes went out through the transmitter FIFO; nothing came in, no line error.
        Assert.Equal(32, items["TransmittedCount"]);
        Assert.Equal(0, items["ReceivedCount"]);
        Assert.Equal(0, items["FrameErrorCount"] + items["SerialOverrunErrorCount"] + items["BufferOverrunErrorCount"] + items["ParityErrorCount"]);
        Assert.Equal([1u, 2, 3, 4, 5, 6], instance.Items.Select(i => i.DataId));
    }

    [Fact]
    public void Setting_a_block_serial_keeps_read_only_fails_with_STATUS_WMI_READ_ONLY()
    {
        Assert.Equal(NtStatus.WmiReadOnly, KdWmi.Set(Machine, Io, At30ms, "MSSerial_CommInfo", "Serial0_0", [("BaudRate", 19200)]));
        // The baud rate did not change.
        var (_, instances) = KdWmi.Query(Machine, Io, 0, "MSSerial_CommInfo")!.Value;
        Assert.Equal(9600, Assert.Single(Assert.Single(instances).Items).Value);
    }

    [Fact]
    public void Setting_an_item_with_no_SetWmiDataItem_routine_fails_with_STATUS_WMI_READ_ONLY_from_the_library()
    {
        NtStatus? status = null;
        KdWmi.RunThenAsk(Machine, 0, "Set", async () => status = await Wdm.IoWMISetSingleItem(Io, "MSSerial_PerformanceInformation", "Serial0_0", new WmiDataItem(1, "ReceivedCount", 5)));
        Assert.Equal(NtStatus.WmiReadOnly, status);
    }

    [Fact]
    public void A_method_with_no_ExecuteWmiMethod_routine_fails_with_STATUS_INVALID_DEVICE_REQUEST()
    {
        NtStatus? status = null;
        KdWmi.RunThenAsk(Machine, 0, "Execute", async () => status = await Wdm.WmiSendRequest(Port, WmiMinorFunction.ExecuteMethod,
            new WmiRequest { ProviderId = Port, DataPath = SerialWmi.PerfGuid, InstanceName = "Serial0_0", InstanceBaseName = "Serial0" }));
        Assert.Equal(NtStatus.InvalidDeviceRequest, status);
    }

    [Theory]
    [InlineData("MSFoo_NoSuchClass", "Serial0_0", NtStatus.WmiGuidNotFound)]
    [InlineData("MSSerial_CommInfo", "Serial0_7", NtStatus.WmiInstanceNotFound)]
    public void An_unknown_class_or_instance_gets_WMIs_not_found_status(string className, string instance, NtStatus expected)
    {
        Assert.Equal(expected, KdWmi.Set(Machine, Io, 0, className, instance, []));
    }

    [Fact]
    public void A_request_for_another_provider_is_forwarded_and_a_non_WMI_minor_is_passed_down()
    {
        // ProviderId names the PDO below serial.sys: WmiSystemControl says IrpForward and serial passes it down, as it
        // does a minor that is not WMI's (IrpNotWmi); the root bus's PDO is no WMI provider and the lowest driver, so it
        // completes both with the status WMI IRPs start with (had serial.sys answered, the query would have succeeded).
        var pdo = Port.AttachedTo!;
        NtStatus? forwarded = null, notWmi = null;
        KdWmi.RunThenAsk(Machine, 0, "Forward", async () =>
        {
            forwarded = await Wdm.WmiSendRequest(Port, WmiMinorFunction.QueryAllData, new WmiRequest { ProviderId = pdo, DataPath = SerialWmi.PerfGuid });
            notWmi = await Wdm.WmiSendRequest(Port, (WmiMinorFunction)0x0A, new WmiRequest { ProviderId = Port, DataPath = SerialWmi.PerfGuid });
        });
        Assert.Equal(NtStatus.NotSupported, forwarded);
        Assert.Equal(NtStatus.NotSupported, notWmi);
    }

    [Fact]
    public void Wmiprov_lists_the_providers_and_blocks_the_same_live_and_on_a_dump()
    {
        var live = KdCapture.Capture(Machine, [Io]);
        var path = Path.Combine(TempDirectory.Create(), "wmi.dmp.json");
        KdTarget.WriteDump(live, path);
        var onLive = new KdSession(live).Execute("!wmiprov");
        Assert.Equal(onLive, new KdSession(KdTarget.OpenDump(path)).Execute("!wmiprov"));
        Assert.Equal("""
            WMI data providers (IoWMIRegistrationControl, WMIREG_ACTION_REGISTER):

            Provider ADDR \Device\Serial0 (\Driver\Serial)  InstanceName base: Serial0
                {edb16a62-b16c-11d1-bd98-00a0c906be2d}  MSSerial_CommInfo                  1 instance(s)
                {56415acc-b16d-11d1-bd98-00a0c906be2d}  MSSerial_PerformanceInformation    1 instance(s)

            1 provider(s), 2 data block(s)
            """.ReplaceLineEndings("\n"), KdCommandTests.Normalise(onLive).TrimEnd('\n'));
    }

    [Fact]
    public void Wmi_query_prints_the_counters_and_a_refused_set_prints_the_status_and_exits_1()
    {
        var file = WriteScenario();
        var query = HostProcess.Run(["wmi", "query", "--scenario", file, "--at", "30ms", "MSSerial_PerformanceInformation"]);
        Assert.True(query.ExitCode == 0, query.ToString());
        Assert.Contains("MSSerial_PerformanceInformation: 1 instance(s) at ", query.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Serial0_0\n    ReceivedCount              = 0\n    TransmittedCount           = 32\n", query.StandardOutput.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        var set = HostProcess.Run(["wmi", "set", "--scenario", file, "MSSerial_CommInfo", "Serial0_0", "BaudRate=19200"]);
        Assert.Equal(1, set.ExitCode);
        Assert.Contains("MSSerial_CommInfo Serial0_0: set failed: STATUS_WMI_READ_ONLY (0xC00002C6)", set.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Aknic_exposes_its_frame_counters_and_the_library_refuses_a_set_it_has_no_routine_for()
    {
        var file = Path.Combine(TempDirectory.Create(), "nic-wmi.json");
        File.WriteAllText(file, """
            {
              "name": "nic-wmi", "duration": "5ms",
              "machine": { "processors": 2, "seed": 4, "dispatcher": "deterministic" },
              "devices": [
                { "name": "nic0", "type": "nic", "irq": 10, "parameters": { "link": "nic1" } },
                { "name": "nic1", "type": "nic", "irq": 12, "parameters": { "link": "nic0" } }
              ],
              "drivers": [ { "name": "aknic", "device": "nic0" }, { "name": "aknic", "device": "nic1" } ],
              "workloads": [
                { "name": "send", "device": "nic0", "mix": { "write": 1 }, "size": 256, "requests": 5 },
                { "name": "recv", "device": "nic1", "mix": { "read": 1 }, "size": 1514, "queueDepth": 2 }
              ]
            }
            """);
        var booted = KdScenario.BootSimulation(_host.Services.GetRequiredService<ScenarioCheck>(), _host.Services.GetRequiredService<ILoggerFactory>(), file, null, out var problems)
            ?? throw new InvalidOperationException(string.Join("\n", problems));
        using var simulation = booted.Simulation;
        var (status, instances) = KdWmi.Query(simulation.Machine, simulation.Io, 2_000_000, "AkNic_Statistics")!.Value;
        Assert.Equal(NtStatus.Success, status);
        Assert.Equal(2, instances.Count);
        var sent = instances.Single(i => i.InstanceName.EndsWith("0_0", StringComparison.Ordinal)).Items.Single(i => i.Name == "FramesSent").Value;
        var received = instances.Single(i => i.InstanceName.EndsWith("1_0", StringComparison.Ordinal)).Items.Single(i => i.Name == "FramesReceived").Value;
        // The five frames written to nic0 arrived at the linked nic1 and were read there.
        Assert.Equal(5, sent);
        Assert.Equal(5, received);
        Assert.Equal(NtStatus.WmiReadOnly, KdWmi.Set(simulation.Machine, simulation.Io, 0, "AkNic_Statistics", instances[0].InstanceName, [("FramesSent", 0)]));
    }

    public void Dispose()
    {
        _simulation.Dispose();
        _host.Dispose();
    }
}
