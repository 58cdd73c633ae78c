using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Conformance.Tests.Memory;

/// <summary>Machines with a memory manager for the processor-driven memory tests.</summary>
internal static class ProcessorMemoryFixture
{
    public const long HardFaultNs = 250_000;
    public static readonly KernelModule Driver = new(MemoryTestSupport.Driver);

    /// <summary>A small deterministic machine without a clock (it goes quiescent when idle).</summary>
    public static Machine Create(int processors = 1, bool forceIrqlChecking = false, DispatcherKind dispatcher = DispatcherKind.Deterministic) =>
        Machine.Create(new MachineOptions
        {
            Processors = processors,
            Seed = 11,
            ClockIntervalNs = 0,
            SystemWorkerThreads = 0,
            Dispatcher = dispatcher,
            Memory = new MemoryManagerOptions
            {
                PhysicalMemoryBytes = 32UL << 20,
                NonPagedPoolBytes = 8UL << 20,
                PagedPoolBytes = 8UL << 20,
                HardFaultNanoseconds = HardFaultNs,
            },
            ForceIrqlCheckingModules = forceIrqlChecking ? [MemoryTestSupport.Driver] : [],
        });

    public static void Run(Machine machine) => machine.System.Deterministic!.RunUntilQuiescent(10_000_000);

    public static CrashDump AssertCrash(Machine machine, BugCheckCode code)
    {
        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.True(code == dump.Code, dump.Analysis);
        return dump;
    }
}
