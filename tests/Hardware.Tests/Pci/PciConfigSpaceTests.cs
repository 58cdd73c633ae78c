using System.Buffers.Binary;
using ActorKernel.Hardware;

namespace ActorKernel.Hardware.Tests.Pci;

[Trait("Area", "Hardware")]
public sealed class PciConfigSpaceTests
{
    private sealed class Window(int length) : IRegisterWindow
    {
        public int Length => length;

        public uint Read(int offset, AccessWidth width) => (uint)offset;

        public void Write(int offset, AccessWidth width, uint value)
        {
        }
    }

    private static (HardwarePlatform Platform, PciFunction Function) Plug(params PciBarDefinition[] bars)
    {
        var platform = new HardwarePlatform(new PhysicalMemory(16UL << 20));
        var function = platform.Pci.Insert(new PciDeviceDefinition(0x8086, 0x100E, 0x02, 0x00, 0x00, bars) { RevisionId = 3 });
        return (platform, function);
    }

    private static uint Read32(PciFunction f, int offset)
    {
        Span<byte> b = stackalloc byte[4];
        f.ReadConfig(offset, b);
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

    private static void Write32(PciFunction f, int offset, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        f.WriteConfig(offset, b);
    }

    [Fact]
    public void Writing_all_ones_to_a_BAR_reads_back_the_inverted_size_mask_with_the_hard_wired_type_bits()
    {
        var (_, f) = Plug(new PciBarDefinition(PciBarKind.Io, new Window(8)), new PciBarDefinition(PciBarKind.Memory32, new Window(0x2000), Prefetchable: true),
            new PciBarDefinition(PciBarKind.Memory32, new Window(5)));
        Write32(f, 0x10, 0xFFFF_FFFF);
        Write32(f, 0x14, 0xFFFF_FFFF);
        Write32(f, 0x18, 0xFFFF_FFFF);
        Write32(f, 0x1C, 0xFFFF_FFFF); // BAR3 is not implemented: hard-wired zero

        Assert.Equal(0xFFFF_FFF9u, Read32(f, 0x10)); // 8 ports, bit 0 = I/O space
        Assert.Equal(0xFFFF_E008u, Read32(f, 0x14)); // 8 KiB, prefetchable
        Assert.Equal(0xFFFF_FFF0u, Read32(f, 0x18)); // a 5-byte window still decodes the 16-byte minimum
        Assert.Equal(0u, Read32(f, 0x1C));
    }

    [Fact]
    public void IDs_class_code_and_interrupt_pin_are_read_only_and_an_empty_slot_reads_all_ones()
    {
        var (platform, f) = Plug();
        Write32(f, 0x00, 0x1234_5678);
        Write32(f, 0x08, 0xFFFF_FFFF);
        f.WriteConfig(0x3D, [4]);
        f.WriteConfig(0x3C, [9]);

        Assert.Equal(0x100E_8086u, Read32(f, 0x00));
        Assert.Equal(0x0200_0003u, Read32(f, 0x08)); // class 02 (network), subclass 00, prog-if 00, revision 3
        Span<byte> pin = stackalloc byte[2];
        f.ReadConfig(0x3C, pin);
        Assert.Equal((byte)9, pin[0]); // interrupt line: plain storage
        Assert.Equal((byte)1, pin[1]); // interrupt pin: INTA#, read-only
        Span<byte> empty = stackalloc byte[4];
        Assert.False(platform.Pci.ReadConfig(PciSlotNumber.Make(20), 0, empty));
        Assert.Equal(0xFFFF_FFFFu, BinaryPrimitives.ReadUInt32LittleEndian(empty));
    }

    [Fact]
    public void A_BAR_decodes_only_while_its_command_register_space_enable_is_set()
    {
        var (platform, f) = Plug(new PciBarDefinition(PciBarKind.Io, new Window(16)), new PciBarDefinition(PciBarKind.Memory32, new Window(0x1000)));
        Write32(f, 0x10, 0xD000);
        Write32(f, 0x14, 0xF100_0000);
        Assert.Null(platform.Decoder.Decode(BusAddressSpace.Port, 0xD004)); // command = 0 after reset: nothing decodes

        f.WriteConfig(0x04, [(byte)PciCommand.IoSpace, 0]);
        Assert.Equal(0xD000UL, platform.Decoder.Decode(BusAddressSpace.Port, 0xD004)!.Start);
        Assert.Null(platform.Decoder.Decode(BusAddressSpace.Memory, 0xF100_0010));

        f.WriteConfig(0x04, [(byte)(PciCommand.IoSpace | PciCommand.MemorySpace), 0]);
        Assert.NotNull(platform.Decoder.Decode(BusAddressSpace.Memory, 0xF100_0010));

        Write32(f, 0x14, 0xF200_0000); // moving an enabled BAR moves its decode
        Assert.Null(platform.Decoder.Decode(BusAddressSpace.Memory, 0xF100_0010));
        Assert.NotNull(platform.Decoder.Decode(BusAddressSpace.Memory, 0xF200_0010));

        f.WriteConfig(0x04, [0, 0]);
        Assert.Null(platform.Decoder.Decode(BusAddressSpace.Port, 0xD004));
        Assert.Null(platform.Decoder.Decode(BusAddressSpace.Memory, 0xF200_0010));
    }

    [Fact]
    public void Without_the_bus_master_enable_a_devices_DMA_is_a_master_abort()
    {
        var (platform, f) = Plug();
        var buffer = new byte[4];
        f.DmaMemory.DmaWrite(0x10_0000, [1, 2, 3, 4]);
        f.DmaMemory.DmaRead(0x10_0000, buffer);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, buffer);
        Assert.Equal(2, f.MasterAborts);
        platform.Memory.ReadPhysical(0x10_0000, buffer);
        Assert.Equal(new byte[4], buffer); // the write never reached memory

        f.WriteConfig(0x04, [(byte)PciCommand.BusMaster, 0]);
        f.DmaMemory.DmaWrite(0x10_0000, [1, 2, 3, 4]);
        platform.Memory.ReadPhysical(0x10_0000, buffer);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, buffer);
    }

    [Fact]
    public void Placement_assigns_naturally_aligned_BARs_above_RAM_routes_INTx_and_enables_decode_and_bus_mastering()
    {
        var platform = new HardwarePlatform(new PhysicalMemory(16UL << 20));
        var a = platform.PlacePciDevice("a", new PciDeviceDefinition(1, 1, 1, 0, 0,
            [new PciBarDefinition(PciBarKind.Io, new Window(8)), new PciBarDefinition(PciBarKind.Memory32, new Window(0x4000))]), interruptLine: 10);
        var b = platform.PlacePciDevice("b", new PciDeviceDefinition(1, 2, 1, 0, 0,
            [new PciBarDefinition(PciBarKind.Io, new Window(32)), new PciBarDefinition(PciBarKind.Memory32, new Window(0x100))]), interruptLine: 11);

        foreach (var device in new[] { a, b })
        {
            foreach (var r in device.Resources.Where(r => r.Kind is HardwareResourceKind.Port or HardwareResourceKind.Memory))
            {
                var size = System.Numerics.BitOperations.RoundUpToPowerOf2(Math.Max(r.Length, r.Kind == HardwareResourceKind.Port ? 4UL : 16UL));
                Assert.Equal(0UL, r.Start % size);
                Assert.Same(device, platform.Decoder.Decode(r.Kind == HardwareResourceKind.Port ? BusAddressSpace.Port : BusAddressSpace.Memory, r.Start)!.Device);
                if (r.Kind == HardwareResourceKind.Memory)
                {
                    Assert.False(platform.Memory.IsRam(r.Start));
                }
            }
            Assert.Equal(PciCommand.IoSpace | PciCommand.MemorySpace | PciCommand.BusMaster, device.Pci!.Command);
        }
        Assert.Equal((10, 11), (a.InterruptLine, b.InterruptLine));
        Assert.True(a.Resources.Single(r => r.Kind == HardwareResourceKind.Interrupt).LevelSensitive);
        Assert.Throws<InvalidOperationException>(() => platform.Decoder.Map(BusAddressSpace.Port, a.Resources[0].Start, new Window(4), null));
    }
    [Fact]
    public void A_BAR_programmed_onto_another_devices_range_decodes_nothing_and_the_other_device_keeps_it()
    {
        var platform = new HardwarePlatform(new PhysicalMemory(16UL << 20));
        var a = platform.PlacePciDevice("a", new PciDeviceDefinition(1, 1, 1, 0, 0, [new PciBarDefinition(PciBarKind.Memory32, new Window(0x1000))]), interruptLine: -1);
        var b = platform.PlacePciDevice("b", new PciDeviceDefinition(1, 2, 1, 0, 0, [new PciBarDefinition(PciBarKind.Memory32, new Window(0x1000))]), interruptLine: -1);
        var aBase = a.Resources[0].Start;

        Write32(b.Pci!, 0x10, (uint)aBase);

        Assert.Same(a, platform.Decoder.Decode(BusAddressSpace.Memory, aBase)!.Device);
        Assert.Equal(1, b.Pci!.DecodeConflicts);
    }
}
