using System.Buffers.Binary;
using ActorKernel.Actors;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Hardware;

[Trait("Area", "Hardware")]
public sealed class HalPciTests
{
    [Fact]
    public void HalGetBusDataByOffset_reads_the_configuration_header_and_an_empty_slot_returns_2_with_PCI_INVALID_VENDORID()
    {
        using var bed = new HalBed();
        var placed = bed.PlaceProbe();
        var header = new byte[0x40];
        var empty = new byte[2];
        uint got = 0, gotEmpty = 0, noBus = 1;
        bed.Run(() =>
        {
            got = HalGetBusDataByOffset(BusDataType.PciConfiguration, 0, placed.Pci!.SlotNumber, header, 0);
            gotEmpty = HalGetBusDataByOffset(BusDataType.PciConfiguration, 0, PciSlotNumber.Make(31), empty, 0);
            noBus = HalGetBusDataByOffset(BusDataType.PciConfiguration, 7, 0, empty, 0);
            return ValueTask.CompletedTask;
        });
        Assert.Equal((0x40u, 2u, 0u), (got, gotEmpty, noBus));
        Assert.Equal((ushort)0x1AF4, BinaryPrimitives.ReadUInt16LittleEndian(header));
        Assert.Equal((ushort)0x1042, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(2)));
        Assert.Equal((byte)0x01, header[(int)PciConfigOffset.BaseClass]);
        Assert.Equal((byte)HalBed.Line, header[(int)PciConfigOffset.InterruptLine]);
        Assert.Equal((byte)1, header[(int)PciConfigOffset.InterruptPin]);
        Assert.Equal((ushort)0xFFFF, BinaryPrimitives.ReadUInt16LittleEndian(empty));
    }

    [Fact]
    public void Clearing_the_memory_space_enable_with_HalSetBusDataByOffset_stops_the_BAR_decoding()
    {
        using var bed = new HalBed();
        var placed = bed.PlaceProbe();
        bed.Start(placed);
        var bar = bed.Probe.Translated!.Descriptors.First(d => d.Type == CmResourceType.Memory).u.Memory;
        bed.MemoryRegisters.Set(0, 0x12345678);
        uint before = 0, after = 0, again = 0;
        bed.Run(() =>
        {
            var va = MmMapIoSpace(bar.Start, bar.Length, MemoryCachingType.MmNonCached);
            before = READ_REGISTER_ULONG(va);
            var command = new byte[2];
            HalGetBusDataByOffset(BusDataType.PciConfiguration, 0, placed.Pci!.SlotNumber, command, (uint)PciConfigOffset.Command);
            var off = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(command) & ~(ushort)PciCommand.MemorySpace);
            HalSetBusDataByOffset(BusDataType.PciConfiguration, 0, placed.Pci.SlotNumber, [(byte)off, (byte)(off >> 8)], (uint)PciConfigOffset.Command);
            after = READ_REGISTER_ULONG(va);
            var on = (ushort)(off | (ushort)PciCommand.MemorySpace);
            HalSetBusDataByOffset(BusDataType.PciConfiguration, 0, placed.Pci.SlotNumber, [(byte)on, (byte)(on >> 8)], (uint)PciConfigOffset.Command);
            again = READ_REGISTER_ULONG(va);
            return ValueTask.CompletedTask;
        });
        Assert.Equal((0x12345678u, 0xFFFFFFFFu, 0x12345678u), (before, after, again));
        Assert.Equal(HalViolation.UnclaimedAddress, Assert.Single(bed.Machine.Hal.Findings).Violation);
    }

    [Fact]
    public void A_BAR_size_probe_through_HalSetBusDataByOffset_reads_back_the_size_mask_with_the_type_bits()
    {
        using var bed = new HalBed();
        var placed = bed.PlaceProbe();
        uint io = 0, memory = 0;
        bed.Run(() =>
        {
            var slot = placed.Pci!.SlotNumber;
            var value = new byte[4];
            HalSetBusDataByOffset(BusDataType.PciConfiguration, 0, slot, [0xFF, 0xFF, 0xFF, 0xFF], (uint)PciConfigOffset.Bar0);
            HalGetBusDataByOffset(BusDataType.PciConfiguration, 0, slot, value, (uint)PciConfigOffset.Bar0);
            io = BinaryPrimitives.ReadUInt32LittleEndian(value);
            HalSetBusDataByOffset(BusDataType.PciConfiguration, 0, slot, [0xFF, 0xFF, 0xFF, 0xFF], (uint)PciConfigOffset.Bar0 + 4);
            HalGetBusDataByOffset(BusDataType.PciConfiguration, 0, slot, value, (uint)PciConfigOffset.Bar0 + 4);
            memory = BinaryPrimitives.ReadUInt32LittleEndian(value);
            return ValueTask.CompletedTask;
        });
        Assert.Equal(0xFFFFFFF1u, io); // 16 ports: ~(16 - 1), bit 0 = I/O
        Assert.Equal(0xFFFFFF00u, memory); // 256 bytes: ~(256 - 1), type 00 (32-bit), not prefetchable
    }
}
