using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>
/// Each driver is an actor: its driver object's actor admits DriverEntry, the PnP manager's AddDevice
/// calls and DriverUnload, in one order, counts the driver's device objects, and refuses AddDevice
/// once the driver's unload was invoked (DRVO_UNLOAD_INVOKED, the one unload-pending state); a device
/// that needs a driver being unloaded gets NT's answer; the routines themselves run on the processors.
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

    /// <summary>A PnP bed with one NIC driven by SlowNic, a journaling function driver whose DriverUnload takes 10 ms.</summary>
    private static (PnpBed Bed, DriverObject Slow, List<string> Journal) SlowNicBed()
    {
        var bed = new PnpBed();
        var journal = new List<string>();
        bed.AddImage("slownic.sys", async (driver, path) =>
        {
            var status = await PnpTestDrivers.JournalFilter("SlowNic", journal)(driver, path);
            driver.DriverUnload = async _ => await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -100_000);
            return status;
        });
        bed.PlaceNic("nic0");
        bed.Enumerate(SlowNicRegistry);
        var slow = bed.Io.Drivers.Single(d => d.ServiceName == "SlowNic");
        Assert.Equal(["AddDevice SlowNic"], journal.Where(l => l.StartsWith("AddDevice", StringComparison.Ordinal)));
        return (bed, slow, journal);
    }

    private const string SlowNicRegistry = """
        [Services]
        pci = pci.sys
        SlowNic = slownic.sys

        [Drivers]
        *PNP0A03 = pci, System
        PCI\VEN_8086&DEV_100E = SlowNic, Net

        [Root]
        *PNP0A03\0000 =
        """;

    /// <summary>A second card arrives: pci.sys reports it and the PnP manager sets it up.</summary>
    private static DeviceNode PlugSecondNic(PnpBed bed)
    {
        var bus = bed.Node(@"Root\*PNP0A03\0000");
        bed.PlaceNic("nic1");
        bed.Machine.RunRoutine(0, KernelModule.Kernel, "BusNoticedArrival", () =>
        {
            IoInvalidateDeviceRelations(bus.PhysicalDeviceObject, DeviceRelationType.BusRelations);
            return ValueTask.CompletedTask;
        }, Irql.DispatchLevel);
        bed.RunUntil(() => bed.Pnp.IsIdle && bus.Children.Count == 2);
        return bus.Children[1];
    }

    [Fact]
    public void A_device_whose_driver_is_being_unloaded_gets_no_AddDevice_STATUS_IMAGE_ALREADY_LOADED_and_CM_PROB_DRIVER_FAILED_LOAD()
    {
        var (bed, slow, journal) = SlowNicBed();
        using (bed)
        {
            // The unload starts in a system thread; while DriverUnload runs (DRVO_UNLOAD_INVOKED), a second card arrives.
            bed.Machine.CreateSystemThread(0, KernelModule.Kernel, "Unloader", async _ => await bed.Io.UnloadDriverAsync(slow));
            bed.RunUntil(() => slow.LifeState == DriverLifeState.UnloadPending);
            Assert.True(slow.UnloadPending, "DRVO_UNLOAD_INVOKED is the driver's life state, one mechanism");

            var second = PlugSecondNic(bed);
            bed.RunUntil(() => slow.LifeState == DriverLifeState.Unloaded);

            // NT: IopLoadDriver finds the image loaded and IopResurrectDriver refuses a driver whose unload was invoked
            // (STATUS_IMAGE_ALREADY_LOADED); PipCallDriverAddDevice reports STATUS_DRIVER_UNABLE_TO_LOAD, problem 39.
            Assert.Equal((CmProblem.DriverFailedLoad, 39), (second.Problem, (int)second.Problem));
            Assert.Equal(NtStatus.DriverUnableToLoad, second.ProblemStatus);
            Assert.Equal(0xC000026Cu, (uint)second.ProblemStatus);
            Assert.Contains("load slownic.sys for service SlowNic: its unload was invoked (DRVO_UNLOAD_INVOKED) -> STATUS_IMAGE_ALREADY_LOADED", bed.Steps(second));
            Assert.Equal(["AddDevice SlowNic"], journal.Where(l => l.StartsWith("AddDevice", StringComparison.Ordinal))); // its AddDevice never ran
            var state = StateOf(bed, slow);
            Assert.Equal(DriverLifeState.Unloaded, state.State);
            Assert.Equal(
            [
                "DriverEntry -> STATUS_SUCCESS (0x00000000)",
                "AddDevice -> STATUS_SUCCESS (0x00000000)",
                "DriverUnload -> STATUS_SUCCESS (0x00000000)",
            ], state.Steps);
        }
    }

    [Fact]
    public void A_drivers_actor_refuses_AddDevice_once_its_unload_was_invoked_with_STATUS_IMAGE_ALREADY_LOADED_and_the_routine_never_runs()
    {
        var (bed, slow, journal) = SlowNicBed();
        using (bed)
        {
            bed.Machine.CreateSystemThread(0, KernelModule.Kernel, "Unloader", async _ => await bed.Io.UnloadDriverAsync(slow));
            bed.RunUntil(() => slow.LifeState == DriverLifeState.UnloadPending);
            NtStatus? refused = null;
            var ran = false;

            // An AddDevice that got past the load check just before the unload was invoked reaches the driver's actor now.
            bed.Machine.CreateSystemThread(0, KernelModule.Kernel, "LateAddDevice", async _ =>
                refused = await bed.Io.IopCallDriverLifeRoutine(slow, IopDriverRoutine.AddDevice, () =>
                {
                    ran = true;
                    return ValueTask.FromResult(NtStatus.Success);
                }));
            bed.RunUntil(() => refused is not null && slow.LifeState == DriverLifeState.Unloaded);

            Assert.Equal(NtStatus.ImageAlreadyLoaded, refused);
            Assert.False(ran, "the refused AddDevice did not run");
            var state = StateOf(bed, slow);
            Assert.Equal(1, state.AddDeviceRefused);
            Assert.Contains("AddDevice refused (UnloadPending)", state.Steps);
            Assert.Equal(["AddDevice SlowNic"], journal.Where(l => l.StartsWith("AddDevice", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void A_device_whose_drivers_previous_instance_is_still_in_memory_gets_STATUS_DRIVER_FAILED_PRIOR_UNLOAD_and_CM_PROB_DRIVER_FAILED_PRIOR_UNLOAD()
    {
        using var bed = new PnpBed();
        var journal = new List<string>();
        // LingerNic: on IRP_MN_REMOVE_DEVICE it queues a work item (which holds its image) before it deletes its device.
        // This bed has no system worker thread, so the item stays queued and the image stays in memory.
        bed.AddImage("slownic.sys", async (driver, path) =>
        {
            var status = await PnpTestDrivers.JournalFilter("SlowNic", journal)(driver, path);
            var pnp = driver.MajorFunction[(int)IrpMajorFunction.Pnp];
            driver.MajorFunction[(int)IrpMajorFunction.Pnp] = async (device, irp) =>
            {
                if (IoGetCurrentIrpStackLocation(irp).MinorFunction != (byte)PnpMinorFunction.RemoveDevice)
                {
                    return await pnp(device, irp);
                }
                IoQueueWorkItem(IoAllocateWorkItem(device), (_, _) => ValueTask.CompletedTask, WorkQueueType.DelayedWorkQueue, null, "LingerAfterRemove");
                var lower = device.AttachedTo!;
                IoSkipCurrentIrpStackLocation(irp);
                var passed = await IoCallDriver(lower, irp);
                IoDetachDevice(lower);
                IoDeleteDevice(device);
                return passed;
            };
            driver.DriverUnload = _ => ValueTask.CompletedTask;
            return status;
        });
        bed.PlaceNic("nic0");
        bed.Enumerate(SlowNicRegistry);
        var first = bed.Node(@"PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\00");
        var completion = new PnpActionCompletion();
        bed.Pnp.RequestQueryRemove(first, completion);
        bed.RunUntil(() => completion.IsCompleted && bed.Pnp.IsIdle);
        Assert.Null(completion.Veto);
        Assert.DoesNotContain(bed.Io.Drivers, d => d.ServiceName == "SlowNic"); // DriverUnload ran, \Driver\SlowNic is gone

        var second = PlugSecondNic(bed);

        // NT: IopLoadDriver finds the image still loaded and no driver object of that name: STATUS_DRIVER_FAILED_PRIOR_UNLOAD,
        // which PipCallDriverAddDevice reports as problem 38 ("a previous instance of the device driver is still in memory").
        Assert.Equal((CmProblem.DriverFailedPriorUnload, 38), (second.Problem, (int)second.Problem));
        Assert.Equal(NtStatus.DriverFailedPriorUnload, second.ProblemStatus);
        Assert.Equal(0xC000038Eu, (uint)second.ProblemStatus);
        Assert.Equal(["AddDevice SlowNic"], journal.Where(l => l.StartsWith("AddDevice", StringComparison.Ordinal)));
    }
}
