using ActorKernel.Actors;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>The scenario registry format (docs/pnp-power.md).</summary>
[Trait("Area", "Pnp")]
public sealed class PnpRegistryTests
{
    [Fact]
    public void The_driver_database_matches_hardware_ids_before_compatible_ids_case_insensitively()
    {
        var registry = PnpRegistry.Parse("""
            [Drivers]
            PCI\VEN_8086&DEV_100E = AkNic, Net   ; the exact chip
            PCI\CC_0200 = GenericNic, Net         ; any Ethernet controller
            """);

        Assert.Null(registry.FindDriver([@"PCI\VEN_8086&DEV_100E&SUBSYS_00000000"], [])); // IDs match whole, not by prefix
        Assert.Equal("AkNic", registry.FindDriver([@"PCI\VEN_8086&DEV_100E&REV_00", @"pci\ven_8086&dev_100e"], [@"PCI\CC_0200"])!.Service);
        Assert.Equal("GenericNic", registry.FindDriver([@"PCI\VEN_10EC&DEV_8139"], [@"PCI\CC_0200"])!.Service);
    }

    [Fact]
    public void Filters_keep_their_REG_MULTI_SZ_order_and_services_their_start_type()
    {
        var registry = PnpRegistry.Parse("""
            [Services]
            Serial = serial.sys
            Old = old.sys, 4

            [Class Ports]
            UpperFilters = a, b
            LowerFilters = c
            """);

        Assert.Equal(["a", "b"], registry.ClassFilters("ports").UpperFilters);
        Assert.Equal(["c"], registry.ClassFilters("Ports").LowerFilters);
        Assert.Equal(PnpServiceKey.Disabled, registry.FindService("old")!.Start);
        Assert.Equal("serial.sys", registry.FindService("Serial")!.ImagePath);
    }

    [Theory]
    [InlineData("Serial = serial.sys", "registry line 1: a value before any section")]
    [InlineData("[Services\nSerial = serial.sys", "registry line 1: a section header ends with ']'")]
    [InlineData("[Enum]\n", "registry line 1: unknown section [Enum]")]
    [InlineData("[Drivers]\n*PNP0501 = Serial", "registry line 2: driver entry *PNP0501: expected 'ID = service, class'")]
    [InlineData("[Class Ports]\nFilters = a", "registry line 2: unknown value Filters")]
    [InlineData("[Root]\n*PNP0501 = com1", "registry line 2: root device *PNP0501: expected 'DeviceId\\InstanceId = [hardware][, RawDeviceOK]'")]
    public void A_malformed_registry_is_refused_with_the_line_and_the_reason(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => PnpRegistry.Parse(text));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
