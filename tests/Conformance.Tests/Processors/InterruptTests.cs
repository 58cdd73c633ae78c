using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Processors;

[Trait("Area", "Processors")]
public sealed class InterruptTests
{
    [Fact]
    public void Shared_level_sensitive_vector_calls_each_connected_ISR_in_order_until_one_claims_the_interrupt()
    {
        using var machine = Create();
        var log = new List<string>();
        var claimBySecond = true;
        const KInterruptMode Level = KInterruptMode.LevelSensitive;
        Connect(machine, (_, _) => { log.Add("first"); return ValueTask.FromResult(false); }, share: true, name: "FirstIsr", mode: Level);
        Connect(machine, (_, _) => { log.Add("second"); return ValueTask.FromResult(claimBySecond); }, share: true, name: "SecondIsr", mode: Level);
        Connect(machine, (_, _) => { log.Add("third"); return ValueTask.FromResult(true); }, share: true, name: "ThirdIsr", mode: Level);
        RaiseAt(machine, DeviceLine, 100);
        Run(machine);
        Assert.Equal(["first", "second"], log);

        log.Clear();
        claimBySecond = false;
        RaiseAt(machine, DeviceLine, 100);
        Run(machine);
        Assert.Equal(["first", "second", "third"], log);
    }

    [Fact]
    public void Connecting_a_second_ISR_to_a_non_shared_vector_fails_with_STATUS_INVALID_PARAMETER()
    {
        using var machine = Create();
        Connect(machine, (_, _) => ValueTask.FromResult(true));
        var status = machine.IoConnectInterrupt(out var second, Driver, (_, _) => ValueTask.FromResult(true), null, null, DeviceVector, (Irql)5, (Irql)5,
            KInterruptMode.Latched, true, 0);
        Assert.Equal(NtStatus.InvalidParameter, status);
        Assert.Null(second);
    }

    [Fact]
    public void Interrupt_stays_pending_while_the_processor_is_at_or_above_its_IRQL_and_is_taken_when_IRQL_drops()
    {
        using var machine = Create();
        var log = new List<string>();
        Connect(machine, (_, _) => { log.Add("isr"); return ValueTask.FromResult(true); });
        machine.RunRoutine(0, Driver, "Masking", async () =>
        {
            var old = KeRaiseIrql((Irql)6);
            await KeCompute(10_000);
            log.Add("lowering");
            await KeLowerIrql(old);
            log.Add("lowered");
        });
        RaiseAt(machine, DeviceLine, 1_000);
        Run(machine);

        Assert.Equal(["lowering", "isr", "lowered"], log);
    }

    [Fact]
    public void KeSynchronizeExecution_runs_at_the_DIRQL_holding_the_interrupt_lock_so_the_ISR_waits_on_other_processors()
    {
        using var machine = Create(processors: 2, line1Affinity: 0b10);
        var log = new List<string>();
        var interrupt = Connect(machine, (_, _) => { log.Add($"isr on cpu{KeGetCurrentProcessorNumber()}"); return ValueTask.FromResult(true); });
        machine.RunRoutine(0, Driver, "Synchronizer", async () =>
        {
            await KeSynchronizeExecution(interrupt, async _ =>
            {
                log.Add($"sync at {KeGetCurrentIrql().ToDisplayString()}");
                await KeCompute(20_000);
                log.Add("sync done");
                return true;
            }, null);
        });
        RaiseAt(machine, DeviceLine, 5_000); // delivered to cpu1, whose ISR must spin on the interrupt lock
        Run(machine);

        Assert.Equal(["sync at DIRQL(5)", "sync done", "isr on cpu1"], log);
        Assert.True(machine.GetStatistics().Processors[1].SpinNs > 0);
    }

    [Fact]
    public void KeStallExecutionProcessor_consumes_the_stall_time_at_the_current_IRQL()
    {
        using var machine = Create();
        long before = 0, after = 0;
        machine.RunRoutine(0, Driver, "Staller", async () =>
        {
            before = KeQueryInterruptTime();
            await KeStallExecutionProcessor(50);
            after = KeQueryInterruptTime();
        }, Irql.DispatchLevel);
        Run(machine);

        Assert.True(after - before >= 500, $"50 us is 500 units of 100 ns; got {after - before}");
        Assert.True(machine.GetStatistics().Processors[0].IrqlResidencyNs[(int)Irql.DispatchLevel] >= 50_000);
    }

    [Fact]
    public void Interrupt_controller_delivers_to_a_processor_of_the_lines_affinity()
    {
        using var machine = Create(processors: 4, line1Affinity: 0b0100);
        var ranOn = new List<int>();
        Connect(machine, (_, _) => { ranOn.Add(KeGetCurrentProcessorNumber()); return ValueTask.FromResult(true); });
        for (var i = 0; i < 5; i++)
        {
            RaiseAt(machine, DeviceLine, 1_000 * (i + 1));
        }
        Run(machine);

        Assert.Equal([2, 2, 2, 2, 2], ranOn);
    }
}
