using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    // The cancel spin lock (IopCancelSpinLock): one per machine. Owner is the processor holding it.
    private IIoProcessor? _cancelLockOwner;

    /// <summary>The simulated address of the cancel spin lock (P1 of the spin-lock bugchecks).</summary>
    public ulong CancelSpinLockAddress { get; } = 0xFFFF_F800_0300_0040;

    // On a machine the cancel spin lock is a KSPIN_LOCK of the processor model: a processor that
    // wants it while another holds it spins in simulated time, and contention is counted.
    private readonly KSpinLock _cancelKeLock = new() { Name = "IopCancelSpinLock" };

    /// <summary>The cancel spin lock as a processor-model spin lock (its statistics: acquisitions, contentions, spin time).</summary>
    public KSpinLock CancelSpinLock => _cancelKeLock;

    /// <summary>Whether a processor holds the cancel spin lock.</summary>
    public bool CancelSpinLockHeld => Volatile.Read(ref _cancelLockOwner) is not null || _cancelKeLock.OwnerProcessor >= 0;

    private bool UsesKeSpinLock => Machine is not null && Processor.CurrentOrNull is not null;

    /// <summary>IoAcquireCancelSpinLock: on a machine, KeAcquireSpinLock of the cancel lock (may spin); inline, the lock below.</summary>
    internal ValueTask<Irql> IopAcquireCancelSpinLockAsync()
    {
        if (!UsesKeSpinLock)
        {
            return ValueTask.FromResult(IopAcquireCancelSpinLock());
        }
        var acquisition = Wdm.KeAcquireSpinLock(_cancelKeLock);
        return acquisition.IsCompleted ? ValueTask.FromResult(acquisition.GetResult()) : IopSpinForCancelLock(acquisition);
    }

    private static async ValueTask<Irql> IopSpinForCancelLock(KSpinLockAcquisition acquisition) => await acquisition;

    internal Irql IopAcquireCancelSpinLock()
    {
        if (UsesKeSpinLock)
        {
            throw new InvalidOperationException("On a machine the cancel spin lock can spin: await IoAcquireCancelSpinLock.");
        }
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
        if (UsesKeSpinLock)
        {
            // The drop below DISPATCH_LEVEL lets DPCs run at the caller's next yield point.
            _ = Wdm.KeReleaseSpinLock(_cancelKeLock, oldIrql);
            return;
        }
        var cpu = InlineIoProcessor.Current;
        if (!ReferenceEquals(Interlocked.CompareExchange(ref _cancelLockOwner, null, cpu), cpu))
        {
            throw IoManager.IopBugCheck(BugCheckCode.SpinLockNotOwned, CancelSpinLockAddress);
        }
        cpu.SwapIrql(oldIrql);
        cpu.Charge(Costs.DefaultCallNs);
    }

    /// <summary>IoCancelIrp (ReactOS io/iomgr/irp.c shape).</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    internal async ValueTask<bool> IopCancelIrp(Irp irp)
    {
        MakeCurrent();
        var oldIrql = await IopAcquireCancelSpinLockAsync().ConfigureAwait(false);
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
        // IoGetCurrentIrpStackLocation(Irp)->DeviceObject: NULL for an IRP not sent yet (its own
        // location never filled, or none: CurrentLocation = StackCount + 1); NT passes it as it is.
        var current = irp.CurrentLocation <= irp.StackCount ? irp.CurrentStackLocation : null;
        var device = current?.DeviceObject;
        IopCheckLoaded(device?.DriverObject, cancelRoutine);
        using var attribution = KeIoProcessor.Attribute(device?.DriverObject, cancelRoutine);
        if (Tracing)
        {
            var cpu = InlineIoProcessor.Current;
            var run = new IoRoutineEvent(IoRoutineKind.Cancel, cancelRoutine.Method.Name, device?.DriverObject, device, irp, irp.CurrentLocation,
                current?.MajorFunction ?? irp.StackAt(irp.StackCount).MajorFunction, cpu.Number, cpu.CurrentIrql);
            var activity = IoTrace.RoutineStarted(run, Observer);
            await cancelRoutine(device!, irp).ConfigureAwait(false);
            IoTrace.RoutineFinished(run, activity, Observer, NtStatus.Cancelled);
        }
        else
        {
            await cancelRoutine(device!, irp).ConfigureAwait(false);
        }
        return true;
    }
}
