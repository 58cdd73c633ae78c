namespace ActorKernel.Actors;

internal enum AcquireResult
{
    Acquired,
    MustSpin,
    AlreadyOwned,
}

internal sealed partial class Processor
{
    private readonly List<KSpinLock> _heldLocks = [];
    private long _spinNs;

    /// <summary>Locks this processor holds, in acquisition order.</summary>
    public IReadOnlyList<KSpinLock> HeldLocks => _heldLocks;

    /// <summary>Total time this processor spent spinning.</summary>
    public long SpinNs => _spinNs;

    public KSpinLockAcquisition KiAcquireSpinLock(KSpinLock spinLock, Irql oldIrql)
    {
        KiCharge(Costs.SpinLockNs);
        if (KiBehindUnawaitedCall)
        {
            // Behind an IoCallDriver not awaited: tried once its dispatch routine returned (KiApplyDeferredSpin), free or not.
            return new KSpinLockAcquisition(this, spinLock, oldIrql);
        }
        return KiTryAcquireFromRoutine(spinLock) switch
        {
            AcquireResult.Acquired => new KSpinLockAcquisition(null, spinLock, oldIrql),
            AcquireResult.MustSpin => new KSpinLockAcquisition(this, spinLock, oldIrql),
            _ => throw KiBugCheck(Top, BugCheckCode.SpinLockAlreadyOwned, spinLock.EnsureAddress(Machine), 0, 0, 0,
                $"{Top?.RoutineName} acquired spin lock {spinLock.Name} that processor {Number} already holds"),
        };
    }

    private AcquireResult KiTryAcquireFromRoutine(KSpinLock spinLock) =>
        KiTryAcquireCore(spinLock, Top ?? throw new InvalidOperationException("A spin lock acquire with no running routine."));

    /// <summary>Processor-side acquire for an ISR's interrupt lock: false when the frame must spin. Recursion bugchecks.</summary>
    private bool KiTryAcquire(KSpinLock spinLock, Frame frame)
    {
        var result = KiTryAcquireCore(spinLock, frame);
        if (result == AcquireResult.AlreadyOwned)
        {
            KiBugCheck(frame, BugCheckCode.SpinLockAlreadyOwned, spinLock.EnsureAddress(Machine), 0, 0, 0,
                $"{frame.RoutineName} needs interrupt spin lock {spinLock.Name} that processor {Number} already holds");
            return true;
        }
        return result == AcquireResult.Acquired;
    }

    private AcquireResult KiTryAcquireCore(KSpinLock spinLock, Frame frame)
    {
        spinLock.EnsureAddress(Machine);
        // A free lock is taken with one compare-exchange; the gate is for waiting (and a release that sees a waiter).
        if (Interlocked.CompareExchange(ref spinLock.Owner, this, null) is null)
        {
            KiTookSpinLock(spinLock);
            return AcquireResult.Acquired;
        }
        lock (spinLock.Gate)
        {
            if (spinLock.Owner == this)
            {
                return AcquireResult.AlreadyOwned;
            }
            // Counted before the second try: a release that freed the lock meanwhile either lets this try
            // succeed or, reading the count after it freed the lock, hands it over under the gate (KiRelease).
            Interlocked.Increment(ref spinLock.WaiterCount);
            if (Interlocked.CompareExchange(ref spinLock.Owner, this, null) is null)
            {
                Interlocked.Decrement(ref spinLock.WaiterCount);
                KiTookSpinLock(spinLock);
                return AcquireResult.Acquired;
            }
            frame.Granted = false;
            spinLock.Waiters.Enqueue(frame);
            spinLock.Contentions++;
            return AcquireResult.MustSpin;
        }
    }

    // The owner alone counts its acquisitions: no other processor writes them while it holds the lock.
    private void KiTookSpinLock(KSpinLock spinLock)
    {
        spinLock.Acquisitions++;
        _heldLocks.Add(spinLock);
    }

    /// <summary>The awaiter of a contended acquire: the running frame spins until the lock is handed to it.</summary>
    public void KiSpin(KSpinLock spinLock, Action continuation)
    {
        var frame = Top!;
        if (frame.State != FrameState.Running && KiDeferIfSuspended(frame, KiSuspension.Spin, continuation, new KiDeferredSuspension { SpinLock = spinLock }))
        {
            return; // behind a call not awaited: the lock is tried once that call finished (KiApplyDeferredSpin)
        }
        frame.LastSuspension = KiSuspension.Spin;
        frame.SuspendIrql = Irql;
        frame.Continuation = continuation;
        KiStartSpin(frame, spinLock);
    }

