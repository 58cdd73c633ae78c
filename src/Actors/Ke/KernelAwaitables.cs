using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>
/// What a yielding kernel service returns: awaiting it charges the service's simulated cost and
/// hands control back to the processor, which may run higher-IRQL work (pending interrupts, and
/// DPCs once IRQL is below DISPATCH_LEVEL) before the routine continues. Allocation-free.
/// </summary>
/// <remarks>Await it at once, exactly once; it is bound to the processor that made it.</remarks>
public readonly struct KernelYield : ICriticalNotifyCompletion
{
    private readonly Processor? _processor;
    private readonly long _costNs;

    internal KernelYield(Processor? processor, long costNs)
    {
        _processor = processor;
        _costNs = costNs;
    }

    /// <summary>Whether the routine continues without yielding (nothing could preempt it here).</summary>
    public bool IsCompleted => _processor is null;

    /// <summary>The awaiter (this value).</summary>
    public KernelYield GetAwaiter() => this;

    /// <summary>Ends the await.</summary>
    public void GetResult()
    {
    }

    /// <inheritdoc />
    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    /// <inheritdoc />
    public void UnsafeOnCompleted(Action continuation) => _processor!.KiYield(_costNs, continuation);
}

/// <summary>
/// What <see cref="Wdm.KeAcquireSpinLock"/> and the other acquires return: completes at once when the
/// lock was free; otherwise the processor spins (burning simulated time, taking interrupts but no
/// DPCs) until the holder hands the lock over. The result is the IRQL to pass back on release.
/// </summary>
public readonly struct KSpinLockAcquisition : ICriticalNotifyCompletion
{
    private readonly Processor? _processor;
    private readonly KSpinLock? _lock;
    private readonly Irql _oldIrql;

    internal KSpinLockAcquisition(Processor? spinningProcessor, KSpinLock? spinLock, Irql oldIrql)
    {
        _processor = spinningProcessor;
        _lock = spinLock;
        _oldIrql = oldIrql;
    }

    /// <summary>Whether the lock is already held by the caller.</summary>
    public bool IsCompleted => _processor is null;

    /// <summary>The awaiter (this value).</summary>
    public KSpinLockAcquisition GetAwaiter() => this;

    /// <summary>The IRQL before the acquire (KeAcquireSpinLock's OldIrql).</summary>
    public Irql GetResult() => _oldIrql;

    /// <inheritdoc />
    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    /// <inheritdoc />
    public void UnsafeOnCompleted(Action continuation) => _processor!.KiSpin(_lock!, continuation);
}

/// <summary>
/// What the KeWaitFor* services return: the wait status (STATUS_SUCCESS / STATUS_WAIT_n,
/// STATUS_TIMEOUT). Completes at once when the wait was satisfied on entry; otherwise the thread
/// blocks and the processor runs other ready threads.
/// </summary>
public readonly struct KWaitAwaitable : ICriticalNotifyCompletion
{
    private readonly KThread? _blocking;
    private readonly NtStatus _immediate;
    private readonly KiDeferredSuspension? _deferred;

    internal KWaitAwaitable(KThread? blocking, NtStatus immediate)
    {
        _blocking = blocking;
        _immediate = immediate;
    }

    // A wait asked for while the frame was already suspended (an IoCallDriver not awaited): registered after that call finishes.
    internal KWaitAwaitable(KThread blocking, KiDeferredSuspension deferred)
    {
        _blocking = blocking;
        _deferred = deferred;
    }

    /// <summary>Whether the wait was satisfied without blocking.</summary>
    public bool IsCompleted => _blocking is null;

    /// <summary>The awaiter (this value).</summary>
    public KWaitAwaitable GetAwaiter() => this;

    /// <summary>The wait's status.</summary>
    public NtStatus GetResult() => _blocking is null ? _immediate : _blocking.WaitStatus;

    /// <inheritdoc />
    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    /// <inheritdoc />
    public void UnsafeOnCompleted(Action continuation)
    {
        if (_deferred is not null)
        {
            _blocking!.Processor!.KiBlockThreadDeferred(_deferred, continuation);
        }
        else
        {
            _blocking!.Processor!.KiBlockThread(_blocking, continuation);
        }
    }
}
