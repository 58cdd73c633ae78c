using ActorKernel.Actors;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Benchmarks.Processors;

/// <summary>
/// Interrupt → ISR → DPC sequences per second of wall time. Each processor has its own interrupt
/// line; its ISR queues a DPC, and the DPC raises the line again (a closed loop, as a device that
/// completes the next request at once), so N processors run N sequences at a time.
/// Run: <c>dotnet run -c Release --project bench/Benchmarks -- --filter '*InterruptDpc*'</c>.
/// </summary>
[MemoryDiagnoser]
public class InterruptDpcBenchmarks
{
    private const int SequencesPerInvoke = 20_000;
    private Machine _machine = null!;
    private Chain[] _chains = null!;
    private long _completed;

    /// <summary>Simulated processors.</summary>
    [Params(1, 4)]
    public int Processors { get; set; }

    /// <summary>Which dispatcher runs the machine.</summary>
    [Params(DispatcherKind.Deterministic, DispatcherKind.Concurrent)]
    public DispatcherKind Dispatcher { get; set; }

    /// <summary>Whether the ISR and DPC are async routines that each yield once (KeCompute), or return at once.</summary>
    [Params(false, true)]
    public bool Yielding { get; set; }

    /// <summary>Builds the machine, one line and one ISR/DPC pair per processor.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var lines = Enumerable.Range(0, Processors).Select(i => new InterruptLineConfig(10 + i, 0x50 + i, 5, 1UL << i)).ToList();
        _machine = Machine.Create(new MachineOptions
        {
            Processors = Processors,
            Seed = 1,
            Dispatcher = Dispatcher,
            ClockIntervalNs = 0,
            SystemWorkerThreads = 0,
            InterruptLines = lines,
        });
        var module = new KernelModule("benchdev.sys");
        _chains = new Chain[Processors];
        for (var i = 0; i < Processors; i++)
        {
            var chain = new Chain(this, _machine.InterruptController, new RaiseInterruptLine(10 + i));
            KeInitializeDpc(chain.Dpc, Yielding ? chain.YieldingDpcRoutine : chain.DpcRoutine, null, module, "BenchDpc");
            var status = _machine.IoConnectInterrupt(out _, module, Yielding ? chain.YieldingIsr : chain.Isr, null, null, 0x50 + i, (Irql)5, (Irql)5, KInterruptMode.Latched, false, 1UL << i, "BenchIsr");
            if (status != NtStatus.Success)
            {
                throw new InvalidOperationException(status.ToString());
            }
            _chains[i] = chain;
        }
    }

    /// <summary>Stops the machine.</summary>
    [GlobalCleanup]
    public void Cleanup() => _machine.Dispose();

    /// <summary>Runs <see cref="SequencesPerInvoke"/> interrupt → ISR → DPC sequences.</summary>
    [Benchmark(OperationsPerInvoke = SequencesPerInvoke)]
    public void InterruptIsrDpc()
    {
        var target = Interlocked.Read(ref _completed) + SequencesPerInvoke;
        foreach (var chain in _chains)
        {
            chain.Target = target;
            _machine.InterruptController.Tell(chain.Raise);
        }
        if (_machine.System.Deterministic is { } deterministic)
        {
            deterministic.RunUntil(() => Interlocked.Read(ref _completed) >= target);
            return;
        }
        var spin = new SpinWait();
        while (Interlocked.Read(ref _completed) < target)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private sealed class Chain(InterruptDpcBenchmarks owner, IActorRef controller, RaiseInterruptLine raise)
    {
        public readonly KDpc Dpc = new();
        public readonly RaiseInterruptLine Raise = raise;
        public long Target;

        public ValueTask<bool> Isr(KInterrupt interrupt, object? context)
        {
            KeInsertQueueDpc(Dpc, null, null);
            return new ValueTask<bool>(true);
        }

        [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
        public async ValueTask<bool> YieldingIsr(KInterrupt interrupt, object? context)
        {
            await KeCompute(100);
            KeInsertQueueDpc(Dpc, null, null);
            return true;
        }

        [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
        public async ValueTask YieldingDpcRoutine(KDpc dpc, object? context, object? argument1, object? argument2)
        {
            await KeCompute(100);
            await DpcRoutine(dpc, context, argument1, argument2);
        }

        public ValueTask DpcRoutine(KDpc dpc, object? context, object? argument1, object? argument2)
        {
            // The device's next completion: raise the line again until the invocation's work is done.
            if (Interlocked.Increment(ref owner._completed) < Volatile.Read(ref Target))
            {
                controller.Tell(Raise);
            }
            return ValueTask.CompletedTask;
        }
    }
}
