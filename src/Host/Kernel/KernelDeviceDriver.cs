using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Host;

/// <summary>
/// The small driver the kernel runner connects to each scenario device (module <c>NAME.sys</c>):
/// its ISR reads the device (the <c>isr</c> cost) and queues a DPC; the DPC does the deferred work
/// (the <c>dpc</c> cost) and updates statistics shared by every device under one spin lock (the
/// <c>spinLockHold</c> cost), so processors contend for it. With <c>spreadDpcs</c> the DPCs are
/// targeted round-robin over the processors (receive-side scaling).
/// </summary>
internal sealed class KernelDeviceDriver
{
    private readonly Machine _machine;
    private readonly KSpinLock _sharedLock;
    private readonly long _isrNs;
    private readonly long _dpcNs;
    private readonly long _holdNs;
    private readonly KDpc[] _dpcs;
    private readonly int[] _maxQueueDepth;
    private int _next;
    private long _isrCalls;
    private long _dpcRuns;

    public KernelDeviceDriver(Machine machine, string device, KSpinLock sharedLock, int[] maxQueueDepth, long isrNs, long dpcNs, long holdNs, bool spreadDpcs)
    {
        _machine = machine;
        _maxQueueDepth = maxQueueDepth;
        _sharedLock = sharedLock;
        _isrNs = isrNs;
        _dpcNs = dpcNs;
        _holdNs = holdNs;
        Device = device;
        Module = new KernelModule(device + ".sys");
        _dpcs = new KDpc[spreadDpcs ? machine.ProcessorCount : 1];
        for (var i = 0; i < _dpcs.Length; i++)
        {
            _dpcs[i] = new KDpc();
            KeInitializeDpc(_dpcs[i], DpcRoutine, null, Module);
            if (spreadDpcs)
            {
                KeSetTargetProcessorDpc(_dpcs[i], i);
            }
        }
    }

    /// <summary>The scenario device this driver serves.</summary>
    public string Device { get; }

    /// <summary>The driver's module (<c>NAME.sys</c>): crash dumps name it.</summary>
    public KernelModule Module { get; }

    /// <summary>The interrupt object, once connected.</summary>
    public KInterrupt? Interrupt { get; private set; }

    /// <summary>ISR calls.</summary>
    public long IsrCalls => Interlocked.Read(ref _isrCalls);

    /// <summary>DPC routine runs.</summary>
    public long DpcRuns => Interlocked.Read(ref _dpcRuns);

    /// <summary>IoConnectInterrupt on the device's line (its vector, DIRQL and affinity).</summary>
    public void Connect(int line)
    {
        var config = _machine.GetInterruptLine(line);
        var status = _machine.IoConnectInterrupt(out var interrupt, Module, Isr, null, null, config.Vector, (Irql)config.Irql, (Irql)config.Irql,
            KInterruptMode.Latched, false, config.Affinity, Device + "Isr");
        Interrupt = status == NtStatus.Success ? interrupt : throw new InvalidOperationException($"IoConnectInterrupt for {Device}: {status}");
    }

    // Hot routines: boxes from the kernel's per-thread free list, so steady-state interrupts allocate nothing.
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private async ValueTask<bool> Isr(KInterrupt interrupt, object? context)
    {
        Interlocked.Increment(ref _isrCalls);
        await KeCompute(_isrNs);
        var dpc = _dpcs.Length == 1 ? _dpcs[0] : _dpcs[(Interlocked.Increment(ref _next) & int.MaxValue) % _dpcs.Length];
        if (KeInsertQueueDpc(dpc, null, null))
        {
            // The per-processor maximum the summary reports (exact on the deterministic dispatcher, best effort on the concurrent one).
            var cpu = dpc.TargetProcessor >= 0 ? dpc.TargetProcessor : KeGetCurrentProcessorNumber();
            var depth = _machine.Processors[cpu].DpcQueueDepth;
            if (depth > Volatile.Read(ref _maxQueueDepth[cpu]))
            {
                Volatile.Write(ref _maxQueueDepth[cpu], depth);
            }
        }
        return true;
    }

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    private async ValueTask DpcRoutine(KDpc dpc, object? context, object? argument1, object? argument2)
    {
        Interlocked.Increment(ref _dpcRuns);
        await KeCompute(_dpcNs);
        if (_holdNs > 0)
        {
            var old = await KeAcquireSpinLock(_sharedLock);
            await KeCompute(_holdNs);
            await KeReleaseSpinLock(_sharedLock, old);
        }
    }
}
