using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Actors.Tests.Ke;

[Trait("Area", "Processors")]
public sealed class KernelContextTests
{
    private static readonly KernelModule Caller = new("caller.sys");
    private static readonly KernelModule Callee = new("callee.sys");

    [Fact]
    public void EnterModule_attributes_a_nested_call_to_the_callee_across_awaits_and_restores_the_caller()
    {
        using var machine = Machine.Create(new MachineOptions { ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        var seen = new List<string>();
        machine.RunRoutine(0, Caller, "CallerRoutine", async () =>
        {
            seen.Add($"{KernelContext.Module.Name}!{KernelContext.Frame.RoutineName}");
            using (KernelContext.EnterModule(Callee, "CalleeDispatch"))
            {
                await KeCompute(1_000);
                seen.Add($"{KernelContext.Module.Name}!{KernelContext.Frame.RoutineName}");
            }
            seen.Add($"{KernelContext.Module.Name}!{KernelContext.Frame.RoutineName}");
            using (KernelContext.EnterModule(Callee, "CalleeDispatch"))
            {
                await KeCompute(1_000);
                throw KernelContext.BugCheck(BugCheckCode.NoMoreIrpStackLocations, 0x1234, 0, 0, 0, "test");
            }
        }, Irql.DispatchLevel);
        machine.System.Deterministic!.RunUntilQuiescent();

        Assert.Equal(["caller.sys!CallerRoutine", "callee.sys!CalleeDispatch", "caller.sys!CallerRoutine"], seen);
        var dump = machine.CrashDump!;
        Assert.Equal(BugCheckCode.NoMoreIrpStackLocations, dump.Code);
        Assert.Equal("callee.sys", dump.FaultingModule);
        Assert.Equal("CalleeDispatch", dump.FaultingRoutine);
        Assert.Contains("Probably caused by: callee.sys (CalleeDispatch)", dump.Analysis, StringComparison.Ordinal);
    }

    [Fact]
    public void Kernel_addresses_are_unique_and_the_same_for_the_same_run()
    {
        ulong[] Addresses()
        {
            using var machine = Machine.Create(new MachineOptions { ClockIntervalNs = 0, SystemWorkerThreads = 0 });
            var objects = new KeObject[] { new KSpinLock(), new KDpc(), new KEvent() };
            var result = new ulong[objects.Length];
            machine.RunRoutine(0, Caller, "Touch", () =>
            {
                for (var i = 0; i < objects.Length; i++)
                {
                    result[i] = objects[i].EnsureAddress(KernelContext.Machine);
                }
                return ValueTask.CompletedTask;
            });
            machine.System.Deterministic!.RunUntilQuiescent();
            return result;
        }
        var first = Addresses();
        Assert.Equal(first, Addresses());
        Assert.Equal(first.Length, first.Distinct().Count());
        Assert.All(first, a => Assert.True(a >= 0xFFFF_8000_0000_0000UL));
    }
}
