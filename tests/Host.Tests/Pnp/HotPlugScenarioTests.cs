using ActorKernel.Actors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host.Tests.Pnp;

/// <summary>Issue 15: the pnp-hotplug scenario's timeline plugs a card in and pulls one out, and the PnP manager follows the hardware.</summary>
[Trait("Area", "Pnp")]
public sealed class HotPlugScenarioTests
{
    private const string Disk0 = @"PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\00";
    private const string Disk1 = @"PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\08";

    [Fact]
    public void The_pnp_hotplug_timeline_builds_the_plugged_disks_stack_and_surprise_removes_the_pulled_one()
    {
        using var host = HostFactory.Build([]);
        var (scenario, runner, problems) = host.Services.GetRequiredService<ScenarioCheck>().Check("pnp-hotplug");
        Assert.True(scenario is not null && runner is not null, string.Join("\n", problems));
        var context = new SimulationContext(scenario!, scenario!.Machine.Seed!.Value, scenario.DispatcherKind, scenario.DurationNanoseconds!.Value, 0, 0,
            host.Services.GetRequiredService<ILoggerFactory>());
        using var simulation = runner!.Boot(context);
        var pnp = ((KernelSimulation)simulation).Pnp!;
        Assert.Null(pnp.FindDeviceNode(Disk1));

        Assert.Equal(SimulationStatus.Running, simulation.Advance(150_000_000, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(DeviceNodeState.Started, pnp.FindDeviceNode(Disk1)?.State);
        Assert.Equal(["BlkMini", "pci"], pnp.FindDeviceNode(Disk1)!.DriverStack);

        simulation.Advance(350_000_000, TimeSpan.FromMinutes(1), CancellationToken.None);
        var disk0 = pnp.FindDeviceNode(Disk0);
        // The reader's handle is still open at the end: the stack waits for it, surprise-removed.
        Assert.Equal(DeviceNodeState.RemovePendingCloses, disk0?.State);
        Assert.Contains(pnp.Log, e => e.Node == disk0 && e.What.StartsWith("IRP_MN_SURPRISE_REMOVAL", StringComparison.Ordinal));
        Assert.Equal(DeviceNodeState.Started, pnp.FindDeviceNode(Disk1)?.State);
    }

    [Theory]
    [InlineData(@"""type"": ""hot-plug"", ""device"": ""disk1""", @"""type"": ""hot-plug"", ""device"": ""disk0""", "$.faults[0].device", "a hot-plug card is new: 'disk0' is a device placed at boot")]
    [InlineData(@"""type"": ""hot-unplug"", ""device"": ""disk0""", @"""type"": ""hot-unplug""", "$.faults[1].device", "the card pulled out")]
    public void A_hot_plug_event_names_a_new_card_and_a_hot_unplug_event_a_placed_one(string valid, string broken, string path, string message)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "scenarios", "pnp-hotplug.json"));
        Assert.DoesNotContain(ScenarioValidationTests.Problems(text), p => p.Severity == ProblemSeverity.Error);
        Assert.Contains(valid, text, StringComparison.Ordinal);
        var problems = ScenarioValidationTests.Problems(text.Replace(valid, broken, StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Severity == ProblemSeverity.Error && p.Path == path && p.Message.Contains(message, StringComparison.Ordinal));
    }
}
