using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>Issue 15, acceptance 2: the orderly removal (CM_Query_And_Remove_SubTree): vetoes, cancel, and the removal once nothing holds the device.</summary>
[Trait("Area", "Pnp")]
public sealed class RemovalQueryTests
{
    [Fact]
    public void Query_remove_is_vetoed_PNP_VetoOutstandingOpen_by_an_open_handle_without_any_irp_and_succeeds_after_the_close()
    {
        using var bed = new PnpBed();
        bed.PlaceSlowDisk("disk0");
        bed.Enumerate(PnpBed.BaseRegistry);
        var path = RemovalBed.DiskPath(0);
        var node = bed.Node(path);
        var fdo = node.PhysicalDeviceObject.AttachedDevice!;
        (ConfigRet Result, PnpVetoType VetoType, string? VetoName) vetoed = default, removed = default;
        IoResult readAfterVeto = default;
        NtStatus reopen = default;
        bed.RunProcess(async p =>
        {
            var handle = await CreateFile(@"\\.\BlkDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            vetoed = await CfgMgr32.CM_Query_And_Remove_SubTree(path);
            var buffer = p.VirtualAlloc(4096);
            readAfterVeto = await ReadFile(handle, buffer, 512, new Overlapped { Offset = 0 }); // the device still works
            await CloseHandle(handle);
            removed = await CfgMgr32.CM_Query_And_Remove_SubTree(path);
            await CreateFile(@"\\.\BlkDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            reopen = GetLastNtStatus();
        });
        bed.RunUntil(() => bed.Pnp.IsIdle);

        Assert.Equal((ConfigRet.RemoveVetoed, PnpVetoType.OutstandingOpen, path), vetoed);
        Assert.Equal((0x17u, 5), ((uint)vetoed.Result, (int)vetoed.VetoType));
        Assert.True(readAfterVeto.Succeeded);
        Assert.Equal((ConfigRet.Success, PnpVetoType.TypeUnknown, (string?)null), removed);
        // The vetoed attempt sent nothing; the second one QUERY_REMOVE then REMOVE.
        Assert.Equal(["IRP_MN_START_DEVICE", "IRP_MN_QUERY_DEVICE_RELATIONS", "IRP_MN_QUERY_REMOVE_DEVICE", "IRP_MN_REMOVE_DEVICE"], bed.PnpIrps(path));
        Assert.Equal(NtStatus.ObjectNameNotFound, reopen);
        // The card is still in its slot: the node stays, removed, with only the bus driver's PDO; blkmini.sys is unloaded.
        Assert.Equal(DeviceNodeState.Removed, node.State);
        Assert.Equal(["pci"], node.DriverStack);
        Assert.True(fdo.DeletePending);
        Assert.False(node.PhysicalDeviceObject.DeletePending);
        Assert.Null(bed.BlkMini());
        Assert.DoesNotContain(bed.Pnp.Claims, c => c.Owner == node);
    }

    [Fact]
    public void A_driver_failing_QUERY_REMOVE_vetoes_PNP_VetoDevice_with_its_status_and_every_stack_asked_gets_CANCEL_REMOVE()
    {
        using var bed = new PnpBed();
        var journal = new List<string>();
        var filter = new VetoFilter("veto", journal) { Veto = true };
        bed.AddImage("veto.sys", filter.DriverEntry);
        bed.PlaceSlowDisk("disk0");
        bed.Enumerate(PnpBed.BaseRegistry.Replace("[Drivers]", "veto = veto.sys\n[Drivers]", StringComparison.Ordinal) + "\n[Class SCSIAdapter]\nUpperFilters = veto\n");
        var path = RemovalBed.DiskPath(0);
        var node = bed.Node(path);
        Assert.Equal(["veto", "BlkMini", "pci"], node.DriverStack);

        bed.Pnp.RequestQueryRemove(node);
        bed.RunUntil(() => bed.Pnp.IsIdle);

        Assert.Equal(new PnpVeto(PnpVetoType.Device, path, NtStatus.DeviceBusy), node.LastVeto);
        Assert.Equal(["veto IRP_MN_QUERY_REMOVE_DEVICE -> STATUS_DEVICE_BUSY", "veto IRP_MN_CANCEL_REMOVE_DEVICE"], journal);
        Assert.Equal(DeviceNodeState.Started, node.State);
        Assert.False(node.PhysicalDeviceObject.AttachedDevice!.RemovePending); // opens work again
        NtStatus open = default;
        bed.RunProcess(async _ =>
        {
            var handle = await CreateFile(@"\\.\BlkDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            open = GetLastNtStatus();
            await CloseHandle(handle);
        });
        Assert.Equal(NtStatus.Success, open);

        filter.Veto = false;
        journal.Clear();
        bed.Pnp.RequestQueryRemove(node);
        bed.RunUntil(() => bed.Pnp.IsIdle);
        Assert.Null(node.LastVeto);
        Assert.Equal(["veto IRP_MN_QUERY_REMOVE_DEVICE", "veto IRP_MN_REMOVE_DEVICE", "veto DriverUnload"], journal);
        Assert.Equal(["pci"], node.DriverStack);
    }

    [Fact]
    public void Children_are_removed_before_their_parent_and_each_driver_unloads_after_its_last_device()
    {
        using var bed = new PnpBed();
        bed.PlaceSlowDisk("disk0");
        bed.PlaceNic("nic0");
        bed.Enumerate(PnpBed.BaseRegistry);
        var bus = bed.Node(@"Root\*PNP0A03\0000");
        Assert.Equal(2, bus.Children.Count);

        bed.Pnp.RequestQueryRemove(bus);
        bed.RunUntil(() => bed.Pnp.IsIdle);

        var removes = bed.Pnp.Log.Where(e => e.What.StartsWith("IRP_MN_REMOVE_DEVICE", StringComparison.Ordinal)).Select(e => e.Node.InstancePath).ToList();
        // The disk card's port reports its LUN: that grandchild goes first, then the cards, then the bus.
        Assert.Equal([@"SCSI\Disk&Ven_AKSIM&Prod_BLOCKDISK&Rev_1000\0&0&000000", RemovalBed.DiskPath(0), @"PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\08", @"Root\*PNP0A03\0000"], removes);
        var queries = bed.Pnp.Log.Where(e => e.What.StartsWith("IRP_MN_QUERY_REMOVE_DEVICE", StringComparison.Ordinal)).Select(e => e.Node.InstancePath).ToList();
        Assert.Equal(removes, queries);
        Assert.Null(bed.BlkMini());
        Assert.DoesNotContain(bed.Io.Drivers, d => d.ServiceName is "pci" or "AkNic" && d.DeviceObjects.Count > 0);
    }
}
