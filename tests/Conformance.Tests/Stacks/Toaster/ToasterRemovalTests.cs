using ActorKernel.Actors;
using ActorKernel.Drivers.Toaster;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.Stacks.Toaster;

/// <summary>
/// A toaster stack's removal by the PnP manager: an orderly removal (CM_Query_And_Remove_SubTree:
/// QUERY_REMOVE, then REMOVE down the stack) takes every filter and toaster.sys away and leaves the PDO
/// of a toaster still plugged in; a toaster unplugged through the bus's IOCTL is missing from
/// BusRelations, so the PnP manager surprise-removes and removes it, and busenum.sys deletes its PDO.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class ToasterRemovalTests
{
    [Fact]
    public void Removing_a_plugged_in_toaster_takes_down_filters_and_function_device_and_keeps_the_pdo_on_the_bus()
    {
        using var bed = new ToasterBed();
        bed.Run(async () => await bed.PlugIn(1));
        var node = bed.Pnp.Node(ToasterBed.ToasterInstance(1));
        var pdo = node.PhysicalDeviceObject;

        Assert.Null(QueryRemove(bed, node));

        Assert.Equal(["IRP_MN_QUERY_REMOVE_DEVICE", "IRP_MN_REMOVE_DEVICE"], RemovalIrps(bed, node));
        Assert.Equal(DeviceNodeState.Removed, node.State); // still on the bus: the node stays, removed
        Assert.Null(pdo.AttachedDevice); // every filter and the toaster FDO detached
        Assert.Equal([1u], bed.BusExtension.PresentSerialNumbers);
        Assert.False(pdo.DeletePending, "the PDO stays while the toaster is on the bus");
        Assert.False(pdo.GetExtension<BusEnumPdoExtension>().Started);
        Assert.Equal(Win32Error.FileNotFound, OpenError(bed, @"\\.\Toaster0"));
    }

    [Fact]
    public void Removing_a_toaster_the_bus_reported_missing_deletes_its_pdo()
    {
        using var bed = new ToasterBed();
        bed.Run(async () => await bed.PlugIn(1, 2));
        var node = bed.Pnp.Node(ToasterBed.ToasterInstance(1));
        var pdo = node.PhysicalDeviceObject;
        bed.Run(async () =>
        {
            var bus = await CreateFile(@"\\.\BusEnum0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            await bed.Control(bus, ToasterCodes.IoctlBusEnumUnplugHardware, ToasterCodes.UnplugHardware(1));
            await CloseHandle(bus);
        });

        // The next BusRelations left the toaster out: the PnP manager surprise-removed it and, no handle being open, removed it.
        Assert.Equal(["IRP_MN_SURPRISE_REMOVAL", "IRP_MN_REMOVE_DEVICE"], RemovalIrps(bed, node));
        Assert.Equal(DeviceNodeState.Deleted, node.State);
        Assert.Null(bed.Pnp.Pnp.FindDeviceNode(ToasterBed.ToasterInstance(1)));
        Assert.True(pdo.DeletePending, "IoDeleteDevice on the PDO after its removal");
        Assert.DoesNotContain(pdo, bed.Bus.PhysicalDeviceObject.AttachedDevice!.DriverObject.DeviceObjects);
        Assert.Equal([2u], bed.BusExtension.PresentSerialNumbers);
    }

    /// <summary>The PnP manager's orderly removal of <paramref name="node"/>; its veto, or null when removed.</summary>
    private static PnpVeto? QueryRemove(ToasterBed bed, DeviceNode node)
    {
        var completion = new PnpActionCompletion();
        bed.Pnp.Pnp.RequestQueryRemove(node, completion);
        bed.Pnp.RunUntil(() => completion.IsCompleted && bed.Pnp.Pnp.IsIdle);
        return completion.Veto;
    }

    /// <summary>The removal IRPs the PnP manager sent the node, in order.</summary>
    private static List<string> RemovalIrps(ToasterBed bed, DeviceNode node) =>
        [.. bed.Pnp.Steps(node).Select(s => s.Split(' ')[0]).Where(s => s is "IRP_MN_QUERY_REMOVE_DEVICE" or "IRP_MN_REMOVE_DEVICE" or "IRP_MN_SURPRISE_REMOVAL" or "IRP_MN_CANCEL_REMOVE_DEVICE")];

    private static Win32Error OpenError(ToasterBed bed, string name)
    {
        Win32Error error = default;
        bed.Run(async () =>
        {
            var handle = await CreateFile(name, GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            error = handle.IsValid ? Win32Error.Success : GetLastError();
        });
        return error;
    }
}
