using ActorKernel.Actors;
using ActorKernel.Drivers.Toaster;

namespace ActorKernel.Host.Tests.Stacks;

/// <summary>
/// Issue 19, acceptance 1 for the toaster family: the shipped <c>toaster</c> scenario, run by the host's
/// runner, has the PnP manager build busenum.sys on the root-enumerated bus, enum.exe plug toasters in
/// through the bus's IOCTL, each toaster stack take its device filters from its device key and its class
/// filters from the TOASTER class key, user programs write and read each toaster's settings (every read
/// checked), and enum.exe's unplug IOCTL remove toaster 2's stack.
/// </summary>
[Trait("Area", "Stacks")]
[Trait("Area", "Pnp")]
public sealed class ToasterScenarioTests
{
    private static readonly string Toaster1 = ToasterCodes.BusHardwareId + @"\01";
    private static readonly string Toaster2 = ToasterCodes.BusHardwareId + @"\02";

    private const string TreeAfterBoot = """
        DevNode HTREE\ROOT\0
          State = DeviceNodeStarted (0x308)
          Stack = PnpManager
          DevNode Root\busenum\0000
            State = DeviceNodeStarted (0x308)
            Service = BusEnum (Class System)
            Stack = BusEnum > PnpManager
            DevNode {B85B7C50-6A01-11d2-B841-00C04FAD5171}\MsToaster\01
              State = DeviceNodeStarted (0x308)
              Service = Toaster (Class TOASTER)
              Stack = ClsUpper > DevUpper > Toaster > ClsLower > DevLower > BusEnum
            DevNode {B85B7C50-6A01-11d2-B841-00C04FAD5171}\MsToaster\02
              State = DeviceNodeStarted (0x308)
              Service = Toaster (Class TOASTER)
              Stack = ClsUpper > DevUpper > Toaster > ClsLower > DevLower > BusEnum

        """;

    [Fact]
    public void The_toaster_scenario_boots_the_bus_and_the_two_toasters_enum_exe_plugged_in_each_stack_with_its_device_and_class_filters()
    {
        using var run = new StackScenario("toaster");
        var machine = run.Machines.Single();
        var pnp = machine.Pnp!;

        Assert.Equal(TreeAfterBoot.Replace("\r\n", "\n", StringComparison.Ordinal), pnp.DumpDeviceTree());
        // The registry the scenario became: device filters on each toaster's device key, class filters on the class key.
        Assert.Contains("[Device {B85B7C50-6A01-11d2-B841-00C04FAD5171}\\MsToaster\\01]\nUpperFilters = DevUpper\nLowerFilters = DevLower\n", machine.RegistryText, StringComparison.Ordinal);
        Assert.Contains("[Class TOASTER]\nUpperFilters = ClsUpper\nLowerFilters = ClsLower\n", machine.RegistryText, StringComparison.Ordinal);
        Assert.Contains("busenum\\0000 =", machine.RegistryText, StringComparison.Ordinal);
        // The toasters came from a user program through the bus FDO's IOCTL, not from the runner's hand.
        Assert.Contains("enum.exe plugged in toaster toaster1 (serial 1): STATUS_SUCCESS (0x00000000)", run.Simulation.Complete().Notes);
        Assert.Contains("enum.exe plugged in toaster toaster2 (serial 2): STATUS_SUCCESS (0x00000000)", run.Simulation.Complete().Notes);

        var bus = pnp.FindDeviceNode(@"Root\busenum\0000")!;
        var busStack = StackScenario.StackOf(bus);
        Assert.Equal([PnpManager.RootDriverServiceName, BusEnum.ServiceName], busStack.Select(d => d.DriverObject.ServiceName));
        Assert.Equal(@"\Device\BusEnum0", busStack[1].Name);
        Assert.IsType<BusEnumFdoExtension>(busStack[1].DeviceExtension);
        Assert.Equal(bus.Children, [pnp.FindDeviceNode(Toaster1)!, pnp.FindDeviceNode(Toaster2)!]);

        foreach (var (node, number, target) in new[] { (Toaster1, 0, machine.Targets[1]), (Toaster2, 1, machine.Targets[2]) }.Select(t => (pnp.FindDeviceNode(t.Item1)!, t.Item2, t.Item3)))
        {
            var stack = StackScenario.StackOf(node);
            // Bottom up: busenum.sys's PDO, device LowerFilters, class LowerFilters, toaster.sys, device UpperFilters, class UpperFilters.
            Assert.Equal([@"\Driver\BusEnum", @"\Driver\DevLower", @"\Driver\ClsLower", @"\Driver\Toaster", @"\Driver\DevUpper", @"\Driver\ClsUpper"],
                stack.Select(d => d.DriverObject.Name));
            Assert.Equal(["busenum.sys", "devlower.sys", "clslower.sys", "toaster.sys", "devupper.sys", "clsupper.sys"], target.Layers);
            Assert.IsType<BusEnumPdoExtension>(stack[0].DeviceExtension);
            Assert.True(stack[0].Flags.HasFlag(DeviceObjectFlags.BusEnumeratedDevice));
            Assert.IsType<ToasterExtension>(stack[3].DeviceExtension);
            Assert.All(new[] { stack[1], stack[2], stack[4], stack[5] }, d => Assert.IsType<ToasterFilterExtension>(d.DeviceExtension));
            Assert.Equal(FormattableString.Invariant($@"\Device\Toaster{number}"), stack[3].Name);
            Assert.Equal(stack[3].Name, target.DeviceName);
            Assert.Same(node.PhysicalDeviceObject, target.Pdo);
        }
        // The PnP manager's AddDevice order for a toaster: device lower, class lower, function, device upper, class upper.
        var adds = pnp.Log.Where(e => e.Node == pnp.FindDeviceNode(Toaster1) && e.What.StartsWith("AddDevice", StringComparison.Ordinal)).Select(e => e.What).ToList();
        Assert.Equal(["AddDevice \\Driver\\DevLower (LowerFilter)", "AddDevice \\Driver\\ClsLower (LowerClassFilter)", "AddDevice \\Driver\\Toaster (DeviceDriver)",
            "AddDevice \\Driver\\DevUpper (UpperFilter)", "AddDevice \\Driver\\ClsUpper (UpperClassFilter)"], adds.Select(a => a[..a.IndexOf(" ->", StringComparison.Ordinal)]));
    }

