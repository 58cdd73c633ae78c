using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>IoInvalidateDeviceRelations: a bus driver's report of a change makes the PnP manager enumerate the bus again.</summary>
[Trait("Area", "Pnp")]
public sealed class PnpInvalidateTests
{
    [Fact]
    public void IoInvalidateDeviceRelations_BusRelations_makes_the_pnp_manager_set_up_and_start_a_device_added_to_the_bus()
    {
        using var bed = new PnpBed();
        bed.PlaceBlockDisk("disk0");
        bed.Enumerate(PnpBed.BaseRegistry);
        var bus = bed.Node(@"Root\*PNP0A03\0000");
        Assert.Single(bus.Children);

        bed.PlaceNic("nic0"); // a card in slot 1 after boot
        var queried = bed.Steps(bus).Count;
        bed.Machine.RunRoutine(0, KernelModule.Kernel, "BusNoticedArrival", () =>
        {
            IoInvalidateDeviceRelations(bus.PhysicalDeviceObject, DeviceRelationType.BusRelations);
            return ValueTask.CompletedTask;
        }, Irql.DispatchLevel);
        bed.RunUntil(() => bed.Pnp.IsIdle && bus.Children.Count == 2 && bus.Children[1].State == DeviceNodeState.Started);

        Assert.Equal(@"PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\08", bus.Children[1].InstancePath);
        Assert.Equal(DeviceNodeState.Started, bus.Children[0].State);
        Assert.Equal("IRP_MN_QUERY_DEVICE_RELATIONS BusRelations -> STATUS_SUCCESS (0x00000000)", bed.Steps(bus)[queried]);
        Assert.Single(bed.Pnp.Log, e => e.Node == bus.Children[0] && e.What.StartsWith("IRP_MN_START_DEVICE", StringComparison.Ordinal)); // the disk is not started again
    }
}
