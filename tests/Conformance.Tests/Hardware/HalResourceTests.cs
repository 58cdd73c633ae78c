using ActorKernel.Actors;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Hardware;

[Trait("Area", "Hardware")]
public sealed class HalResourceTests
{
    [Fact]
    public void IRP_MN_START_DEVICE_carries_the_raw_and_translated_CM_RESOURCE_LISTs_of_the_placed_device()
    {
        using var bed = new HalBed(processors: 2);
        var placed = bed.PlaceProbe();

        Assert.Equal(NtStatus.Success, bed.Start(placed));

        var raw = bed.Probe.Raw!;
        var translated = bed.Probe.Translated!;
        Assert.Equal(InterfaceType.PciBus, raw.List[0].InterfaceType);
        Assert.Equal(InterfaceType.Internal, translated.List[0].InterfaceType);
        var rawTypes = raw.Descriptors.Select(d => d.Type).ToArray();
        Assert.Equal([CmResourceType.Port, CmResourceType.Memory, CmResourceType.Interrupt], rawTypes);
        Assert.Equal([(byte)1, (byte)3, (byte)2], rawTypes.Select(t => (byte)t));

        var port = translated.Descriptors.First(d => d.Type == CmResourceType.Port);
        Assert.True((port.Flags & CmResourceFlags.PortIo) != 0);
        Assert.Equal(placed.Pci!.Bar(0) & ~0x3u, (uint)port.u.Port.Start);
        Assert.Equal(16u, port.u.Port.Length);
        var memory = translated.Descriptors.First(d => d.Type == CmResourceType.Memory);
        Assert.Equal(placed.Pci.Bar(1) & ~0xFu, (uint)memory.u.Memory.Start);
        Assert.Equal(0x100u, memory.u.Memory.Length);

        // Raw: the bus-relative IRQ line; translated: the system vector and DIRQL, level-sensitive and shared (PCI INTx#).
        var rawInterrupt = raw.Descriptors.First(d => d.Type == CmResourceType.Interrupt);
        var interrupt = translated.Descriptors.First(d => d.Type == CmResourceType.Interrupt);
        Assert.Equal((uint)HalBed.Line, rawInterrupt.u.Interrupt.Level);
        Assert.Equal(((uint)HalBed.Dirql, (uint)HalBed.Vector, 0x3UL), (interrupt.u.Interrupt.Level, interrupt.u.Interrupt.Vector, interrupt.u.Interrupt.Affinity));
        Assert.Equal(CmShareDisposition.Shared, interrupt.ShareDisposition);
        Assert.Equal(CmResourceFlags.None, interrupt.Flags); // CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE
    }

    [Fact]
    public void HalGetInterruptVector_translates_the_bus_level_to_the_lines_vector_and_DIRQL()
    {
        using var bed = new HalBed(processors: 2);
        uint vector = 0, unknown = 1;
        Irql irql = Irql.PassiveLevel;
        ulong affinity = 0;
        bed.Run(() =>
        {
            vector = HalGetInterruptVector(InterfaceType.PciBus, 0, HalBed.Line, HalBed.Line, out irql, out affinity);
            unknown = HalGetInterruptVector(InterfaceType.PciBus, 0, 9, 9, out _, out _);
            return ValueTask.CompletedTask;
        });
        Assert.Equal(((uint)HalBed.Vector, (Irql)HalBed.Dirql, 0x3UL), (vector, irql, affinity));
        Assert.Equal(0u, unknown);
    }

    [Fact]
    public void Port_access_decodes_to_the_device_window_at_its_offset_and_width()
    {
        using var bed = new HalBed();
        var placed = bed.PlaceProbe();
        bed.Start(placed);
        var port = bed.Probe.Translated!.Descriptors.First(d => d.Type == CmResourceType.Port).u.Port.Start;
        bed.IoRegisters.Set(4, 0x11223344);
        uint dword = 0;
        byte b = 0;
        var fifo = new byte[3];
        bed.Run(() =>
        {
            WRITE_PORT_USHORT(port + 2, 0xBEEF);
            dword = READ_PORT_ULONG(port + 4);
            b = READ_PORT_UCHAR(port + 5);
            READ_PORT_BUFFER_UCHAR(port + 4, fifo);
            return ValueTask.CompletedTask;
        });
        Assert.Equal((true, 2, AccessWidth.Word, 0xBEEFu), bed.IoRegisters.Accesses[0]);
        Assert.Equal(0x11223344u, dword);
        Assert.Equal((byte)0x33, b);
        Assert.Equal(new byte[] { 0x44, 0x44, 0x44 }, fifo); // the _BUFFER_ form reads one port repeatedly (REP INSB)
        Assert.Equal(6, bed.Machine.Hal.PortAccesses);
        Assert.Empty(bed.Machine.Hal.Findings);
    }

