using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Actors.Tests.Ke;

[Trait("Area", "Processors")]
public sealed class KernelRoutineBuilderTests
{
    private static readonly KernelModule Driver = new("pooldrv.sys");

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<int> AddLater(int a, int b)
    {
        await KeCompute(100);
        await KeCompute(100);
        return a + b;
    }

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    private static async ValueTask Summing(List<int> sums, int rounds)
    {
        for (var i = 0; i < rounds; i++)
        {
            sums.Add(await AddLater(i, 1));
        }
    }

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    private static async ValueTask Throwing()
    {
        await KeCompute(10);
        throw new DivideByZeroException();
    }

    [Fact]
    public void Pooled_routines_on_four_processors_interleave_and_return_their_results()
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 4, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        var sums = Enumerable.Range(0, 4).Select(_ => new List<int>()).ToArray();
        for (var cpu = 0; cpu < 4; cpu++)
        {
            var mine = sums[cpu];
            machine.RunRoutine(cpu, Driver, "Summing", () => Summing(mine, 50), Irql.DispatchLevel);
        }
        machine.System.Deterministic!.RunUntilQuiescent();

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.All(sums, s => Assert.Equal(Enumerable.Range(1, 50), s));
    }

    [Fact]
    public void Exception_in_a_pooled_routine_reaches_the_processor_as_a_bugcheck()
    {
        using var machine = Machine.Create(new MachineOptions { ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        machine.RunRoutine(0, Driver, "Throwing", Throwing, Irql.DispatchLevel);
        machine.System.Deterministic!.RunUntilQuiescent();

        Assert.Equal(BugCheckCode.KmodeExceptionNotHandled, machine.CrashDump!.Code);
        Assert.Equal(0xC0000094UL, machine.CrashDump.ParameterValues[0]);
    }
}
