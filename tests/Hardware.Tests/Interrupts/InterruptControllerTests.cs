using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Hardware.Tests.Interrupts;

[Trait("Area", "Processors")]
public sealed class InterruptControllerTests
{
    private sealed class FakeProcessor(int number) : IInterruptTarget
    {
        public int Number { get; } = number;

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

    private static (ActorSystem System, IActorRef Controller, FakeProcessor[] Processors) Build(int count, params InterruptLineConfig[] lines)
    {
        var system = ActorSystem.Create("hw", ActorSystemOptions.DeterministicWith(1));
        var processors = Enumerable.Range(0, count).Select(i => new FakeProcessor(i)).ToArray();
        var refs = processors.Select((p, i) => system.ActorOf(Props.Create(() => new Recorder(p)), $"cpu{i}")).ToArray();
        var controller = system.ActorOf(Props.Create(() => new InterruptController(lines, refs, processors)), "pic");
        return (system, controller, processors);
    }

    [Fact]
    public void Raised_line_is_delivered_with_its_vector_and_IRQL_to_a_processor_of_its_affinity()
    {
        var (system, controller, processors) = Build(4, new InterruptLineConfig(7, 0x77, 9, 0b1000));
        using (system)
        {
            controller.Tell(new RaiseInterruptLine(7));
            system.Deterministic!.RunUntilQuiescent();
            var request = Assert.Single(processors[3].Received);
            Assert.Equal(new InterruptRequest(7, 0x77, 9), request);
            Assert.All(processors.Take(3), p => Assert.Empty(p.Received));
        }
    }

    [Fact]
    public void Delivery_prefers_the_processor_at_the_lowest_IRQL_and_goes_round_robin_on_ties()
    {
        var (system, controller, processors) = Build(3, new InterruptLineConfig(1, 0x51, 5));
        using (system)
        {
            processors[0].CurrentIrql = 2;
            processors[1].CurrentIrql = 0;
            processors[2].CurrentIrql = 0;
            for (var i = 0; i < 4; i++)
            {
                controller.Tell(new RaiseInterruptLine(1));
                system.Deterministic!.RunUntilQuiescent();
            }
            Assert.Empty(processors[0].Received);
            Assert.Equal(2, processors[1].Received.Count);
            Assert.Equal(2, processors[2].Received.Count);
        }
    }

    [Fact]
    public void Timer_device_raises_its_line_every_period()
    {
        var (system, controller, processors) = Build(1, new InterruptLineConfig(2, 0x52, 6));
        using (system)
        {
            var timer = system.ActorOf(Props.Create(() => new TimerDevice(controller, 2, 1_000)), "timer");
            timer.Tell(DeviceStart.Instance);
            system.Deterministic!.RunForNanoseconds(10_500);
            Assert.Equal(10, processors[0].Received.Count);
            timer.Tell(DeviceStop.Instance);
            system.Deterministic!.RunForNanoseconds(10_000);
            Assert.Equal(10, processors[0].Received.Count);
        }
    }

    [Fact]
    public void Interrupt_source_is_deterministic_for_a_seed()
    {
        List<long> Times(ulong seed)
        {
            var times = new List<long>();
            var system = ActorSystem.Create("hw", ActorSystemOptions.DeterministicWith(seed));
            using (system)
            {
                var processor = new FakeProcessor(0);
                var cpu = system.ActorOf(Props.Create(() => new TimeRecorder(times)), "cpu0");
                var controller = system.ActorOf(Props.Create(() => new InterruptController([new InterruptLineConfig(1, 0x51, 5)], [cpu], [processor])), "pic");
                var source = system.ActorOf(Props.Create(() => new InterruptSourceDevice(controller, 1, 100, 10_000, new DeterministicRandom(seed))), "src");
                source.Tell(DeviceStart.Instance);
                system.Deterministic!.RunForNanoseconds(200_000);
            }
            return times;
        }
        var a = Times(5);
        Assert.Equal(a, Times(5));
        Assert.NotEqual(a, Times(6));
        Assert.True(a.Count > 20);
    }

    private sealed class TimeRecorder(List<long> times) : ActorBase
    {
        protected override bool Receive(object message)
        {
            times.Add(Context.System.Scheduler.NowNanoseconds);
            return true;
        }
    }
}
