using ActorKernel.Actors;
using ActorKernel.Hardware;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host.Tests.Pnp;

/// <summary>
/// The scenario's USB device types (docs/stacks-usb.md, "In a scenario"): a usb-host-controller on PCI
/// run by usbport/akehci, whose root hub the PnP manager finds, and a usb-mass-storage disk on its root
/// port that hot-unplug pulls out and hot-plug puts back.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class UsbScenarioTests
{
    private const string Controller = @"PCI\VEN_1234&DEV_EC00&SUBSYS_00000000&REV_00\00";

    private const string Scenario = """
        {
          "name": "usb-unit",
          "duration": "100ms",
          "machine": { "processors": 1, "dispatcher": "deterministic", "seed": 3 },
          "devices": [
            { "name": "usb0", "type": "usb-host-controller", "irq": 10, "parameters": { "irql": 7, "ports": 2 } },
            { "name": "usbdisk0", "type": "usb-mass-storage", "irq": 0, "parameters": { "controller": "usb0", "port": 2, "size": 1048576 } }
          ],
          "drivers": [ { "name": "usb-host-controller", "device": "usb0" } ],
          "faults": [
            { "at": "30ms", "type": "hot-unplug", "device": "usbdisk0" },
            { "at": "60ms", "type": "hot-plug", "device": "usbdisk0" }
          ]
        }
        """;

    [Fact]
    public void A_usb_host_controller_runs_under_usbport_and_reports_its_root_hub_and_its_disk_leaves_and_returns_on_the_timeline()
    {
        using var host = HostFactory.Build([]);
        var (scenario, runner, problems) = Check(host, Scenario);
        Assert.True(scenario is not null && runner is not null, string.Join("\n", problems));
        var context = new SimulationContext(scenario!, scenario!.Machine.Seed!.Value, scenario.DispatcherKind, scenario.DurationNanoseconds!.Value, 0, 0,
            host.Services.GetRequiredService<ILoggerFactory>());
        using var simulation = runner!.Boot(context);
        var kernel = (KernelSimulation)simulation;
        var pnp = kernel.Pnp!;
        Assert.Equal(DeviceNodeState.Started, pnp.FindDeviceNode(Controller)?.State);
        Assert.Equal(["AkEhci", "pci"], pnp.FindDeviceNode(Controller)!.DriverStack);
        Assert.Same(pnp.FindDeviceNode(Controller), pnp.FindDeviceNode(@"USB\ROOT_HUB20\0")?.Parent);
        var controller = kernel.UsbController("usb0")!;
        Assert.IsType<UsbMassStorageDevice>(controller.DeviceAt(2));

        simulation.Advance(40_000_000, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Null(controller.DeviceAt(2));
        var port = (UsbPortStatusControl)controller.Read((int)UsbHostControllerRegister.PortStatusControl1 + 4, AccessWidth.Dword);
        // Disconnected; the connect change itself is usbhub's to clear once it has handled it (usb-stack installs the hub).
        Assert.Equal(UsbPortStatusControl.None, port & UsbPortStatusControl.CurrentConnectStatus);

        simulation.Advance(30_000_000, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.IsType<UsbMassStorageDevice>(controller.DeviceAt(2));
    }

    [Theory]
    [InlineData("\"controller\": \"usb0\"", "\"controller\": \"usbdisk0\"", "$.devices[1].parameters.controller", "'usbdisk0' is not a usb-host-controller")]
    [InlineData("\"port\": 2", "\"port\": 3", "$.devices[1].parameters.port", "'usb0' has 2 root ports, not 3")]
    [InlineData("\"size\": 1048576", "\"size\": 5000", "$.devices[1].parameters.size", "size must be whole sectors")]
    public void A_usb_disk_names_a_controller_and_one_of_its_root_ports(string valid, string broken, string path, string message)
    {
        using var host = HostFactory.Build([]);
        Assert.DoesNotContain(Check(host, Scenario).Problems, p => p.Severity == ProblemSeverity.Error);
        var problems = Check(host, Scenario.Replace(valid, broken, StringComparison.Ordinal)).Problems;
        Assert.Contains(problems, p => p.Severity == ProblemSeverity.Error && p.Path == path && p.Message.Contains(message, StringComparison.Ordinal));
    }

    /// <summary>Loads, validates and runner-checks <paramref name="json"/> from a file, as 'run' does.</summary>
    private static (Scenario? Scenario, IScenarioRunner? Runner, IReadOnlyList<ScenarioProblem> Problems) Check(Microsoft.Extensions.Hosting.IHost host, string json)
    {
        var file = Path.Combine(Path.GetTempPath(), $"usb-unit-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}.json");
        File.WriteAllText(file, json);
        try
        {
            return host.Services.GetRequiredService<ScenarioCheck>().Check(file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
