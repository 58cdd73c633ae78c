namespace ActorKernel.Actors;

/// <summary>
/// Simulated cost, in nanoseconds, of each kernel operation. Every kernel call charges a non-zero
/// cost, or virtual time would stand still while a routine loops. Defaults are in the range of a
/// few-GHz x64 processor; scenarios may override any of them.
/// </summary>
public sealed record KernelCostModel
{
    /// <summary>The defaults.</summary>
    public static KernelCostModel Default { get; } = new();

    /// <summary>Taking an interrupt: trap, save state, acquire the interrupt spin lock, call the ISR.</summary>
    public long InterruptDispatchNs { get; init; } = 400;

    /// <summary>Retiring one DPC from the queue and calling its routine.</summary>
    public long DpcDispatchNs { get; init; } = 150;

    /// <summary>Switching to a thread (or resuming a thread after a wait).</summary>
    public long ContextSwitchNs { get; init; } = 1_000;

    /// <summary>KeRaiseIrql, KeLowerIrql and KeGetCurrentIrql.</summary>
    public long IrqlChangeNs { get; init; } = 20;

    /// <summary>KeInsertQueueDpc, KeRemoveQueueDpc and the other DPC calls.</summary>
    public long DpcQueueNs { get; init; } = 60;

    /// <summary>An uncontended spin-lock acquire or release.</summary>
    public long SpinLockNs { get; init; } = 30;

    /// <summary>Timer calls (KeSetTimer, KeCancelTimer) and KeQueryInterruptTime.</summary>
    public long TimerNs { get; init; } = 80;

    /// <summary>Setting or waiting on a dispatcher object (events, mutexes, semaphores).</summary>
    public long DispatcherObjectNs { get; init; } = 120;

    /// <summary>The clock ISR's own work per tick (besides expiring timers).</summary>
    public long ClockTickNs { get; init; } = 250;

    /// <summary>A user-mode thread's system call: the transition into the kernel and back (Win32 calls charge it once each).</summary>
    public long SystemCallNs { get; init; } = 200;

    /// <summary>Any other kernel call.</summary>
    public long DefaultCallNs { get; init; } = 50;
}