    [Fact]
    public void Register_access_through_MmMapIoSpace_reaches_the_BAR_and_after_MmUnmapIoSpace_bugchecks_PAGE_FAULT_IN_NONPAGED_AREA()
    {
        using var bed = new HalBed();
        var placed = bed.PlaceProbe();
        bed.Start(placed);
        var bar = bed.Probe.Translated!.Descriptors.First(d => d.Type == CmResourceType.Memory).u.Memory;
        bed.MemoryRegisters.Set(0x10, 0xCAFEF00D);
        ulong va = 0;
        uint read = 0;
        bed.Run(() =>
        {
            va = MmMapIoSpace(bar.Start, bar.Length, MemoryCachingType.MmNonCached);
            read = READ_REGISTER_ULONG(va + 0x10);
            WRITE_REGISTER_UCHAR(va + 0x20, 0x5A);
            WRITE_REGISTER_BUFFER_ULONG(va + 0x40, [1, 2]);
            MmUnmapIoSpace(va, bar.Length);
            return ValueTask.CompletedTask;
        });
        Assert.NotEqual(0UL, va);
        Assert.Equal(0xCAFEF00Du, read);
        Assert.Contains((true, 0x20, AccessWidth.Byte, 0x5Au), bed.MemoryRegisters.Accesses);
        Assert.Contains((true, 0x44, AccessWidth.Dword, 2u), bed.MemoryRegisters.Accesses);
        Assert.Empty(bed.Machine.Hal.Findings);

        var stop = bed.RunExpectingBugCheck(() =>
        {
            _ = READ_REGISTER_ULONG(va + 0x10);
            return ValueTask.CompletedTask;
        });
        Assert.Equal((BugCheckCode.PageFaultInNonpagedArea, va + 0x10, "halprobe.sys"), (stop.Code, stop.P1, stop.Module));
    }

    [Fact]
    public void A_port_outside_the_drivers_resources_is_reported_naming_the_driver_and_the_access_still_reaches_the_device()
    {
        using var bed = new HalBed();
        var placed = bed.PlaceProbe(); // placed but never started: halprobe.sys was given nothing
        var port = placed.Resources.First(r => r.Kind == HardwareResourceKind.Port).Start;
        bed.Run(() =>
        {
            WRITE_PORT_UCHAR(port, 0x7);
            return ValueTask.CompletedTask;
        });
        var finding = Assert.Single(bed.Machine.Hal.Findings);
        Assert.Equal((HalViolation.PortOutsideResources, "halprobe.sys", "ProbeRoutine", port), (finding.Violation, finding.Driver, finding.Routine, finding.Address));
        Assert.Equal((true, 0, AccessWidth.Byte, 7u), Assert.Single(bed.IoRegisters.Accesses)); // NT does not stop it: the hardware answers
        Assert.False(bed.Machine.IsBugChecked);
    }

    [Fact]
    public void MmMapIoSpace_of_memory_outside_the_drivers_resources_is_reported()
    {
        using var bed = new HalBed();
        var placed = bed.PlaceProbe();
        var bar = placed.Resources.First(r => r.Kind == HardwareResourceKind.Memory);
        bed.Run(() =>
        {
            var va = MmMapIoSpace(bar.Start, bar.Length, MemoryCachingType.MmNonCached);
            _ = READ_REGISTER_USHORT(va);
            return ValueTask.CompletedTask;
        });
        Assert.Equal([HalViolation.RegisterOutsideResources, HalViolation.RegisterOutsideResources], bed.Machine.Hal.Findings.Select(f => f.Violation));
        Assert.All(bed.Machine.Hal.Findings, f => Assert.Equal("halprobe.sys", f.Driver));
    }

    [Fact]
    public void A_port_no_device_decodes_reads_all_ones_and_is_reported()
    {
        using var bed = new HalBed();
        ushort value = 0;
        bed.Run(() =>
        {
            value = READ_PORT_USHORT(0x3F8);
            return ValueTask.CompletedTask;
        });
        Assert.Equal((ushort)0xFFFF, value);
        Assert.Equal(HalViolation.UnclaimedAddress, Assert.Single(bed.Machine.Hal.Findings).Violation);
    }
}
