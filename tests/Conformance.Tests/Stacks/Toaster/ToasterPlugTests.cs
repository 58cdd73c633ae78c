using ActorKernel.Actors;
using ActorKernel.Drivers.Toaster;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.Stacks.Toaster;

/// <summary>
/// busenum.sys's control requests (the sample's checks) and unplugging. The PnP manager's removal of
/// a child missing from BusRelations is not in this kernel yet (h/pnpremove), so unplugging is checked
/// up to the bus driver's side: the toaster is left out of the next BusRelations, which the PnP manager
/// asks for because the bus invalidated its relations.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class ToasterPlugTests
{
    [Fact]
    public void Plugging_in_a_serial_number_already_on_the_bus_fails_with_STATUS_INVALID_PARAMETER_and_adds_no_stack()
    {
        using var bed = new ToasterBed();
        IoResult[] results = [];

        bed.Run(async () => results = await bed.PlugIn(3, 3));

        Assert.True(results[0].Succeeded);
        Assert.Equal(NtStatus.InvalidParameter, results[1].Status);
        Assert.Equal(Win32Error.InvalidParameter, results[1].Error);
        Assert.Single(bed.Bus.Children);
    }

    [Fact]
    public void A_plug_in_request_whose_Size_is_not_sizeof_BUSENUM_PLUGIN_HARDWARE_or_whose_ids_are_not_a_MULTI_SZ_fails()
    {
        using var bed = new ToasterBed();
        var badSize = ToasterCodes.PluginHardware(1, ToasterCodes.BusHardwareId);
        badSize[0] = 12;
        var notMultiSz = ToasterCodes.PluginHardware(2, ToasterCodes.BusHardwareId)[..^2]; // one NUL instead of two
        var serialZero = ToasterCodes.PluginHardware(0, ToasterCodes.BusHardwareId);
        var statuses = new List<NtStatus>();

        bed.Run(async () =>
        {
            var bus = await CreateFile(@"\\.\BusEnum0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            foreach (var input in new[] { badSize, notMultiSz, serialZero })
            {
                statuses.Add((await bed.Control(bus, ToasterCodes.IoctlBusEnumPluginHardware, input)).Status);
            }
            statuses.Add((await bed.Control(bus, ToasterCodes.IoctlBusEnumUnplugHardware, ToasterCodes.UnplugHardware(9))).Status);
            await CloseHandle(bus);
        });

        Assert.Equal([NtStatus.InvalidParameter, NtStatus.InvalidParameter, NtStatus.InvalidParameter, NtStatus.InvalidParameter], statuses);
        Assert.Empty(bed.Bus.Children);
    }

    [Fact]
    public void The_bus_control_codes_are_the_samples_BUSENUM_IOCTL_values()
    {
        // CTL_CODE(FILE_DEVICE_BUS_EXTENDER 0x2A, index, METHOD_BUFFERED 0, FILE_READ_DATA 1).
        Assert.Equal(0x002A4000u, ToasterCodes.IoctlBusEnumPluginHardware.Value);
        Assert.Equal(0x002A4004u, ToasterCodes.IoctlBusEnumUnplugHardware.Value);
        Assert.Equal(0x002A4008u, ToasterCodes.IoctlBusEnumEjectHardware.Value);
        Assert.Equal(0x002A400Cu, ToasterCodes.IoctlToasterDontDisplayInUiDevice.Value);
    }

    [Fact]
    public void Unplugging_a_toaster_makes_the_bus_invalidate_its_relations_and_leave_the_toaster_out_of_BusRelations()
    {
        using var bed = new ToasterBed();
        bed.Run(async () => await bed.PlugIn(1, 2));
        var toaster1 = bed.Pnp.Node(ToasterBed.ToasterInstance(1)).PhysicalDeviceObject.GetExtension<BusEnumPdoExtension>();
        var queried = bed.Pnp.Steps(bed.Bus).Count(s => s.StartsWith("IRP_MN_QUERY_DEVICE_RELATIONS BusRelations", StringComparison.Ordinal));
        IoResult unplug = default;

        bed.Run(async () =>
        {
            var bus = await CreateFile(@"\\.\BusEnum0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            unplug = await bed.Control(bus, ToasterCodes.IoctlBusEnumUnplugHardware, ToasterCodes.UnplugHardware(1));
            await CloseHandle(bus);
        });

        Assert.True(unplug.Succeeded);
        Assert.Equal(queried + 1, bed.Pnp.Steps(bed.Bus).Count(s => s.StartsWith("IRP_MN_QUERY_DEVICE_RELATIONS BusRelations", StringComparison.Ordinal)));
        Assert.Equal([2u], bed.BusExtension.PresentSerialNumbers);
        Assert.False(toaster1.Present);
        Assert.True(toaster1.ReportedMissing, "the BusRelations answer after the unplug left the toaster out");
    }

    [Fact]
    public void Unplugging_serial_number_zero_unplugs_every_toaster()
    {
        using var bed = new ToasterBed();
        bed.Run(async () => await bed.PlugIn(1, 2, 3));

        bed.Run(async () =>
        {
            var bus = await CreateFile(@"\\.\BusEnum0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            Assert.True((await bed.Control(bus, ToasterCodes.IoctlBusEnumUnplugHardware, ToasterCodes.UnplugHardware(0))).Succeeded);
            await CloseHandle(bus);
        });

        Assert.Empty(bed.BusExtension.PresentSerialNumbers);
    }
}
