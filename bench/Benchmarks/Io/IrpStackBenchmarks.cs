using ActorKernel.Actors;
using ActorKernel.Runtime;
using BenchmarkDotNet.Attributes;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Benchmarks.Io;

/// <summary>
/// IRPs per second of wall time through a 3-deep stack (filter → function → PDO, two completion
/// routines) on a simulated machine: one kernel thread per processor sends reads in a loop, the
/// canonical way (reuse the IRP, creator's completion routine sets a KEVENT and returns
/// STATUS_MORE_PROCESSING_REQUIRED, wait only on STATUS_PENDING). The PDO completes at once, or
/// from a DPC. Run: <c>dotnet run -c Release --project bench/Benchmarks -- --filter '*IrpStack*'</c>.
/// </summary>
[MemoryDiagnoser]
public class IrpStackBenchmarks
{
    private const int IrpsPerInvoke = 20_000;
    private Machine _machine = null!;
    private IoManager _io = null!;
    private BenchStack _stack = null!;
    private Irp[] _irps = null!;
    private KEvent[] _events = null!;
    private KEvent[] _go = null!;
    private Func<ValueTask>[] _signalGo = null!;
    private int _perThread;
    private volatile bool _stopping;
    private Func<bool>? _reachedTarget;
    private long _completed;
    private long _target;
    private readonly ManualResetEventSlim _reached = new();

    /// <summary>Which dispatcher runs the machine.</summary>
    [Params(DispatcherKind.Deterministic, DispatcherKind.Concurrent)]
    public DispatcherKind Dispatcher { get; set; }

    /// <summary>Simulated processors (one sending thread each).</summary>
    [Params(1, 4)]
    public int Processors { get; set; }

    /// <summary>Whether the PDO completes from a DPC (pending) or at once.</summary>
    [Params(false, true)]
    public bool CompleteFromDpc { get; set; }

    /// <summary>Builds the machine, the stack and one IRP per sending thread.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _machine = Machine.Create(new MachineOptions
        {
            Processors = Processors,
            Seed = 1,
            Dispatcher = Dispatcher,
            ClockIntervalNs = 0,
            SystemWorkerThreads = 0,
        });
        _io = new IoManager();
        _io.AttachTo(_machine);
        _stack = new BenchStack(_io, CompleteFromDpc, Processors);
        _irps = new Irp[Processors];
        _events = new KEvent[Processors];
        _go = new KEvent[Processors];
        _signalGo = new Func<ValueTask>[Processors];
        _perThread = IrpsPerInvoke / Processors;
        for (var i = 0; i < Processors; i++)
        {
            _irps[i] = IoAllocateIrp(_io, _stack.Top.StackSize, false);
            _events[i] = new KEvent();
            _stack.Register(_irps[i]);
            var go = new KEvent();
            KeInitializeEvent(go, EventType.SynchronizationEvent, false);
            _go[i] = go;
            _signalGo[i] = () =>
            {
                KeSetEvent(go, 0, false);
                return ValueTask.CompletedTask;
            };
            // One sending thread per processor for the whole benchmark: a thread made per invocation
            // allocated about 1 KB, 0.2 B per IRP that the IRP path itself does not allocate.
            var index = i;
            _machine.RunRoutine(i, KernelModule.Kernel, "BenchSender", () => SendWhenTold(index));
        }
    }

    /// <summary>Deliveries the deterministic dispatcher made so far (0 on the concurrent one).</summary>
    internal long Deliveries => _machine.System.Deterministic?.Deliveries ?? 0;

    /// <summary>Stops the machine.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        for (var i = 0; i < Processors; i++)
        {
            _machine.RunRoutine(i, KernelModule.Kernel, "BenchGo", _signalGo[i], Irql.DispatchLevel);
        }
        _machine.Dispose();
    }

    /// <summary>Sends <see cref="IrpsPerInvoke"/> reads through the stack, spread over the processors.</summary>
    [Benchmark(OperationsPerInvoke = IrpsPerInvoke)]
    public void IrpsThroughThreeDeepStack()
    {
        _reached.Reset();
        Volatile.Write(ref _target, Interlocked.Read(ref _completed) + IrpsPerInvoke);
        for (var i = 0; i < Processors; i++)
        {
            // At DISPATCH_LEVEL a routine is a frame, not a new thread: it only releases the sender.
            _machine.RunRoutine(i, KernelModule.Kernel, "BenchGo", _signalGo[i], Irql.DispatchLevel);
        }
        if (_machine.System.Deterministic is { } deterministic)
        {
            // Checked before every delivery: a plain read (Volatile.Read of a long is atomic), not Interlocked.Read's locked
            // compare-exchange, which cost 3-4 % of a deterministic run on its own (the harness's cost, not the kernel's).
            deterministic.RunUntil(_reachedTarget ??= () => Volatile.Read(ref _completed) >= _target);
            return;
        }
        // Block, not spin: on 2 cores a spinning waiter takes the core one of the 4 processors' workers needs.
        _reached.Wait();
    }

    // The sender: one thread per processor, released once per invocation, sends its share of the reads.
    private async ValueTask SendWhenTold(int index)
    {
        var irp = _irps[index];
        var done = _events[index];
        while (true)
        {
            await KeWaitForSingleObject(_go[index], KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            if (_stopping)
            {
                return;
            }
            for (var n = 0; n < _perThread; n++)
            {
                BenchStack.PrepareRead(irp, SenderComplete, done);
                KeClearEvent(done);
                if (await IoCallDriver(_stack.Top, irp) == NtStatus.Pending)
                {
                    await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
                }
            }
            if (Interlocked.Add(ref _completed, _perThread) == Volatile.Read(ref _target))
            {
                _reached.Set();
            }
        }
    }

    private static ValueTask<NtStatus> SenderComplete(DeviceObject? device, Irp irp, object? context)
    {
        KeSetEvent((KEvent)context!, 0, false);
        return new ValueTask<NtStatus>(NtStatus.MoreProcessingRequired);
    }
}

/// <summary>
/// The same stack with routines run inline (no processor model): the I/O manager's own cost per IRP.
/// </summary>
[MemoryDiagnoser]
public class InlineIrpStackBenchmarks
{
    private const int IrpsPerInvoke = 20_000;
    private IoManager _io = null!;
    private BenchStack _stack = null!;
    private Irp _irp = null!;

    /// <summary>Builds the stack and one IRP.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _io = new IoManager();
        _stack = new BenchStack(_io, completeFromDpc: false, processors: 1);
        _irp = IoAllocateIrp(_io, _stack.Top.StackSize, false);
    }

    /// <summary>Sends <see cref="IrpsPerInvoke"/> synchronous reads through the stack.</summary>
    [Benchmark(OperationsPerInvoke = IrpsPerInvoke)]
    public NtStatus InlineIrpsThroughThreeDeepStack()
    {
        var status = NtStatus.Success;
        for (var n = 0; n < IrpsPerInvoke; n++)
        {
            // The IRP is the benchmark's own (IoAllocateIrp, no thread): it must come back to it, as on NT.
            BenchStack.PrepareRead(_irp, OwnerComplete, null);
            status = IoCallDriver(_stack.Top, _irp).GetAwaiter().GetResult();
        }
        return status;
    }

    private static ValueTask<NtStatus> OwnerComplete(DeviceObject? device, Irp irp, object? context) =>
        new(NtStatus.MoreProcessingRequired);
}