    // Numbers this processor's spins; a frame slot is reused, so its start time alone cannot tell spins apart.
    private long _spinSequence;

    private void KiStartSpin(Frame frame, KSpinLock spinLock)
    {
        frame.State = FrameState.Spinning;
        frame.SpinningOn = spinLock;
        frame.SpinStartNs = Now;
        frame.SpinId = ++_spinSequence;
        // A spin that never ends (a deadlock) must still stop the machine: the DPC watchdog checks on it.
        // Whichever watchdog fires first: the single DPC/ISR allotment, or the period at DISPATCH_LEVEL or above.
        var remaining = Machine.Options.DpcWatchdogPeriodNs - _elevatedNs;
        if (frame.Kind is FrameKind.Dpc or FrameKind.Isr)
        {
            remaining = Math.Min(remaining, Machine.Options.DpcWatchdogLimitNs - frame.ChargedNs);
        }
        remaining = Math.Max(1, remaining);
        if (_deterministic)
        {
            Machine.System.Scheduler.ScheduleTellOnce(remaining, Self, new KiSpinWatchdog(frame, frame.SpinId), Self);
            return;
        }
        // Concurrent: a timer per spin would sit in the wall-clock queue for the whole watchdog period
        // (20-120 s), a message and a queue entry per contended acquire: one armed watchdog per processor instead.
        frame.SpinDeadlineNs = frame.SpinStartNs + remaining;
        KiArmSpinWatchdog(frame.SpinDeadlineNs);
    }

    // Concurrent dispatcher: the due time of the armed spin watchdog (long.MaxValue: none armed).
    private long _spinWatchdogDueNs = long.MaxValue;

    private void KiArmSpinWatchdog(long deadlineNs)
    {
        if (deadlineNs >= _spinWatchdogDueNs)
        {
            return; // the armed one fires first and re-arms for this deadline
        }
        _spinWatchdogDueNs = deadlineNs;
        Machine.System.Scheduler.ScheduleTellOnce(Math.Max(1, deadlineNs - Now), Self, KiSpinWatchdogSweep.Instance, Self);
    }

    /// <summary>Concurrent dispatcher: the armed spin watchdog fired; a frame spinning past its deadline fires the DPC watchdog.</summary>
    private void KiOnSpinWatchdogSweep()
    {
        _spinWatchdogDueNs = long.MaxValue;
        var next = long.MaxValue;
        var now = Now;
        for (var i = 0; i < _depth; i++)
        {
            var frame = _frames[i];
            if (frame.State != FrameState.Spinning || frame.SpinningOn is null)
            {
                continue;
            }
            if (frame.SpinDeadlineNs <= now)
            {
                KiOnSpinWatchdog(new KiSpinWatchdog(frame, frame.SpinId));
                return;
            }
            next = Math.Min(next, frame.SpinDeadlineNs);
        }
        if (next != long.MaxValue)
        {
            KiArmSpinWatchdog(next);
        }
    }

    /// <summary>
    /// The frame still spins after the watchdog limit: DPC_WATCHDOG_VIOLATION (0x133). A DPC gets
    /// P1 = 0 (single DPC over its allotment; P2/P3 in ticks); other frames P1 = 1 (too long at
    /// DISPATCH_LEVEL or above; P2 = the watchdog period in ticks).
    /// </summary>
    private void KiOnSpinWatchdog(KiSpinWatchdog watchdog)
    {
        var frame = watchdog.Frame;
        if (frame.State != FrameState.Spinning || frame.SpinId != watchdog.SpinId || frame.SpinningOn is null)
        {
            return;
        }
        var tick = Machine.NominalTickNs;
        var spun = Now - frame.SpinStartNs;
        var charged = frame.ChargedNs + spun;
        var note = $"{frame.RoutineName} spun {spun} ns on {frame.SpinningOn.Name} (held by processor {frame.SpinningOn.OwnerProcessor})";
        if (frame.Kind is FrameKind.Dpc or FrameKind.Isr && charged >= Machine.Options.DpcWatchdogLimitNs)
        {
            KiBugCheck(frame, BugCheckCode.DpcWatchdogViolation, 0, (ulong)(charged / tick), (ulong)(Machine.Options.DpcWatchdogLimitNs / tick),
                Machine.KiDpcWatchdogTriageBlock, note);
        }
        else
        {
            KiDpcWatchdogPeriodViolation(frame, _elevatedNs + spun, note);
        }
    }

