using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// IoStartPacket: at DISPATCH_LEVEL, starts the IRP on the device (DriverStartIo) if the device is
    /// idle, otherwise queues it on the device queue. With a cancel routine the IRP is cancellable
    /// while queued; one cancelled before it was queued is cancelled at once.
    /// </summary>
    /// <param name="deviceObject">The device.</param>
    /// <param name="irp">The packet (the caller marked it pending).</param>
    /// <param name="key">A sort key (null for FIFO).</param>
    /// <param name="cancelFunction">The cancel routine while queued, or null.</param>
    /// <returns>A task that ends when the packet is started or queued.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    public static async ValueTask IoStartPacket(DeviceObject deviceObject, Irp irp, uint? key, IoCancelRoutine? cancelFunction)
    {
        KiSchedulingPoint.Write(irp);
        ArgumentNullException.ThrowIfNull(deviceObject);
        ArgumentNullException.ThrowIfNull(irp);
        var manager = deviceObject.DriverObject.Manager;
        var cpu = InlineIoProcessor.Current;
        var oldIrql = cpu.SwapIrql(Irql.DispatchLevel > cpu.CurrentIrql ? Irql.DispatchLevel : cpu.CurrentIrql);
        Irql cancelIrql = default;
        if (cancelFunction is not null)
        {
            cancelIrql = await manager.IopAcquireCancelSpinLockAsync().ConfigureAwait(false);
            IoSetCancelRoutine(irp, cancelFunction);
        }
        var queued = key is { } sortKey ? deviceObject.DeviceQueue.KeInsertByKeyDeviceQueue(irp, sortKey) : deviceObject.DeviceQueue.KeInsertDeviceQueue(irp);
        if (!queued)
        {
            deviceObject.CurrentIrp = irp;
            if (cancelFunction is not null)
            {
                // Hand the lock back before StartIo runs; StartIo clears the cancel routine under it.
                manager.IopReleaseCancelSpinLock(cancelIrql);
            }
            await manager.IopInvokeStartIo(deviceObject, irp).ConfigureAwait(false);
        }
        else if (cancelFunction is not null)
        {
            if (irp.Cancel && IoSetCancelRoutine(irp, null) is { } cancel)
            {
                // Cancelled before it was queued: cancel it now, with the lock held, as IoCancelIrp would.
                irp.CancelIrql = cancelIrql;
                await cancel(deviceObject, irp).ConfigureAwait(false);
            }
            else
            {
                manager.IopReleaseCancelSpinLock(cancelIrql);
            }
        }
        cpu.SwapIrql(oldIrql);
    }

    /// <summary>
    /// IoStartNextPacket: the device is done with its current packet; starts the next queued one
    /// (DriverStartIo), or leaves the device idle.
    /// </summary>
    /// <param name="deviceObject">The device.</param>
    /// <param name="cancelable">Whether packets were queued with a cancel routine (take the cancel spin lock).</param>
    /// <returns>A task that ends when the next packet is started (or none was waiting).</returns>
    /// <remarks>IRQL = DISPATCH_LEVEL.</remarks>
    public static async ValueTask IoStartNextPacket(DeviceObject deviceObject, bool cancelable)
    {
        KiSchedulingPoint.Write(deviceObject);
        ArgumentNullException.ThrowIfNull(deviceObject);
        var manager = deviceObject.DriverObject.Manager;
        Irql cancelIrql = default;
        if (cancelable)
        {
            cancelIrql = await manager.IopAcquireCancelSpinLockAsync().ConfigureAwait(false);
        }
        deviceObject.CurrentIrp = null;
        var next = deviceObject.DeviceQueue.KeRemoveDeviceQueue();
        if (next is not null)
        {
            deviceObject.CurrentIrp = next;
        }
        if (cancelable)
        {
            manager.IopReleaseCancelSpinLock(cancelIrql);
        }
        if (next is not null)
        {
            await manager.IopInvokeStartIo(deviceObject, next).ConfigureAwait(false);
        }
    }

    /// <summary>IoInitializeTimer: gives the device a timer whose routine runs once a second at DISPATCH_LEVEL once started.</summary>
    /// <param name="deviceObject">The device.</param>
    /// <param name="timerRoutine">The routine.</param>
    /// <param name="context">Its context.</param>
    /// <returns>STATUS_SUCCESS.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL. With I/O verification, a second IoInitializeTimer for the device is 0xC9/0xA.</remarks>
    public static NtStatus IoInitializeTimer(DeviceObject deviceObject, IoTimerRoutine timerRoutine, object? context)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        ArgumentNullException.ThrowIfNull(timerRoutine);
        var manager = deviceObject.DriverObject.Manager;
        if (deviceObject.Timer is not null && manager.IsVerified(deviceObject.DriverObject))
        {
            throw IoManager.IopBugCheck(BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.InitializeTimerAlreadyInitialized, deviceObject.Address);
        }
        deviceObject.Timer = new IoDeviceTimer(timerRoutine, context);
        manager.IopRegisterTimer(deviceObject);
        return NtStatus.Success;
    }

    /// <summary>IoStartTimer: the device's timer routine runs once a second from now on.</summary>
    /// <param name="deviceObject">The device (with a timer from IoInitializeTimer).</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void IoStartTimer(DeviceObject deviceObject)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        deviceObject.Timer!.Started = true;
        deviceObject.DriverObject.Manager.IopEnsureTimerTicking();
    }

    /// <summary>IoStopTimer: the device's timer routine no longer runs.</summary>
    /// <param name="deviceObject">The device.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void IoStopTimer(DeviceObject deviceObject) => deviceObject.Timer!.Started = false;
}