    [Fact]
    public void The_toaster_workloads_read_back_what_they_wrote_through_every_filter_and_enum_exe_unplugging_toaster_2_removes_its_stack()
    {
        using var run = new StackScenario("toaster");
        var machine = run.Machines.Single();
        var pnp = machine.Pnp!;
        var toaster1 = StackScenario.StackOf(pnp.FindDeviceNode(Toaster1)!);
        var toaster2Pdo = pnp.FindDeviceNode(Toaster2)!.PhysicalDeviceObject;

        var result = run.RunToEnd();

        foreach (var (name, workload) in new[] { ("settings1", result.Workloads[0]), ("settings2", result.Workloads[1]) })
        {
            Assert.Equal(0, workload.Failed);
            Assert.True(workload.Reads > 0 && workload.Writes > 0, name);
            // Every successful read was checked byte for byte against what this program wrote there.
            Assert.Equal(workload.Reads, StackScenario.Counter(result, $"workloads.{name}.verified"));
        }
        // Above toaster.sys each filter passed every read and write of toaster 1's program; below it, none (toaster.sys completes them).
        var settings1 = result.Workloads[0];
        foreach (var filter in toaster1.Where(d => d.DeviceExtension is ToasterFilterExtension))
        {
            var counts = filter.GetExtension<ToasterFilterExtension>();
            var above = toaster1.IndexOf(filter) > 3;
            Assert.Equal(above ? settings1.Reads : 0, counts.RequestCount(IrpMajorFunction.Read));
            Assert.Equal(above ? settings1.Writes : 0, counts.RequestCount(IrpMajorFunction.Write));
        }
        // enum.exe's IOCTL_BUSENUM_UNPLUG_HARDWARE: busenum.sys leaves toaster 2 out of BusRelations, the PnP manager
        // surprise-removes it and, its program's handle closed, removes it; the PDO of a toaster reported missing is deleted.
        Assert.Contains("enum.exe unplugged toaster toaster2 (serial 2): STATUS_SUCCESS (0x00000000)", result.Notes);
        Assert.Null(pnp.FindDeviceNode(Toaster2));
        Assert.Contains(pnp.Log, e => e.Node?.InstancePath == Toaster2 && e.What.StartsWith("IRP_MN_SURPRISE_REMOVAL", StringComparison.Ordinal));
        Assert.Contains(pnp.Log, e => e.Node?.InstancePath == Toaster2 && e.What.StartsWith("IRP_MN_REMOVE_DEVICE", StringComparison.Ordinal));
        Assert.True(toaster2Pdo.DeletePending, "the missing toaster's PDO was deleted (IoDeleteDevice)");
        Assert.DoesNotContain(toaster2Pdo, toaster2Pdo.DriverObject.DeviceObjects);
        Assert.DoesNotContain(@"MsToaster\02", result.DeviceTree, StringComparison.Ordinal);
        Assert.Equal(DeviceNodeState.Started, pnp.FindDeviceNode(Toaster1)!.State);
        Assert.Equal(toaster1, StackScenario.StackOf(pnp.FindDeviceNode(Toaster1)!));
    }
}
