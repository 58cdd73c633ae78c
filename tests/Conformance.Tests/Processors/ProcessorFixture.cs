using ActorKernel.Actors;
using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Conformance.Tests.Processors;

/// <summary>Builds small deterministic machines for the processor conformance tests.</summary>
internal static class ProcessorFixture
{
    public const int DeviceLine = 1;
    public const int DeviceVector = 0x50;
    public const int SecondLine = 2;
    public const int SecondVector = 0x60;

    public static readonly KernelModule Driver = new("testdrv.sys");

    /// <summary>A machine without a clock (so it goes quiescent) and two device lines: line 1 at DIRQL 5, line 2 at DIRQL 8.</summary>
    public static Machine Create(int processors = 1, ulong seed = 1, long clockNs = 0, int workers = 0, long watchdogNs = 20_000_000_000,
        ulong line1Affinity = 0, ulong line2Affinity = 0, DispatcherKind dispatcher = DispatcherKind.Deterministic) =>
        Machine.Create(new MachineOptions
        {
            Processors = processors,
            Seed = seed,
            Dispatcher = dispatcher,
            ClockIntervalNs = clockNs,
            SystemWorkerThreads = workers,
            DpcWatchdogLimitNs = watchdogNs,
            InterruptLines =
            [
                new InterruptLineConfig(DeviceLine, DeviceVector, 5, line1Affinity),
                new InterruptLineConfig(SecondLine, SecondVector, 8, line2Affinity),
            ],
        });

    public static KInterrupt Connect(Machine machine, KServiceRoutine isr, int vector = DeviceVector, Irql irql = (Irql)5, bool share = false, string name = "Isr",
        KInterruptMode mode = KInterruptMode.Latched)
    {
        var status = machine.IoConnectInterrupt(out var interrupt, Driver, isr, null, null, vector, irql, irql, mode, share, 0, name);
        Assert.Equal(NtStatus.Success, status);
        return interrupt!;
    }

    /// <summary>Raises <paramref name="line"/> after <paramref name="delayNs"/> of virtual time.</summary>
    public static void RaiseAt(Machine machine, int line, long delayNs) =>
        machine.System.Scheduler.ScheduleOnce(TimeSpan.FromTicks(delayNs / 100), () => machine.RaiseInterrupt(line));

    public static void Run(Machine machine) => machine.System.Deterministic!.RunUntilQuiescent(10_000_000);
}
