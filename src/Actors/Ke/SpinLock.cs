using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>
/// A spin lock (WDM <c>KSPIN_LOCK</c>). Owned by a processor; a processor that wants it while
/// another holds it spins at DISPATCH_LEVEL (or the lock's DIRQL), burning simulated time, taking
/// interrupts but not DPCs. Waiters are served in arrival order (as queued spin locks are), and
/// each wait counts as one contention of this lock.
/// </summary>
public sealed class KSpinLock : KeObject
{
    internal readonly Lock Gate = new();
    internal readonly Queue<Frame> Waiters = new();
    internal Processor? Owner;

    // Waiters counted, changed under Gate: a release reads it without the gate (Processor.KiRelease).
    internal int WaiterCount;
    private long _spinNs;

    /// <summary>A name for statistics and crash dumps (KeInitializeSpinLock fills it from the argument).</summary>
    public string Name { get; internal set; } = "";

    /// <summary>The number of the owning processor, or -1 when free.</summary>
    public int OwnerProcessor => Volatile.Read(ref Owner)?.Number ?? -1;

    /// <summary>How many times it was acquired.</summary>
    public long Acquisitions { get; internal set; }

    /// <summary>How many acquires found it held by another processor and had to spin.</summary>
    public long Contentions { get; internal set; }

    /// <summary>Total simulated time processors spent spinning on it.</summary>
    public long SpinNs => Interlocked.Read(ref _spinNs);

    internal void AddSpin(long ns) => Interlocked.Add(ref _spinNs, ns);
}

/// <summary>
/// WDM <c>KLOCK_QUEUE_HANDLE</c>: the caller's queue entry for an in-stack queued spin lock; it
/// remembers the lock and the IRQL to restore.
/// </summary>
public sealed class KLockQueueHandle
{
    /// <summary>The lock this handle acquired.</summary>
    public KSpinLock? Lock { get; internal set; }

    /// <summary>The IRQL before the acquire.</summary>
    public Irql OldIrql { get; internal set; }
}

public static partial class Wdm
{
    /// <summary>KeInitializeSpinLock: makes the lock free.</summary>
    /// <param name="spinLock">The lock.</param>
    /// <param name="name">Filled in by the compiler: the lock's name for statistics.</param>
    /// <remarks>Any IRQL; also outside a routine.</remarks>
    public static void KeInitializeSpinLock(KSpinLock spinLock, [CallerArgumentExpression(nameof(spinLock))] string name = "")
    {
        ArgumentNullException.ThrowIfNull(spinLock);
        lock (spinLock.Gate)
        {
            spinLock.Owner = null;
            spinLock.Waiters.Clear();
            spinLock.WaiterCount = 0;
        }
        spinLock.Name = KiRoutineName(name, "SpinLock");
        Processor.CurrentOrNull?.KiCharge(Processor.CurrentOrNull.Costs.SpinLockNs);
    }

    /// <summary>
    /// KeAcquireSpinLock: raises to DISPATCH_LEVEL and acquires the lock, spinning while another
    /// processor holds it. Await it; the result is the OldIrql to give to KeReleaseSpinLock.
    /// Acquiring a lock this processor already holds bugchecks SPIN_LOCK_ALREADY_OWNED (0xF, P1 = lock).
    /// </summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL (above it, the raise bugchecks IRQL_NOT_GREATER_OR_EQUAL, 0x9).</remarks>
    public static KSpinLockAcquisition KeAcquireSpinLock(KSpinLock spinLock)
    {
        KiSchedulingPoint.Write(spinLock);
        KiChecked.KeAcquireSpinLock();
        Verifier.VfDeadlockDetection.KiCheckAcquire(spinLock);
        ArgumentNullException.ThrowIfNull(spinLock);
        var processor = Processor.Current;
        var old = processor.KiRaiseIrql(Irql.DispatchLevel);
        return processor.KiAcquireSpinLock(spinLock, old);
    }

    /// <summary>KeReleaseSpinLock: releases the lock and lowers IRQL to <paramref name="newIrql"/>; await it so DPCs unmasked by the drop run here.</summary>
    /// <remarks>IRQL == DISPATCH_LEVEL. Releasing a lock this processor does not hold bugchecks SPIN_LOCK_NOT_OWNED (0x10, P1 = lock).</remarks>
    public static KernelYield KeReleaseSpinLock(KSpinLock spinLock, Irql newIrql)
    {
        KiSchedulingPoint.Write(spinLock);
        ArgumentNullException.ThrowIfNull(spinLock);
        var processor = Processor.Current;
        processor.KiReleaseSpinLock(spinLock);
        KiChecked.KeReleaseSpinLock(newIrql); // after SPIN_LOCK_NOT_OWNED, which the free build raises too
        return processor.KiLowerIrql(newIrql);
    }

    /// <summary>KeAcquireSpinLockAtDpcLevel: acquires the lock without changing IRQL; await it.</summary>
    /// <remarks>IRQL &gt;= DISPATCH_LEVEL; below it bugchecks DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4, P1 = 0x40, P2 = IRQL, P3 = lock).</remarks>
    public static KSpinLockAcquisition KeAcquireSpinLockAtDpcLevel(KSpinLock spinLock)
    {
        KiSchedulingPoint.Write(spinLock);
        Verifier.VfDeadlockDetection.KiCheckAcquire(spinLock);
        ArgumentNullException.ThrowIfNull(spinLock);
        var processor = Processor.Current;
        if (processor.Irql < Irql.DispatchLevel)
        {
            throw processor.KiBugCheck(processor.Top, BugCheckCode.DriverVerifierDetectedViolation, 0x40, (ulong)processor.Irql,
                spinLock.EnsureAddress(processor.Machine), 0, "KeAcquireSpinLockAtDpcLevel below DISPATCH_LEVEL");
        }
        return processor.KiAcquireSpinLock(spinLock, processor.Irql);
    }

