using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Ndis;

namespace ActorKernel.Host.Tests.Stacks;

/// <summary>
/// Issue 19, acceptance 1 for the network driver pair: the shipped <c>network-pair</c> and
/// <c>network-two-machines</c> scenarios, run by the host's runner, have the PnP manager build pci.sys
/// on the host bridge and, per adapter, the NDIS library's FDO for akndis.sys over pci.sys's PDO; the
/// programs' frames cross the cable and every frame received is checked against what its sender built.
/// </summary>
[Trait("Area", "Stacks")]
[Trait("Area", "Pnp")]
public sealed class NetworkScenarioTests
{
    private const string Bridge = @"Root\*PNP0A03\0000";

    private static string Adapter(int slot) => FormattableString.Invariant($@"PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\{slot << 3:X2}");

    /// <summary>The adapter's stack: pci.sys's PDO, the FDO NDIS made for akndis.sys, the driver object NDIS owns.</summary>
    private static void AssertAdapterStack(DeviceNode node, IoTarget target, int number)
    {
        Assert.Equal(DeviceNodeState.Started, node.State);
        Assert.Equal(["AkNdis", "pci"], node.DriverStack);
        var stack = StackScenario.StackOf(node);
        Assert.Equal([@"\Driver\pci", @"\Driver\AkNdis"], stack.Select(d => d.DriverObject.Name));
        Assert.IsType<PciPdoExtension>(stack[0].DeviceExtension);
        var fdo = stack[1];
        Assert.Equal(FormattableString.Invariant($@"\Device\AkNdis{number}"), fdo.Name);
        Assert.Equal(fdo.Name, target.DeviceName);
        Assert.Equal(["pci.sys", "akndis.sys"], target.Layers);
        Assert.Equal(DeviceType.PhysicalNetcard, fdo.DeviceType);
        // The FDO is NDIS's (extension NDIS_MINIPORT_BLOCK, adapter running); the miniport's state is the context it registered.
        var block = fdo.GetExtension<NdisMiniportBlock>();
        Assert.Equal(NdisMiniportState.Running, block.State);
        Assert.IsType<AkNdisAdapter>(block.MiniportAdapterContext);
        // \Driver\AkNdis: the dispatch table, AddDevice and DriverUnload are the NDIS library's.
        var driver = fdo.DriverObject;
        Assert.Equal(typeof(Ndis), driver.DriverExtension.AddDevice!.Method.DeclaringType);
        Assert.Equal(typeof(Ndis), driver.DriverUnload!.Method.DeclaringType);
        foreach (var major in new[] { IrpMajorFunction.Create, IrpMajorFunction.Read, IrpMajorFunction.Write, IrpMajorFunction.Pnp })
        {
            Assert.Equal(typeof(Ndis), driver.MajorFunction[(int)major].Method.DeclaringType);
        }
    }

    [Fact]
    public void The_network_pair_scenario_builds_pci_and_one_ndis_miniport_stack_per_adapter_through_PnP()
    {
        using var run = new StackScenario("network-pair");
        var machine = run.Machines.Single();
        var pnp = machine.Pnp!;

        var bridge = pnp.FindDeviceNode(Bridge)!;
        Assert.Same(pnp.RootDeviceNode, bridge.Parent);
        Assert.Equal(["pci", PnpManager.RootDriverServiceName], bridge.DriverStack);
        Assert.Equal([pnp.FindDeviceNode(Adapter(0))!, pnp.FindDeviceNode(Adapter(1))!], bridge.Children);
        AssertAdapterStack(pnp.FindDeviceNode(Adapter(0))!, machine.Targets[0], 0);
        AssertAdapterStack(pnp.FindDeviceNode(Adapter(1))!, machine.Targets[1], 1);
        // One driver object serves both adapters: akndis.sys was loaded once.
        Assert.Same(StackScenario.StackOf(pnp.FindDeviceNode(Adapter(0))!)[1].DriverObject, StackScenario.StackOf(pnp.FindDeviceNode(Adapter(1))!)[1].DriverObject);
        Assert.Contains("PCI\\VEN_8086&DEV_100E = AkNdis, Net", machine.RegistryText, StringComparison.Ordinal);
    }

    [Fact]
    public void On_the_network_pair_every_frame_a_program_sends_is_received_intact_on_the_other_adapter()
    {
        using var run = new StackScenario("network-pair");

        var result = run.RunToEnd();

        var byName = result.Workloads.ToDictionary(w => w.Name);
        foreach (var (send, receive) in new[] { ("send0", "receive1"), ("send1", "receive0") })
        {
            Assert.Equal(0, byName[send].Failed);
            Assert.True(byName[send].Completed > 10, $"{send} sent {byName[send].Completed} frames");
            // The senders stop 2 ms before the end: every frame sent was received and checked; only the reads still waiting are cancelled.
            Assert.Equal(byName[send].Completed, StackScenario.Counter(result, $"workloads.{receive}.verified"));
            Assert.Equal(byName[send].Completed, byName[receive].Completed);
            Assert.Equal(byName[receive].Failed, byName[receive].Cancelled);
        }
    }

    [Fact]
    public void On_two_machines_each_machine_builds_its_own_ndis_stack_and_frames_cross_the_cable_between_them_intact()
    {
        using var run = new StackScenario("network-two-machines");
        Assert.Equal(2, run.Machines.Count);
        foreach (var machine in run.Machines)
        {
            AssertAdapterStack(machine.Pnp!.FindDeviceNode(Adapter(0))!, machine.Targets[0], 0);
        }
        // Two machines, two PnP managers, two driver objects: nothing is shared but the cable.
        Assert.NotSame(run.Machines[0].Io.Drivers.Single(d => d.ServiceName == AkNdis.ServiceName), run.Machines[1].Io.Drivers.Single(d => d.ServiceName == AkNdis.ServiceName));

        var result = run.RunToEnd();

        var byName = result.Workloads.ToDictionary(w => w.Name);
        foreach (var (send, receive) in new[] { ("client/send", "server/receive"), ("server/send", "client/receive") })
        {
            Assert.Equal(0, byName[send].Failed);
            Assert.True(byName[send].Completed > 10, $"{send} sent {byName[send].Completed} frames");
            Assert.Equal(byName[send].Completed, StackScenario.Counter(result, FormattableString.Invariant($"{receive[..receive.IndexOf('/', StringComparison.Ordinal)]}.workloads.{receive[(receive.IndexOf('/', StringComparison.Ordinal) + 1)..]}.verified")));
            Assert.Equal(byName[send].Completed, byName[receive].Completed);
        }
    }
}
