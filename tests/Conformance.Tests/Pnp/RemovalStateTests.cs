using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>IoInvalidateDeviceState: a driver that reports its device failed while running gets it surprise-removed and removed.</summary>
[Trait("Area", "Pnp")]
public sealed class RemovalStateTests
{
    [Fact]
    public void IoInvalidateDeviceState_with_PNP_DEVICE_FAILED_gives_CM_PROB_FAILED_POST_START_then_SURPRISE_REMOVAL_and_REMOVE_DEVICE()
    {
        using var bed = new PnpBed();
        var journal = new List<string>();
        var filter = new VetoFilter("flt", journal);
        bed.AddImage("flt.sys", filter.DriverEntry);
        bed.PlaceSlowDisk("disk0");
        bed.Enumerate(PnpBed.BaseRegistry.Replace("[Drivers]", "flt = flt.sys\n[Drivers]", StringComparison.Ordinal) + "\n[Class SCSIAdapter]\nUpperFilters = flt\n");
        var node = bed.Node(RemovalBed.DiskPath(0));
        Assert.Equal((DeviceNodeState.Started, CmProblem.None), (node.State, node.Problem));

        filter.ReportFailed = true;
        bed.Machine.RunRoutine(0, KernelModule.Kernel, "DeviceBroke", () =>
        {
            IoInvalidateDeviceState(node.PhysicalDeviceObject);
            return ValueTask.CompletedTask;
        }, Irql.DispatchLevel);
        bed.RunUntil(() => bed.Pnp.IsIdle && node.State == DeviceNodeState.Removed);

        Assert.Equal(CmProblem.FailedPostStart, node.Problem);
        Assert.Equal(["IRP_MN_SURPRISE_REMOVAL", "IRP_MN_REMOVE_DEVICE"], bed.PnpIrps(node.InstancePath)[^2..]);
        Assert.Equal(["flt IRP_MN_SURPRISE_REMOVAL", "flt IRP_MN_REMOVE_DEVICE", "flt DriverUnload"], journal);
        Assert.Equal(["pci"], node.DriverStack); // the card is still there: the node stays, with its problem
        Assert.Contains("Problem = CM_PROB_FAILED_POST_START", bed.Pnp.DumpDeviceTree(), StringComparison.Ordinal);
    }
}
