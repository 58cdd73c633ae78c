using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using ActorKernel.Drivers.Zoo;
using BenchmarkDotNet.Attributes;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Benchmarks.Explorer;

/// <summary>
/// The stress explorer's throughput: schedules per second exploring a 100-request scenario (two
/// threads, 50 reads each, through a driver that completes them at once) with random and PCT.
/// Issue 12's floor: 1,000 schedules/s on the reference machine.
/// Run: <c>dotnet run -c Release --project bench/Benchmarks -- --filter '*ExplorerBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class ExplorerBenchmarks
{
    private const int Schedules = 20;

    /// <summary>The strategy.</summary>
    [Params(ExplorationStrategyKind.Random, ExplorationStrategyKind.Pct)]
    public ExplorationStrategyKind Strategy { get; set; }

    /// <summary>Explores <see cref="Schedules"/> schedules of the 100-request scenario.</summary>
    /// <returns>Schedules run.</returns>
    [Benchmark(OperationsPerInvoke = Schedules)]
    public int Explore100Requests() =>
        ActorKernel.Actors.Verifier.Explorer.Explore(HundredReads, new ExplorerOptions { Strategy = Strategy, Schedules = Schedules, Shrink = false }).SchedulesRun;

    /// <summary>Two threads on two processors, 50 reads each.</summary>
    internal static readonly ExplorerScenario HundredReads = new("bench.hundred-reads", run =>
    {
        var bed = ZooBed.Create(run);
        bed.Load("BenchReads", (driver, _) =>
        {
            driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
            driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
            driver.MajorFunction[(int)IrpMajorFunction.Read] = ZooBed.CompleteSuccess;
            ZooBed.CreateDevice(driver, "\\Device\\BenchReads", null);
            return ValueTask.FromResult(NtStatus.Success);
        });
        var finished = 0;
        for (var cpu = 0; cpu < 2; cpu++)
        {
            bed.Thread(cpu, "Reader", async () =>
            {
                var (_, file) = await NtCreateFile(bed.Io, "\\Device\\BenchReads", KProcessorMode.KernelMode, true, false);
                for (var i = 0; i < 50; i++)
                {
                    await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
                }
                finished++;
            });
        }
        bed.RunUntil(() => finished == 2, "100 reads", milliseconds: 100);
    });
}

/// <summary>
/// The cost of a scheduling point with no explorer attached (what every kernel service pays): a
/// loop of KiSchedulingPoint calls against the same loop without them. The floor of issue 12: the
/// IRP and user-mode benchmarks (IrpStackBenchmarks, UserRequestBenchmarks) lose at most 10%.
/// </summary>
public class SchedulingPointBenchmarks
{
    private const int Calls = 1000;
    private readonly object _state = new();
    private int _sink;

    /// <summary>The loop alone.</summary>
    /// <returns>The sink.</returns>
    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public int Loop()
    {
        for (var i = 0; i < Calls; i++)
        {
            _sink += i;
        }
        return _sink;
    }

    /// <summary>The loop with a Write point per iteration.</summary>
    /// <returns>The sink.</returns>
    [Benchmark(OperationsPerInvoke = Calls)]
    public int LoopWithPoints()
    {
        for (var i = 0; i < Calls; i++)
        {
            KiSchedulingPoint.Write(_state);
            _sink += i;
        }
        return _sink;
    }
}
