using ActorKernel.Actors;
using ActorKernel.Benchmarks.Io;
using ActorKernel.Runtime;
using BenchmarkDotNet.Attributes;

namespace ActorKernel.Benchmarks.Explorer;

/// <summary>
/// What the scheduling points cost a run with no explorer attached (issue 12, acceptance 4: the IRP
/// and user-mode benchmarks lose at most 10%). The IRP benchmark (<see cref="IrpStackBenchmarks"/>) and
/// the user-mode benchmark (<see cref="UserRequestBenchmarks"/>) run with the points as they ship
/// (<c>PointsRemoved = false</c>, the baseline) and with the points' body compiled out
/// (<c>PointsRemoved = true</c>: the AppContext switch <c>ActorKernel.SchedulingPoints.Removed</c>, read
/// once into a static readonly bool the tier-1 JIT folds, so every point is an empty method). Compare the
/// Ratio column: the loss is 1 - Removed/Shipped time.
/// Run: <c>dotnet run -c Release --project bench/Benchmarks -- --filter '*SchedulingPointCost*' --job short</c>.
/// </summary>
/// <remarks>
/// Each case runs in its own process (BenchmarkDotNet's default toolchain); the switch is set in the
/// global setup before the kernel is first touched, and the setup checks it took effect (an in-process
/// run that already initialised the points fails instead of measuring the wrong thing).
/// </remarks>
[MemoryDiagnoser]
public class SchedulingPointCostBenchmarks
{
    // The wrapped benchmarks' operations per invoke (IrpStackBenchmarks.IrpsPerInvoke, UserRequestBenchmarks.RequestsPerInvoke).
    private const int IrpsPerInvoke = 20_000;
    private const int RequestsPerInvoke = 4_000;

    private IrpStackBenchmarks? _irp;
    private UserRequestBenchmarks? _user;

    /// <summary>Whether the points' body is compiled out (true) or as shipped (false, the baseline).</summary>
    [Params(false, true)]
    public bool PointsRemoved { get; set; }

    /// <summary>Sets the switch and builds the IRP benchmark's machine: deterministic, one processor, the PDO completing at once.</summary>
    [GlobalSetup(Target = nameof(IrpsThroughThreeDeepStack))]
    public void SetupIrp()
    {
        SetSwitch();
        _irp = new IrpStackBenchmarks { Dispatcher = DispatcherKind.Deterministic, Processors = 1, CompleteFromDpc = false };
        _irp.Setup();
    }

    /// <summary>Sets the switch and builds the user-mode benchmark's machine: overlapped reads at queue depth 32, buffered I/O.</summary>
    [GlobalSetup(Target = nameof(OverlappedReadFileThroughRamDiskStack))]
    public void SetupUser()
    {
        SetSwitch();
        _user = new UserRequestBenchmarks { Overlapped = true, DirectIo = false };
        _user.Setup();
    }

    /// <summary>Stops the machine.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _irp?.Cleanup();
        _user?.Cleanup();
    }

    /// <summary>The IRP benchmark: reads through a 3-deep stack.</summary>
    [Benchmark(OperationsPerInvoke = IrpsPerInvoke)]
    public void IrpsThroughThreeDeepStack() => _irp!.IrpsThroughThreeDeepStack();

    /// <summary>The user-mode benchmark: overlapped ReadFile through the RAM-disk stack and a completion port.</summary>
    [Benchmark(OperationsPerInvoke = RequestsPerInvoke)]
    public void OverlappedReadFileThroughRamDiskStack() => _user!.ReadFileThroughRamDiskStack();

    private void SetSwitch()
    {
        AppContext.SetSwitch(KiSchedulingPoint.RemovedSwitch, PointsRemoved);
        if (KiSchedulingPoint.IsRemoved != PointsRemoved)
        {
            throw new InvalidOperationException("The scheduling points were initialised before the switch was set: run this benchmark out of process, one case per process.");
        }
    }
}
