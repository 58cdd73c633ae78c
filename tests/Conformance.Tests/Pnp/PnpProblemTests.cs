using ActorKernel.Actors;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>A device that cannot be set up shows its problem code and the rest of the tree starts: issue 15, acceptance item 1.</summary>
[Trait("Area", "Pnp")]
public sealed class PnpProblemTests
{
    private const string Registry = PnpBed.BaseRegistry + """

        *PNP0501\0000 = com1
        *PNP0501\0001 = com2
        *PNP0400\0000 =
        *PNP0700\0000 =
        *PNP0F13\0000 =
        *PNP0B00\0000 =

        [Services]
        Parport = parport.sys
        Fdc = fdc.sys
        Mouclass = mouclass.sys

        [Drivers]
        *PNP0400 = Parport, Ports
        *PNP0700 = Fdc, FloppyDisk
        *PNP0F13 = Mouclass, Mouse
        """;

    private static PnpBed BrokenMachine()
    {
        var bed = new PnpBed();
        bed.AddImage("parport.sys", PnpTestDrivers.FailingDriverEntry);
        bed.AddImage("mouclass.sys", PnpTestDrivers.FailingAddDeviceEntry);
        // fdc.sys is not on disk.
        bed.PlaceUart("com1", 0x3F8, PnpBed.Com1Line);
        bed.PlaceRegisters("com2", 0x2F8, 4, PnpBed.Com2Line); // four ports: serial.sys fails its start (a 16550 needs eight)
        bed.PlaceBlockDisk("disk0");
        bed.Enumerate(Registry);
        return bed;
    }

    [Fact]
    public void A_driver_whose_DriverEntry_fails_leaves_CM_PROB_FAILED_DRIVER_ENTRY_37()
    {
        using var bed = BrokenMachine();
        var lpt = bed.Node(@"Root\*PNP0400\0000");

        Assert.Equal((CmProblem.FailedDriverEntry, 37, NtStatus.Unsuccessful), (lpt.Problem, (int)lpt.Problem, lpt.ProblemStatus));
        Assert.Equal(DeviceNodeState.Initialized, lpt.State);
        Assert.Equal(["PnpManager"], lpt.DriverStack);
        Assert.DoesNotContain(bed.Io.Drivers, d => d.ServiceName == "Parport");
    }

    [Fact]
    public void A_start_that_a_driver_fails_leaves_CM_PROB_FAILED_START_10_and_gives_the_resources_back()
    {
        using var bed = BrokenMachine();
        var com2 = bed.Node(@"Root\*PNP0501\0001");

        Assert.Equal((CmProblem.FailedStart, 10, NtStatus.InsufficientResources), (com2.Problem, (int)com2.Problem, com2.ProblemStatus));
        Assert.Equal(DeviceNodeState.AwaitingQueuedRemoval, com2.State);
        Assert.Null(com2.ResourceList);
        Assert.DoesNotContain(bed.Pnp.Claims, c => c.Owner == com2);
    }

    [Fact]
    public void A_missing_image_leaves_CM_PROB_DRIVER_FAILED_LOAD_39_and_a_failed_AddDevice_CM_PROB_FAILED_ADD_31()
    {
        using var bed = BrokenMachine();

        Assert.Equal(CmProblem.DriverFailedLoad, bed.Node(@"Root\*PNP0700\0000").Problem);
        Assert.Equal(39, (int)CmProblem.DriverFailedLoad);
        var mouse = bed.Node(@"Root\*PNP0F13\0000");
        Assert.Equal((CmProblem.FailedAdd, 31, NtStatus.InsufficientResources), (mouse.Problem, (int)mouse.Problem, mouse.ProblemStatus));
    }

    [Fact]
    public void A_device_no_driver_database_entry_matches_leaves_CM_PROB_FAILED_INSTALL_28()
    {
        using var bed = BrokenMachine();
        var rtc = bed.Node(@"Root\*PNP0B00\0000");

        Assert.Equal((CmProblem.FailedInstall, 28), (rtc.Problem, (int)rtc.Problem));
        Assert.Null(rtc.ServiceName);
    }

    [Fact]
    public void Failed_devices_do_not_stop_the_rest_of_the_tree_from_starting()
    {
        using var bed = BrokenMachine();

        Assert.Equal(DeviceNodeState.Started, bed.Node(@"Root\*PNP0501\0000").State);
        Assert.Equal(DeviceNodeState.Started, bed.Node(@"PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\00").State);
        var dump = bed.Pnp.DumpDeviceTree();
        Assert.Contains("Problem = CM_PROB_FAILED_DRIVER_ENTRY (Code 37), STATUS_UNSUCCESSFUL (0xC0000001)", dump, StringComparison.Ordinal);
        Assert.Contains("Problem = CM_PROB_FAILED_START (Code 10), STATUS_INSUFFICIENT_RESOURCES (0xC000009A)", dump, StringComparison.Ordinal);
        Assert.Equal(7, bed.Pnp.RootDeviceNode.Children.Count); // the PCI bus and six legacy devices
    }

    [Fact]
    public void A_driver_reporting_PNP_DEVICE_FAILED_after_start_leaves_CM_PROB_FAILED_POST_START_43()
    {
        using var bed = new PnpBed();
        bed.AddImage("broken.sys", PnpTestDrivers.JournalFilter("Broken", bed.Journal, reportFailed: true));
        bed.PlaceUart("com1", 0x3F8, PnpBed.Com1Line);
        bed.Enumerate(PnpBed.BaseRegistry + "\n*PNP0501\\0000 = com1\n" + """
            [Services]
            Broken = broken.sys

            [Device *PNP0501]
            UpperFilters = Broken
            """);
        var com1 = bed.Node(@"Root\*PNP0501\0000");

        Assert.Equal(PnpDeviceState.Failed, com1.DeviceState);
        Assert.Equal((CmProblem.FailedPostStart, 43), (com1.Problem, (int)com1.Problem));
    }

    [Fact]
    public void A_bus_reporting_two_pdos_with_the_same_ids_bugchecks_PNP_DETECTED_FATAL_ERROR_0xCA_1_naming_both_pdos()
    {
        using var bed = new PnpBed();
        bed.PlaceUart("com1", 0x3F8, PnpBed.Com1Line);
        var pnp = PnpManager.Create(bed.Machine, bed.Io, PnpRegistry.Parse(PnpBed.BaseRegistry + "\n*PNP0501\\0000 = com1\n*PNP0501\\0000 = com1\n"),
            new Dictionary<string, DriverInitialize>());
        pnp.RequestDeviceEnumeration();
        bed.Machine.RunUntil(() => bed.Machine.IsBugChecked, TimeSpan.FromSeconds(10));

        var dump = bed.Machine.CrashDump!;
        var pdos = pnp.RootDriver.DeviceObjects.Where(d => (d.Flags & DeviceObjectFlags.BusEnumeratedDevice) != 0).OrderBy(d => d.Address).ToList(); // *PNP0A03, com1, its duplicate
        Assert.Equal(BugCheckCode.PnpDetectedFatalError, dump.Code);
        Assert.Equal([0x1UL, pdos[2].Address, pdos[1].Address], dump.Parameters.Take(3).Select(p => p.Value));
    }
}
