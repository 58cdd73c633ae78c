using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Actors.Tests.Io;

[Trait("Area", "IoManager")]
public sealed class KDeviceQueueTests
{
    private static Irp NewIrp(IoManager io) => IoAllocateIrp(io, 1, false);

    [Fact]
    public void KeInsertDeviceQueue_on_an_idle_queue_makes_it_busy_and_queues_nothing()
    {
        var io = new IoManager();
        var queue = new KDeviceQueue();

        Assert.False(queue.KeInsertDeviceQueue(NewIrp(io)));

        Assert.True(queue.Busy);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void KeRemoveDeviceQueue_returns_packets_in_order_then_null_and_goes_idle()
    {
        var io = new IoManager();
        var queue = new KDeviceQueue();
        queue.KeInsertDeviceQueue(NewIrp(io));
        var a = NewIrp(io);
        var b = NewIrp(io);
        queue.KeInsertDeviceQueue(a);
        queue.KeInsertDeviceQueue(b);

        Assert.Same(a, queue.KeRemoveDeviceQueue());
        Assert.Same(b, queue.KeRemoveDeviceQueue());
        Assert.True(queue.Busy);
        Assert.Null(queue.KeRemoveDeviceQueue());
        Assert.False(queue.Busy);
    }

    [Fact]
    public void KeInsertByKeyDeviceQueue_orders_by_key_and_keeps_arrival_order_for_equal_keys()
    {
        var io = new IoManager();
        var queue = new KDeviceQueue();
        queue.KeInsertByKeyDeviceQueue(NewIrp(io), 0);
        var k30 = NewIrp(io);
        var k10 = NewIrp(io);
        var k20a = NewIrp(io);
        var k20b = NewIrp(io);
        queue.KeInsertByKeyDeviceQueue(k30, 30);
        queue.KeInsertByKeyDeviceQueue(k10, 10);
        queue.KeInsertByKeyDeviceQueue(k20a, 20);
        queue.KeInsertByKeyDeviceQueue(k20b, 20);

        Assert.Equal([k10, k20a, k20b, k30], [queue.KeRemoveDeviceQueue()!, queue.KeRemoveDeviceQueue()!, queue.KeRemoveDeviceQueue()!, queue.KeRemoveDeviceQueue()!]);
    }

    [Fact]
    public void KeRemoveEntryDeviceQueue_removes_only_a_queued_packet()
    {
        var io = new IoManager();
        var queue = new KDeviceQueue();
        queue.KeInsertDeviceQueue(NewIrp(io));
        var queued = NewIrp(io);
        queue.KeInsertDeviceQueue(queued);

        Assert.True(queue.KeRemoveEntryDeviceQueue(queued));
        Assert.False(queue.KeRemoveEntryDeviceQueue(queued));
        Assert.Equal(0, queue.Count);
    }

    [Theory]
    [InlineData(IrpMajorFunction.Create, "IRP_MJ_CREATE")]
    [InlineData(IrpMajorFunction.DeviceControl, "IRP_MJ_DEVICE_CONTROL")]
    [InlineData(IrpMajorFunction.Pnp, "IRP_MJ_PNP")]
    [InlineData((IrpMajorFunction)0x40, "IRP_MJ_0x40")]
    public void Major_function_display_names_are_the_wdk_macros(IrpMajorFunction major, string expected) =>
        Assert.Equal(expected, major.ToDisplayString());

    [Fact]
    public void Irp_addresses_are_distinct_and_in_allocation_order()
    {
        var io = new IoManager();
        var first = NewIrp(io);
        var second = NewIrp(io);

        Assert.True(second.Address > first.Address);
        Assert.Equal(first.Address, new IoManager().IopAllocateIrp(1).Address);
    }
}