    /// <summary>KeReleaseSpinLockFromDpcLevel: releases the lock without changing IRQL.</summary>
    /// <remarks>IRQL &gt;= DISPATCH_LEVEL; below it bugchecks 0xC4 with P1 = 0x41.</remarks>
    public static void KeReleaseSpinLockFromDpcLevel(KSpinLock spinLock)
    {
        KiSchedulingPoint.Write(spinLock);
        ArgumentNullException.ThrowIfNull(spinLock);
        var processor = Processor.Current;
        if (processor.Irql < Irql.DispatchLevel)
        {
            throw processor.KiBugCheck(processor.Top, BugCheckCode.DriverVerifierDetectedViolation, 0x41, (ulong)processor.Irql,
                spinLock.EnsureAddress(processor.Machine), 0, "KeReleaseSpinLockFromDpcLevel below DISPATCH_LEVEL");
        }
        processor.KiReleaseSpinLock(spinLock);
    }

    /// <summary>KeAcquireInStackQueuedSpinLock: raises to DISPATCH_LEVEL and acquires the lock in FIFO order; the handle keeps the old IRQL. Await it.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static KSpinLockAcquisition KeAcquireInStackQueuedSpinLock(KSpinLock spinLock, KLockQueueHandle lockHandle)
    {
        KiSchedulingPoint.Write(spinLock);
        Verifier.VfDeadlockDetection.KiCheckAcquire(spinLock);
        ArgumentNullException.ThrowIfNull(spinLock);
        ArgumentNullException.ThrowIfNull(lockHandle);
        var processor = Processor.Current;
        var old = processor.KiRaiseIrql(Irql.DispatchLevel);
        lockHandle.Lock = spinLock;
        lockHandle.OldIrql = old;
        return processor.KiAcquireSpinLock(spinLock, old);
    }

    /// <summary>KeReleaseInStackQueuedSpinLock: releases the handle's lock and restores its IRQL. Await it.</summary>
    /// <remarks>IRQL == DISPATCH_LEVEL.</remarks>
    public static KernelYield KeReleaseInStackQueuedSpinLock(KLockQueueHandle lockHandle)
    {
        KiSchedulingPoint.Write(lockHandle);
        ArgumentNullException.ThrowIfNull(lockHandle);
        var spinLock = lockHandle.Lock ?? throw KiReleaseOfEmptyHandle("KeReleaseInStackQueuedSpinLock");
        var processor = Processor.Current;
        processor.KiReleaseSpinLock(spinLock);
        lockHandle.Lock = null;
        return processor.KiLowerIrql(lockHandle.OldIrql);
    }

    /// <summary>KeAcquireInStackQueuedSpinLockAtDpcLevel: as <see cref="KeAcquireInStackQueuedSpinLock"/> without raising IRQL.</summary>
    /// <remarks>IRQL &gt;= DISPATCH_LEVEL.</remarks>
    public static KSpinLockAcquisition KeAcquireInStackQueuedSpinLockAtDpcLevel(KSpinLock spinLock, KLockQueueHandle lockHandle)
    {
        KiSchedulingPoint.Write(spinLock);
        Verifier.VfDeadlockDetection.KiCheckAcquire(spinLock);
        ArgumentNullException.ThrowIfNull(lockHandle);
        var acquisition = KeAcquireSpinLockAtDpcLevel(spinLock);
        lockHandle.Lock = spinLock;
        lockHandle.OldIrql = Processor.Current.Irql;
        return acquisition;
    }

    /// <summary>KeReleaseInStackQueuedSpinLockFromDpcLevel: releases the handle's lock without changing IRQL.</summary>
    /// <remarks>IRQL &gt;= DISPATCH_LEVEL.</remarks>
    public static void KeReleaseInStackQueuedSpinLockFromDpcLevel(KLockQueueHandle lockHandle)
    {
        KiSchedulingPoint.Write(lockHandle);
        ArgumentNullException.ThrowIfNull(lockHandle);
        var spinLock = lockHandle.Lock ?? throw KiReleaseOfEmptyHandle("KeReleaseInStackQueuedSpinLockFromDpcLevel");
        KeReleaseSpinLockFromDpcLevel(spinLock);
        lockHandle.Lock = null;
    }

    /// <summary>
    /// A queued spin lock released through a handle no acquire filled (never acquired, or released twice):
    /// SPIN_LOCK_NOT_OWNED with P1 = 0, the handle's lock pointer. On NT the pointer is whatever the stack
    /// held, so the outcome is undefined; the simulator stops as for any lock the processor does not own.
    /// </summary>
    private static BugCheckException KiReleaseOfEmptyHandle(string service) =>
        Processor.Current.KiBugCheck(Processor.Current.Top, BugCheckCode.SpinLockNotOwned, 0, 0, 0, 0,
            $"{service}: the KLOCK_QUEUE_HANDLE holds no lock (never acquired, or released twice)");
}
