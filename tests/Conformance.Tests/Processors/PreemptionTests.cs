using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Processors;

[Trait("Area", "Processors")]
public sealed class PreemptionTests
{
    [Fact]
    public void Interrupt_preempts_a_PASSIVE_routine_at_its_next_yield_point_and_the_routine_resumes_afterwards()
    {
        using var machine = Create();
        var log = new List<string>();
        Connect(machine, (_, _) =>
        {
            log.Add($"isr at {KeGetCurrentIrql().ToDisplayString()} t={machine.NowNanoseconds}");
            return ValueTask.FromResult(true);
        });
        long yieldEnd = 0;
        machine.RunRoutine(0, Driver, "PassiveRoutine", async () =>
        {
            log.Add("before compute");
            await KeCompute(10_000);
            yieldEnd = machine.NowNanoseconds;
            log.Add($"after compute at {KeGetCurrentIrql().ToDisplayString()}");
            await KeCompute(100);
            log.Add("done");
        });
        RaiseAt(machine, DeviceLine, 2_000);
        Run(machine);

        Assert.False(machine.IsBugChecked);
        Assert.Equal(4, log.Count);
        Assert.Equal("before compute", log[0]);
        Assert.StartsWith("isr at DIRQL(5)", log[1], StringComparison.Ordinal);
        Assert.Equal("after compute at PASSIVE_LEVEL", log[2]);
        Assert.Equal("done", log[3]);
        // The ISR ran at the yield point (after the 10 us computation), not when the line was raised.
        var isrTime = long.Parse(log[1].Split("t=")[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(isrTime >= 10_000, $"ISR ran at {isrTime} ns, inside the computation");
        Assert.True(yieldEnd > isrTime, "the routine resumed only after the ISR");
    }

    [Fact]
    public void Isr_is_not_preempted_by_an_interrupt_of_equal_or_lower_IRQL()
    {
        using var machine = Create();
        var log = new List<string>();
        Connect(machine, async (_, _) =>
        {
            log.Add("isr5 start");
            await KeCompute(5_000);
            log.Add("isr5 end");
            return true;
        }, DeviceVector, (Irql)5, name: "Isr5");
        // A second interrupt object at a lower DIRQL on another vector.
        var status = machine.IoConnectInterrupt(out _, Driver, (_, _) => { log.Add("isr3"); return ValueTask.FromResult(true); }, null, null,
            0x70, (Irql)3, (Irql)3, KInterruptMode.Latched, false, 0, "Isr3");
        Assert.Equal(NtStatus.Success, status);
        RaiseAt(machine, DeviceLine, 100);
        RaiseAt(machine, DeviceLine, 1_000); // same IRQL while the first ISR computes
        machine.System.Scheduler.ScheduleOnce(TimeSpan.FromTicks(20), () =>
            machine.ProcessorRefs[0].Tell(new ActorKernel.Hardware.InterruptRequest(9, 0x70, 3)));
        Run(machine);

        Assert.Equal(["isr5 start", "isr5 end", "isr5 start", "isr5 end", "isr3"], log);
    }

    [Fact]
    public void Higher_IRQL_interrupt_preempts_an_ISR_at_its_yield_point()
    {
        using var machine = Create();
        var log = new List<string>();
        Connect(machine, async (_, _) =>
        {
            log.Add("isr5 start");
            await KeCompute(5_000);
            log.Add("isr5 end");
            return true;
        }, DeviceVector, (Irql)5, name: "Isr5");
        Connect(machine, (_, _) => { log.Add($"isr8 at {KeGetCurrentIrql().ToDisplayString()}"); return ValueTask.FromResult(true); }, SecondVector, (Irql)8, name: "Isr8");
        RaiseAt(machine, DeviceLine, 100);
        RaiseAt(machine, SecondLine, 1_000);
        Run(machine);

        Assert.Equal(["isr5 start", "isr8 at DIRQL(8)", "isr5 end"], log);
    }
}
