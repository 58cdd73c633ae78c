using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>
/// Each driver is an actor: its driver object's actor admits DriverEntry, the PnP manager's AddDevice
/// calls and DriverUnload, in one order, counts the driver's device objects, and refuses AddDevice
/// once the driver's unload is pending; the routines themselves run on the processors.
/// </summary>
[Trait("Area", "Pnp")]
public sealed class DriverActorTests
{
    private static DriverState StateOf(PnpBed bed, DriverObject driver)
    {
        var ask = driver.Actor!.Ask<DriverState>(GetDriverState.Instance, TimeSpan.FromSeconds(5));
        bed.RunUntil(() => ask.IsCompleted);
        return ask.Result;
    }

    [Fact]
    public void A_drivers_actor_admits_DriverEntry_once_then_each_AddDevice_and_counts_its_device_objects()
    {
        using var bed = new PnpBed();
        bed.PlaceBlockDisk("disk0");
        bed.PlaceNic("nic0");
        bed.Enumerate(PnpBed.BaseRegistry);

        var pci = bed.Io.Drivers.Single(d => d.ServiceName == Pci.ServiceName);
        var state = StateOf(bed, pci);
        Assert.Equal(DriverLifeState.Loaded, state.State);
        Assert.Equal(DriverLifeState.Loaded, pci.LifeState);
        Assert.Equal(1, state.AddDeviceCalls); // one PCI bus
        Assert.Equal(pci.DeviceObjects.Count, state.DeviceObjects); // its FDO and a PDO per card
        Assert.Equal(3, state.DeviceObjects);
        Assert.Equal(["DriverEntry -> STATUS_SUCCESS (0x00000000)", "AddDevice -> STATUS_SUCCESS (0x00000000)"], state.Steps);

        var serial = bed.Io.Drivers.Single(d => d.ServiceName == "BlkMini");
        var blk = StateOf(bed, serial);
        Assert.Equal((DriverLifeState.Loaded, 2, 1L), (blk.State, blk.DeviceObjects, blk.AddDeviceCalls)); // the one disk's FDO and the LUN PDO it reports
    }

    [Fact]
    public void AddDevice_for_a_driver_whose_unload_is_pending_is_refused_STATUS_DELETE_PENDING_and_the_node_gets_CM_PROB_FAILED_ADD()
    {
        using var bed = new PnpBed();
        var journal = new List<string>();
        // The NIC's driver: a journaling function driver whose DriverUnload takes 10 ms (the re-enumeration below ends well within).
        bed.AddImage("slownic.sys", async (driver, path) =>
        {
            var status = await PnpTestDrivers.JournalFilter("SlowNic", journal)(driver, path);
            driver.DriverUnload = async _ => await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -100_000);
            return status;
        });
        bed.PlaceNic("nic0");
        bed.Enumerate("""
            [Services]
            pci = pci.sys
            SlowNic = slownic.sys

            [Drivers]
            *PNP0A03 = pci, System
            PCI\VEN_8086&DEV_100E = SlowNic, Net

            [Root]
            *PNP0A03\0000 =
            """);
        var slow = bed.Io.Drivers.Single(d => d.ServiceName == "SlowNic");
        Assert.Equal(["AddDevice SlowNic"], journal.Where(l => l.StartsWith("AddDevice", StringComparison.Ordinal)));

        // The unload starts in a system thread; while DriverUnload runs, a second card arrives.
        bed.Machine.CreateSystemThread(0, KernelModule.Kernel, "Unloader", async _ => await bed.Io.UnloadDriverAsync(slow));
        bed.RunUntil(() => slow.LifeState == DriverLifeState.UnloadPending);
        var bus = bed.Node(@"Root\*PNP0A03\0000");
        bed.PlaceNic("nic1");
        bed.Machine.RunRoutine(0, KernelModule.Kernel, "BusNoticedArrival", () =>
        {
            IoInvalidateDeviceRelations(bus.PhysicalDeviceObject, DeviceRelationType.BusRelations);
            return ValueTask.CompletedTask;
        }, Irql.DispatchLevel);
        bed.RunUntil(() => bed.Pnp.IsIdle && bus.Children.Count == 2 && slow.LifeState == DriverLifeState.Unloaded);

        var second = bus.Children[1];
        Assert.Equal(CmProblem.FailedAdd, second.Problem);
        Assert.Equal(NtStatus.DeletePending, second.ProblemStatus);
        Assert.Equal(["AddDevice SlowNic"], journal.Where(l => l.StartsWith("AddDevice", StringComparison.Ordinal))); // its AddDevice never ran
        Assert.Contains(@"AddDevice \Driver\SlowNic (DeviceDriver) -> STATUS_DELETE_PENDING (0xC0000056)", bed.Steps(second));
        var state = StateOf(bed, slow);
        Assert.Equal(DriverLifeState.Unloaded, state.State);
        Assert.Equal(1, state.AddDeviceRefused);
        Assert.Equal(
        [
            "DriverEntry -> STATUS_SUCCESS (0x00000000)",
            "AddDevice -> STATUS_SUCCESS (0x00000000)",
            "AddDevice refused (UnloadPending)",
            "DriverUnload -> STATUS_SUCCESS (0x00000000)",
        ], state.Steps);
    }
}
