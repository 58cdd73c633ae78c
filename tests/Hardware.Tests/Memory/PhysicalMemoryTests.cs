using ActorKernel.Hardware;

namespace ActorKernel.Hardware.Tests.Memory;

[Trait("Area", "Hardware")]
public sealed class PhysicalMemoryTests
{
    [Fact]
    public void A_bus_master_transfer_by_physical_address_crosses_page_frames()
    {
        var ram = new PhysicalMemory(1UL << 20);
        IDmaMemory dma = ram;
        var data = Enumerable.Range(0, 6000).Select(i => (byte)i).ToArray();
        dma.DmaWrite(0x2F00, data);
        var back = new byte[data.Length];
        dma.DmaRead(0x2F00, back);
        Assert.Equal(data, back);
        var tail = new byte[16];
        ram.ReadPhysical(0x3000, tail);
        Assert.Equal(data.AsSpan(0x100, 16).ToArray(), tail);
    }

    [Fact]
    public void A_bus_master_transfer_outside_RAM_is_a_master_abort_not_a_host_exception()
    {
        var ram = new PhysicalMemory(1UL << 20);
        IDmaMemory dma = ram;
        var buffer = new byte[8];
        dma.DmaWrite(ram.TopOfRam - 4, new byte[8]); // runs past the top
        dma.DmaRead(0x10, buffer); // PFN 0 is never RAM a device may use
        Assert.Equal(Enumerable.Repeat((byte)0xFF, 8), buffer);
        Assert.Equal(2, ram.DmaFaults);
    }

    [Fact]
    public void TryAllocateContiguous_takes_a_free_run_and_FreeContiguous_returns_it()
    {
        var ram = new PhysicalMemory(64 * 4096);
        var free = ram.FreePages;
        Assert.True(ram.TryAllocateContiguous(8, out var first));
        Assert.True(first >= 1);
        Assert.Equal(free - 8, ram.FreePages);
        Assert.True(ram.TryAllocateContiguous(8, out var second));
        Assert.True(second >= first + 8 || second + 8 <= first); // disjoint runs
        Assert.False(ram.TryAllocateContiguous(60, out _));
        ram.FreeContiguous(first, 8);
        ram.FreeContiguous(second, 8);
        Assert.Equal(free, ram.FreePages);
    }
}
