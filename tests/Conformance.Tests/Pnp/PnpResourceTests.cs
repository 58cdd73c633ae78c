using ActorKernel.Actors;
using ActorKernel.Hardware;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>The arbiters: exclusive resources conflict, shared ones share: issue 15, acceptance item 1.</summary>
[Trait("Area", "Pnp")]
public sealed class PnpResourceTests
{
    [Fact]
    public void Two_devices_asking_for_one_exclusive_irq_the_second_gets_CM_PROB_NORMAL_CONFLICT_naming_both()
    {
        using var bed = new PnpBed();
        bed.PlaceUart("com1", 0x3F8, PnpBed.Com1Line);
        bed.PlaceUart("com3", 0x3E8, PnpBed.Com1Line); // COM3 jumpered to IRQ 4 as well: an ISA line is not shareable
        bed.Enumerate(PnpBed.BaseRegistry + "\n*PNP0501\\0000 = com1\n*PNP0501\\0001 = com3\n");
        var com1 = bed.Node(@"Root\*PNP0501\0000");
        var com3 = bed.Node(@"Root\*PNP0501\0001");

        Assert.Equal(DeviceNodeState.Started, com1.State);
        Assert.Equal(CmProblem.NormalConflict, com3.Problem);
        Assert.Equal(12, (int)com3.Problem);
        Assert.Equal(NtStatus.ConflictingAddresses, com3.ProblemStatus);
        Assert.NotEqual(DeviceNodeState.Started, com3.State);
        Assert.Null(com3.ResourceList);
        var conflict = com3.Conflict!;
        Assert.Equal((com3.InstancePath, com1.InstancePath, CmResourceType.Interrupt, 4UL), (conflict.Device, conflict.Holder, conflict.Type, conflict.Start));
        Assert.Equal(@"IRQ 4 (CmResourceShareDeviceExclusive) of Root\*PNP0501\0001 conflicts with Root\*PNP0501\0000 (CmResourceShareDeviceExclusive)", conflict.ToString());
        Assert.Contains("Problem = CM_PROB_NORMAL_CONFLICT (Code 12), STATUS_CONFLICTING_ADDRESSES (0xC0000018)", bed.Pnp.DumpDeviceTree(), StringComparison.Ordinal);
        Assert.Contains("Conflict = IRQ 4 (CmResourceShareDeviceExclusive) of Root\\*PNP0501\\0001 conflicts with Root\\*PNP0501\\0000", bed.Pnp.DumpDeviceTree(), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_pci_devices_that_allow_sharing_share_the_line_and_both_start()
    {
        using var bed = new PnpBed();
        bed.PlaceBlockDisk("disk0");
        bed.PlaceNic("nic0");
        bed.Enumerate(PnpBed.BaseRegistry);
        var disk = bed.Node(@"PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\00");
        var nic = bed.Node(@"PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\08");

        Assert.Equal((DeviceNodeState.Started, DeviceNodeState.Started), (disk.State, nic.State));
        var irqClaims = bed.Pnp.Claims.Where(c => c.Type == CmResourceType.Interrupt && c.Start == PnpBed.PciLine).ToList();
        Assert.Equal([disk, nic], irqClaims.Select(c => c.Owner));
        Assert.All(irqClaims, c => Assert.Equal(CmShareDisposition.Shared, c.ShareDisposition));
        var translated = nic.ResourceListTranslated!.Descriptors.Single(d => d.Type == CmResourceType.Interrupt);
        Assert.Equal((8u, 0x7Bu, CmShareDisposition.Shared, CmResourceFlags.None), (translated.u.Interrupt.Level, translated.u.Interrupt.Vector, translated.ShareDisposition, translated.Flags));
    }

    [Fact]
    public void An_exclusive_port_range_claimed_by_another_device_conflicts_and_names_the_holder()
    {
        using var bed = new PnpBed();
        bed.PlaceUart("com1", 0x3F8, PnpBed.Com1Line);
        // A stale second Enum\Root entry describing the same card: it asks for the same ports.
        bed.Enumerate(PnpBed.BaseRegistry + "\n*PNP0501\\0000 = com1\n*PNP0501\\0001 = com1\n");
        var stale = bed.Node(@"Root\*PNP0501\0001");

        Assert.Equal(CmProblem.NormalConflict, stale.Problem);
        Assert.Equal((CmResourceType.Port, 0x3F8UL, 0x3FFUL, @"Root\*PNP0501\0000"), (stale.Conflict!.Type, stale.Conflict.Start, stale.Conflict.End, stale.Conflict.Holder));
    }

    [Fact]
    public void Two_legacy_devices_on_one_system_dma_channel_the_second_gets_a_dma_conflict()
    {
        using var bed = new PnpBed();
        bed.AddImage("fdc.sys", PnpTestDrivers.JournalFilter("Fdc", bed.Journal)); // stands in for a floppy controller's function driver
        bed.Machine.Hal.Platform.PlaceLegacyDevice("fdc", [(0x3F0UL, (IRegisterWindow)new Hardware.TestRegisters(6))], null, -1, dmaChannel: 2);
        bed.Machine.Hal.Platform.PlaceLegacyDevice("tape", [(0x370UL, (IRegisterWindow)new Hardware.TestRegisters(6))], null, -1, dmaChannel: 2);
        bed.Enumerate(PnpBed.BaseRegistry + "\n*PNP0700\\0000 = fdc\n*PNP0700\\0001 = tape\n" + """
            [Services]
            Fdc = fdc.sys

            [Drivers]
            *PNP0700 = Fdc, FloppyDisk
            """);
        var fdc = bed.Node(@"Root\*PNP0700\0000");
        var tape = bed.Node(@"Root\*PNP0700\0001");

        Assert.Contains(bed.Pnp.Claims, c => c.Owner == fdc && c.Type == CmResourceType.Dma && c.Start == 2);
        Assert.Equal((CmResourceType.Dma, 2UL, fdc.InstancePath), (tape.Conflict!.Type, tape.Conflict.Start, tape.Conflict.Holder));
        Assert.Equal(CmProblem.NormalConflict, tape.Problem);
        Assert.Equal(DeviceNodeState.Started, fdc.State);
    }
}
