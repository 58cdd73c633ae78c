namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    // The cancel spin lock (IopCancelSpinLock): one per machine. Owner is the processor holding it.
    private IIoProcessor? _cancelLockOwner;

    /// <summary>The simulated address of the cancel spin lock (P1 of the spin-lock bugchecks).</summary>
    public ulong CancelSpinLockAddress { get; } = 0xFFFF_F800_0300_0040;

    /// <summary>Whether a processor holds the cancel spin lock.</summary>
    public bool CancelSpinLockHeld => Volatile.Read(ref _cancelLockOwner) is not null;

    internal Irql IopAcquireCancelSpinLock()
    {
        var cpu = InlineIoProcessor.Current;
        if (cpu.CurrentIrql > Irql.DispatchLevel)
        {
            throw IoManager.IopBugCheck(BugCheckCode.IrqlNotGreaterOrEqual);
        }
        var old = cpu.SwapIrql(Irql.DispatchLevel);
        cpu.Charge(Costs.DefaultCallNs);
        if (ReferenceEquals(Volatile.Read(ref _cancelLockOwner), cpu))
        {
            throw IoManager.IopBugCheck(BugCheckCode.SpinLockAlreadyOwned, CancelSpinLockAddress);
        }
        var spin = new SpinWait();
        for (var spins = 0; Interlocked.CompareExchange(ref _cancelLockOwner, cpu, null) is not null; spins++)
        {
            // Another processor holds it (only when processors run on threads of their own): spin, as a processor does.
            if (spins > 10_000_000)
            {
                throw new InvalidOperationException("The cancel spin lock's holder never released it: a routine yielded or failed while holding it.");
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return old;
    }

    internal void IopReleaseCancelSpinLock(Irql oldIrql)
    {
        var cpu = InlineIoProcessor.Current;
        if (!ReferenceEquals(Interlocked.CompareExchange(ref _cancelLockOwner, null, cpu), cpu))
        {
            throw IoManager.IopBugCheck(BugCheckCode.SpinLockNotOwned, CancelSpinLockAddress);
        }
        cpu.SwapIrql(oldIrql);
        cpu.Charge(Costs.DefaultCallNs);
    }

    /// <summary>IoCancelIrp (ReactOS io/iomgr/irp.c shape).</summary>
    internal async ValueTask<bool> IopCancelIrp(Irp irp)
    {
        MakeCurrent();
        var oldIrql = IopAcquireCancelSpinLock();
        irp.Cancel = true;
        var cancelRoutine = Wdm.IoSetCancelRoutine(irp, null);
        if (cancelRoutine is null)
        {
            IopReleaseCancelSpinLock(oldIrql);
            return false;
        }
        if (irp.CurrentLocation > irp.StackCount + 1)
        {
            throw IoManager.IopBugCheck(BugCheckCode.CancelStateInCompletedIrp, irp.Address, RoutineAddress(cancelRoutine));
        }
        irp.CancelIrql = oldIrql;
        var device = irp.CurrentStackLocation.DeviceObject!;
        using var attribution = KeIoProcessor.Attribute(device.DriverObject, cancelRoutine);
        if (Tracing)
        {
            var cpu = InlineIoProcessor.Current;
            var run = new IoRoutineEvent(IoRoutineKind.Cancel, cancelRoutine.Method.Name, device.DriverObject, device, irp, irp.CurrentLocation,
                irp.CurrentStackLocation.MajorFunction, cpu.Number, cpu.CurrentIrql);
            var activity = IoTrace.RoutineStarted(run, Observer);
            await cancelRoutine(device, irp).ConfigureAwait(false);
            IoTrace.RoutineFinished(run, activity, Observer, NtStatus.Cancelled);
        }
        else
        {
            await cancelRoutine(device, irp).ConfigureAwait(false);
        }
        return true;
    }
}