    /// <summary>The lock was handed over: account the spin and let the frame go on.</summary>
    private void KiEndSpin(Frame frame)
    {
        var spinLock = frame.SpinningOn!;
        var spun = Math.Max(0, Now - frame.SpinStartNs);
        KiTraceSpin(frame, spinLock, spun);
        spinLock.AddSpin(spun);
        _spinNs += spun;
        _residencyNs[(int)Irql] += spun;
        _busyNs += spun;
        _elevatedNs += spun;
        frame.ChargedNs += spun;
        frame.SpinningOn = null;
        frame.Granted = false;
        KiTookSpinLock(spinLock);
        var owed = frame.PendingChargeNs;
        frame.PendingChargeNs = 0;
        if (owed > 0)
        {
            frame.State = FrameState.Yielded;
            ScheduleContinue(owed);
        }
        else
        {
            frame.State = FrameState.Ready;
        }
    }

    /// <summary>Releases <paramref name="spinLock"/>, handing it to the first waiter if any; bugchecks SPIN_LOCK_NOT_OWNED if this processor does not hold it.</summary>
    public void KiReleaseSpinLock(KSpinLock spinLock)
    {
        KiCharge(Costs.SpinLockNs);
        if (KiBehindUnawaitedCall)
        {
            // In NT the dispatch routine of the call not awaited ran under the lock: released once it returned.
            KiDeferRelease(spinLock);
            return;
        }
        if (!KiRelease(spinLock))
        {
            throw KiBugCheck(Top, BugCheckCode.SpinLockNotOwned, spinLock.EnsureAddress(Machine), 0, 0, 0,
                $"{Top?.RoutineName} released spin lock {spinLock.Name} that processor {Number} does not hold");
        }
    }

    private bool KiRelease(KSpinLock spinLock)
    {
        if (Volatile.Read(ref spinLock.Owner) != this)
        {
            return false; // only its owner changes an owned lock: this read cannot race
        }
        Processor? wake = null;
        if (Volatile.Read(ref spinLock.WaiterCount) == 0)
        {
            // Nobody waits: freed with one exchange. A waiter counted meanwhile is handed the lock below, unless
            // its own second try took it (KiTryAcquireCore).
            Interlocked.Exchange(ref spinLock.Owner, null);
            if (Volatile.Read(ref spinLock.WaiterCount) != 0)
            {
                lock (spinLock.Gate)
                {
                    if (spinLock.Waiters.TryPeek(out var next) && Interlocked.CompareExchange(ref spinLock.Owner, next.Processor, null) is null)
                    {
                        wake = KiHandOver(spinLock);
                    }
                }
            }
        }
        else
        {
            lock (spinLock.Gate)
            {
                wake = KiHandOver(spinLock);
            }
        }
        KiForgetHeldLock(spinLock);
        if (wake is not null && wake != this)
        {
            wake.Self.Tell(KiWake.Instance, Self);
        }
        return true;
    }

    /// <summary>Gives the lock to its first waiter (under the gate, with waiters); returns the waiter's processor.</summary>
    private static Processor KiHandOver(KSpinLock spinLock)
    {
        var next = spinLock.Waiters.Dequeue();
        Interlocked.Decrement(ref spinLock.WaiterCount);
        Volatile.Write(ref spinLock.Owner, next.Processor);
        next.Granted = true;
        return next.Processor;
    }

    // Locks are released mostly in the reverse order of their acquisition: looked for from the last.
    private void KiForgetHeldLock(KSpinLock spinLock)
    {
        for (var i = _heldLocks.Count - 1; i >= 0; i--)
        {
            if (ReferenceEquals(_heldLocks[i], spinLock))
            {
                _heldLocks.RemoveAt(i);
                return;
            }
        }
    }
}
