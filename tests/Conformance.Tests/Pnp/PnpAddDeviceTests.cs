using ActorKernel.Actors;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>The registry picks the drivers of a device; AddDevice runs bottom-up and START completes bottom-up: issue 15, acceptance item 1.</summary>
[Trait("Area", "Pnp")]
public sealed class PnpAddDeviceTests
{
    private static PnpBed FilteredCom1(string filters)
    {
        var bed = new PnpBed();
        foreach (var name in new[] { "UpFilt1", "UpFilt2", "LowFilt", "ClassUp" })
        {
            bed.AddImage(name.ToLowerInvariant() + ".sys", PnpTestDrivers.JournalFilter(name, bed.Journal));
        }
        bed.PlaceUart("com1", 0x3F8, PnpBed.Com1Line);
        bed.Enumerate(PnpBed.BaseRegistry + "\n*PNP0501\\0000 = com1\n" + """
            [Services]
            UpFilt1 = upfilt1.sys
            UpFilt2 = upfilt2.sys
            LowFilt = lowfilt.sys
            ClassUp = classup.sys
            """ + "\n" + filters);
        return bed;
    }

    [Fact]
    public void AddDevice_runs_the_lower_filter_then_the_function_driver_then_the_two_upper_filters()
    {
        using var bed = FilteredCom1("""
            [Device *PNP0501]
            UpperFilters = UpFilt1, UpFilt2
            LowerFilters = LowFilt
            """);
        var com1 = bed.Node(@"Root\*PNP0501\0000");

        var adds = bed.Steps(com1).Where(s => s.StartsWith("AddDevice", StringComparison.Ordinal)).ToList();

        Assert.Equal(
        [
            @"AddDevice \Driver\LowFilt (LowerFilter) -> STATUS_SUCCESS (0x00000000)",
            @"AddDevice \Driver\Serial (DeviceDriver) -> STATUS_SUCCESS (0x00000000)",
            @"AddDevice \Driver\UpFilt1 (UpperFilter) -> STATUS_SUCCESS (0x00000000)",
            @"AddDevice \Driver\UpFilt2 (UpperFilter) -> STATUS_SUCCESS (0x00000000)",
        ], adds);
        Assert.Equal(["UpFilt2", "UpFilt1", "Serial", "LowFilt", "PnpManager"], com1.DriverStack);
        Assert.Equal(DeviceNodeState.Started, com1.State);
    }

    [Fact]
    public void Device_filters_attach_before_the_class_filters_of_the_same_kind()
    {
        using var bed = FilteredCom1("""
            [Device Root\*PNP0501\0000]
            UpperFilters = UpFilt1
            LowerFilters = LowFilt

            [Class Ports]
            UpperFilters = ClassUp
            """);
        var com1 = bed.Node(@"Root\*PNP0501\0000");

        // ReactOS PiCallDriverAddDevice: LowerFilters, class LowerFilters, the service, UpperFilters, class UpperFilters.
        Assert.Equal(["ClassUp", "UpFilt1", "Serial", "LowFilt", "PnpManager"], com1.DriverStack);
        Assert.Equal(["AddDevice LowFilt", "AddDevice UpFilt1", "AddDevice ClassUp"], bed.Journal.Where(j => j.StartsWith("AddDevice", StringComparison.Ordinal)));
    }

    [Fact]
    public void Start_goes_down_the_stack_and_completes_bottom_up_with_the_assigned_resources()
    {
        using var bed = FilteredCom1("""
            [Device *PNP0501]
            UpperFilters = UpFilt1, UpFilt2
            LowerFilters = LowFilt
            """);
        var com1 = bed.Node(@"Root\*PNP0501\0000");

        Assert.Equal(
        [
            "START down UpFilt2",
            "START down UpFilt1",
            "START down LowFilt", // serial.sys passes it on with IoForwardIrpSynchronously, as the WDK teaches
            "START up LowFilt STATUS_SUCCESS (0x00000000) resources=2",
            "START up UpFilt1 STATUS_SUCCESS (0x00000000) resources=2",
            "START up UpFilt2 STATUS_SUCCESS (0x00000000) resources=2",
        ], bed.Journal.Where(j => j.StartsWith("START", StringComparison.Ordinal)));
        var raw = com1.ResourceList!.Descriptors.ToList();
        var translated = com1.ResourceListTranslated!.Descriptors.ToList();
        Assert.Equal((0x3F8UL, 8u), (raw[0].u.Port.Start, raw[0].u.Port.Length));
        Assert.Equal((uint)PnpBed.Com1Line, raw[1].u.Interrupt.Level);
        Assert.Equal((5u, 0x54u), (translated[1].u.Interrupt.Level, translated[1].u.Interrupt.Vector)); // DIRQL and system vector of line 4
        Assert.Equal(CmResourceFlags.InterruptLatched, translated[1].Flags); // an ISA line is edge-triggered
        Assert.Equal(InterfaceType.Isa, com1.ResourceList.List[0].InterfaceType);
        Assert.Equal(InterfaceType.Internal, com1.ResourceListTranslated.List[0].InterfaceType);
    }
}
