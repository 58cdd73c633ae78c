namespace ActorKernel.Actors;

/// <summary>
/// The processor actor's own messages, a closed family: <see cref="Processor.Handle"/> switches over
/// all of them (and the interrupt controller's <see cref="ActorKernel.Hardware.InterruptRequest"/>)
/// and throws on anything else. All but <see cref="KiRunRoutine"/> and <see cref="KiWaitTimeout"/>
/// carry no data and are single instances, so the hot path allocates nothing.
/// </summary>
internal abstract record ProcessorMessage;

/// <summary>The charge of the running routine's last yield is paid: continue it (after taking higher-IRQL work).</summary>
internal sealed record KiContinue : ProcessorMessage
{
    public static readonly KiContinue Instance = new();
}

/// <summary>Something changed that may give this processor work: a DPC was queued for it, a thread became ready, a spin lock it spins on was handed over.</summary>
internal sealed record KiWake : ProcessorMessage
{
    public static readonly KiWake Instance = new();
}

/// <summary>Run <paramref name="Routine"/> on this processor at <paramref name="Irql"/> (DISPATCH_LEVEL or above; lower levels run as threads).</summary>
internal sealed record KiRunRoutine(Irql Irql, KernelModule Module, string Name, Func<ValueTask> Routine, AddressSpace? Process = null) : ProcessorMessage;

/// <summary>The timeout of a thread's wait expired (ignored if the wait ended otherwise; <paramref name="WaitGeneration"/> tells).</summary>
internal sealed record KiWaitTimeout(KThread Thread, long WaitGeneration) : ProcessorMessage;

/// <summary>The watchdog of spin <paramref name="SpinId"/> of <paramref name="Frame"/>: if that spin still goes on, the DPC watchdog fires.</summary>
internal sealed record KiSpinWatchdog(Frame Frame, long SpinId) : ProcessorMessage;

/// <summary>
/// Concurrent dispatcher: the processor's one armed spin watchdog. Every frame of the processor still
/// spinning past its deadline fires the DPC watchdog; the next deadline re-arms it.
/// </summary>
internal sealed record KiSpinWatchdogSweep : ProcessorMessage
{
    public static readonly KiSpinWatchdogSweep Instance = new();
}
