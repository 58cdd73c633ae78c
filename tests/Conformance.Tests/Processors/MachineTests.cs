using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Processors;

[Trait("Area", "Processors")]
public sealed class MachineTests
{
    [Fact]
    public void Machine_of_64_processors_runs_a_DPC_targeted_at_the_last_one()
    {
        using var machine = Create(processors: 64);
        int? ranOn = null;
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => { ranOn = KeGetCurrentProcessorNumber(); return ValueTask.CompletedTask; }, null, Driver);
        KeSetTargetProcessorDpc(dpc, 63);
        machine.RunRoutine(0, Driver, "Queuer", () => { KeInsertQueueDpc(dpc, null, null); return ValueTask.CompletedTask; }, Irql.DispatchLevel);
        Run(machine);

        Assert.Equal(63, ranOn);
        Assert.Equal(64, machine.GetStatistics().Processors.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void Machine_rejects_a_processor_count_outside_1_to_64(int processors)
    {
        var error = Assert.Throws<ArgumentException>(() => Machine.Create(new MachineOptions { Processors = processors }));
        Assert.Contains("1..64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dpc_targeted_at_a_processor_the_machine_lacks_bugchecks_TIMER_OR_DPC_INVALID_with_P1_3()
    {
        using var machine = Create(processors: 2);
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => ValueTask.CompletedTask, null, Driver);
        KeSetTargetProcessorDpc(dpc, 5);
        machine.RunRoutine(0, Driver, "Queuer", () => { KeInsertQueueDpc(dpc, null, null); return ValueTask.CompletedTask; });
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.TimerOrDpcInvalid, dump.Code);
        Assert.Equal([3UL, dpc.Address, 5UL, 2UL], dump.ParameterValues);
    }

    [Fact]
    public void Same_seed_gives_the_same_interleaving_of_contending_processors()
    {
        string RunOnce(ulong seed)
        {
            using var machine = Create(processors: 4, seed: seed);
            var spinLock = new KSpinLock();
            KeInitializeSpinLock(spinLock);
            var order = new List<int>();
            for (var cpu = 0; cpu < 4; cpu++)
            {
                machine.RunRoutine(cpu, Driver, "Contender", async () =>
                {
                    for (var i = 0; i < 5; i++)
                    {
                        var old = await KeAcquireSpinLock(spinLock);
                        order.Add(KeGetCurrentProcessorNumber());
                        await KeCompute(1_000);
                        await KeReleaseSpinLock(spinLock, old);
                    }
                });
            }
            Run(machine);
            return string.Join(",", order) + "\n" + machine.GetStatistics().ToText();
        }
        Assert.Equal(RunOnce(11), RunOnce(11));
    }

    [Fact]
    public void Every_kernel_call_charges_simulated_time_so_a_routine_that_only_calls_services_advances_the_clock()
    {
        using var machine = Create();
        long before = 0, after = 0;
        machine.RunRoutine(0, Driver, "Caller", async () =>
        {
            before = machine.NowNanoseconds;
            for (var i = 0; i < 10; i++)
            {
                KeGetCurrentIrql();
                KeGetCurrentProcessorNumber();
            }
            await KeLowerIrql(Irql.PassiveLevel);
            await KeCompute(0);
            after = machine.NowNanoseconds;
        });
        Run(machine);

        Assert.True(after - before >= 10 * (KernelCostModel.Default.IrqlChangeNs + KernelCostModel.Default.DefaultCallNs),
            $"only {after - before} ns passed");
    }
}
