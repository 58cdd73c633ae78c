using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Hardware.Tests.Interrupts;

/// <summary>Edge and level lines, shared level lines, the pin, end of interrupt and injected faults, at the controller.</summary>
[Trait("Area", "Hardware")]
public sealed class InterruptLineTests
{
    private const int EdgeLine = 3;
    private const int LevelLine = 4;

    private sealed class FakeProcessor : IInterruptTarget
    {
        public int Number => 0;

        public byte CurrentIrql { get; set; }

        public List<InterruptRequest> Received { get; } = [];
    }

    private sealed class Recorder(FakeProcessor processor) : ActorBase
    {
        protected override bool Receive(object message)
        {
            processor.Received.Add((InterruptRequest)message);
            return true;
        }
    }

    private sealed class Bed : IDisposable
    {
        public Bed()
        {
            System = ActorSystem.Create("lines", ActorSystemOptions.DeterministicWith(3));
            var cpu = System.ActorOf(Props.Create(() => new Recorder(Processor)), "cpu0");
            Controller = System.ActorOf(Props.Create(() => Pic = new InterruptController([EdgeConfig, LevelConfig], [cpu], [Processor])), "pic");
            Run();
        }

        public static InterruptLineConfig EdgeConfig { get; } = new(EdgeLine, 0x53, 5);

        public static InterruptLineConfig LevelConfig { get; } = new(LevelLine, 0x54, 6, 0, InterruptTrigger.Level);

        public ActorSystem System { get; }

        public FakeProcessor Processor { get; } = new();

        public IActorRef Controller { get; }

        public InterruptController? Pic { get; private set; }

        public int Deliveries(int line) => Processor.Received.Count(r => r.Line == line);

        public void Eoi(int line) => Controller.Tell(new EndOfInterrupt(line));

        public void Run() => System.Deterministic!.RunUntilQuiescent();

        public void Dispose() => System.Dispose();
    }

    [Fact]
    public void Edge_pin_makes_one_request_per_assert_and_deassert_does_nothing()
    {
        using var bed = new Bed();
        var pin = bed.Pic!.CreatePin(Bed.EdgeConfig);
        pin.Assert();
        pin.Assert();
        pin.Deassert();
        bed.Run();
        Assert.Equal(2, bed.Deliveries(EdgeLine));
        Assert.All(bed.Processor.Received, r => Assert.Equal(InterruptTrigger.Edge, r.Trigger));
    }

    [Fact]
    public void Level_line_is_delivered_once_until_the_EOI_and_again_after_it_while_still_asserted()
    {
        using var bed = new Bed();
        var pin = bed.Pic!.CreatePin(Bed.LevelConfig);
        pin.Assert();
        bed.Run();
        Assert.Equal(1, bed.Deliveries(LevelLine));
        Assert.Equal(new InterruptRequest(LevelLine, 0x54, 6, InterruptTrigger.Level), bed.Processor.Received[0]);

        bed.Eoi(LevelLine); // the ISR returned but the device still asserts: delivered again
        bed.Run();
        Assert.Equal(2, bed.Deliveries(LevelLine));

        pin.Deassert(); // the ISR acknowledged the device
        bed.Eoi(LevelLine);
        bed.Run();
        Assert.Equal(2, bed.Deliveries(LevelLine));
        var status = bed.Pic!.GetLineStatus(LevelLine);
        Assert.False(status.InService);
        Assert.Equal(0, status.AssertedPins);
    }

    [Fact]
    public void A_pin_changes_the_line_at_once_and_only_the_request_to_the_processor_is_a_message()
    {
        using var bed = new Bed();
        var pin = bed.Pic!.CreatePin(Bed.LevelConfig);
        pin.Assert();
        var status = bed.Pic.GetLineStatus(LevelLine);
        Assert.Equal((1, true, 1L), (status.AssertedPins, status.InService, status.Delivered)); // no actor has run yet
        Assert.Equal(1, bed.Pic.Routed);
        Assert.Empty(bed.Processor.Received);
        pin.Deassert();
        Assert.Equal(0, bed.Pic.GetLineStatus(LevelLine).AssertedPins);
        bed.Run();
        Assert.Equal(1, bed.Deliveries(LevelLine));
    }

    [Fact]
    public void Shared_level_line_stays_asserted_while_any_device_on_it_asserts()
    {
        using var bed = new Bed();
        var a = bed.Pic!.CreatePin(Bed.LevelConfig);
        var b = bed.Pic!.CreatePin(Bed.LevelConfig);
        a.Assert();
        b.Assert();
        a.Assert(); // a pin already asserted does not count twice
        bed.Run();
        Assert.Equal(1, bed.Deliveries(LevelLine));
        Assert.Equal(2, bed.Pic!.GetLineStatus(LevelLine).AssertedPins);

        a.Deassert();
        bed.Eoi(LevelLine);
        bed.Run();
        Assert.Equal(2, bed.Deliveries(LevelLine)); // b still asserts

        b.Deassert();
        bed.Eoi(LevelLine);
        bed.Run();
        Assert.Equal(2, bed.Deliveries(LevelLine));
    }

    [Fact]
    public void Spurious_fault_delivers_one_request_with_no_device_asserting()
    {
        using var bed = new Bed();
        bed.Controller.Tell(new InjectInterruptFault(LevelLine, InterruptFault.Spurious));
        bed.Run();
        Assert.Equal(1, bed.Deliveries(LevelLine));
        bed.Eoi(LevelLine);
        bed.Run();
        Assert.Equal(1, bed.Deliveries(LevelLine)); // nothing asserts it: no redelivery
        Assert.Equal(1, bed.Pic!.GetLineStatus(LevelLine).SpuriousInjected);
    }

    [Fact]
    public void Stuck_level_line_is_redelivered_at_every_EOI_until_released()
    {
        using var bed = new Bed();
        bed.Controller.Tell(new InjectInterruptFault(LevelLine, InterruptFault.StuckAsserted));
        bed.Run();
        for (var i = 0; i < 5; i++)
        {
            bed.Eoi(LevelLine);
            bed.Run();
        }
        Assert.Equal(6, bed.Deliveries(LevelLine));

        bed.Controller.Tell(new InjectInterruptFault(LevelLine, InterruptFault.Release));
        bed.Eoi(LevelLine);
        bed.Run();
        Assert.Equal(6, bed.Deliveries(LevelLine));
    }

    [Fact]
    public void Stuck_edge_line_makes_a_single_edge()
    {
        using var bed = new Bed();
        bed.Controller.Tell(new InjectInterruptFault(EdgeLine, InterruptFault.StuckAsserted));
        bed.Controller.Tell(new InjectInterruptFault(EdgeLine, InterruptFault.StuckAsserted));
        bed.Run();
        Assert.Equal(1, bed.Deliveries(EdgeLine));
    }

    [Fact]
    public void EOI_with_mask_stops_a_stuck_level_line()
    {
        using var bed = new Bed();
        bed.Controller.Tell(new InjectInterruptFault(LevelLine, InterruptFault.StuckAsserted));
        bed.Run();
        bed.Controller.Tell(new EndOfInterrupt(LevelLine, Mask: true));
        bed.Run();
        Assert.Equal(1, bed.Deliveries(LevelLine));
        Assert.True(bed.Pic!.GetLineStatus(LevelLine).Masked);
    }
}
