/*++

Module Name:

    Notify.cs

Abstract:

    The inverted-call sample: an application asks to be told when something happens by sending
    IOCTL_NOTIFY_WAIT, which the driver holds in a cancel-safe queue (IoCsq*) and marks pending;
    IOCTL_NOTIFY_SIGNAL (the "something") completes every held request with the event's sequence
    number. The queue makes cancellation safe: CancelIo/CancelIoEx or the requester's exit cancel a
    held request through the queue's cancel routine, and IRP_MJ_CLEANUP (the last handle of a file
    closing) completes that file's held requests with STATUS_CANCELLED, as every driver that queues
    requests must. That last rule reaches held requests of overlapped handles only: on a synchronous
    handle the I/O manager sends CLEANUP under the file object's lock, which the held request's thread
    keeps, so CloseHandle waits until CancelSynchronousIo (or an earlier CancelIoEx) frees it.

    Left out: Plug and Play (a legacy control device made in DriverEntry) and a remove lock.

Environment:

    Kernel mode. Dispatch routines run at PASSIVE_LEVEL in the requester's context; the queue's
    lock is a spin lock, so its callbacks run at DISPATCH_LEVEL.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Notify;

/// <summary>The codes and names shared with applications (the sample's header).</summary>
public static class NotifyCodes
{
    /// <summary>FILE_DEVICE_NOTIFY: a vendor device type.</summary>
    public const DeviceType NotifyType = (DeviceType)0x8001;

    /// <summary>IOCTL_NOTIFY_WAIT: held until the next signal; its output (at least 8 bytes) receives the signal's sequence number.</summary>
    public static readonly IoControlCode Wait = IoControlCode.CtlCode(NotifyType, 0x800, TransferMethod.MethodBuffered, IoctlAccess.FileReadAccess);

    /// <summary>IOCTL_NOTIFY_SIGNAL: completes every held wait; its output (4 bytes, optional) receives how many were released.</summary>
    public static readonly IoControlCode Signal = IoControlCode.CtlCode(NotifyType, 0x801, TransferMethod.MethodBuffered, IoctlAccess.FileWriteAccess);

    /// <summary>The size of a wait's output: a ULONGLONG sequence number.</summary>
    public const int WaitOutputSize = 8;

    /// <summary>The device's name.</summary>
    public const string NtDeviceName = "\\Device\\Notify0";

    /// <summary>The link applications open (<c>\\.\Notify</c>).</summary>
    public const string DosDeviceName = "\\??\\Notify";
}

/// <summary>The device extension: the held requests, their lock, and the signals so far.</summary>
public sealed class NotifyExtension
{
    internal readonly LinkedList<Irp> Pending = new();

    internal KSpinLock QueueLock { get; } = new() { Name = "NotifyQueueLock" };

    internal IoCsq Csq { get; } = new();

    /// <summary>Signals so far (the last sequence number handed out).</summary>
    public ulong Signals { get; internal set; }

    /// <summary>Requests held now.</summary>
    public int HeldCount => Pending.Count;
}

/// <summary>The notification driver (<c>notify.sys</c>).</summary>
public static class Notify
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "Notify";

    /// <summary>The image name.</summary>
    public const string ImageName = "notify.sys";

    /// <summary>DriverEntry: creates the control device, its link and its cancel-safe queue.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>STATUS_SUCCESS, or the failure of IoCreateDevice / IoCreateSymbolicLink.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        var extension = new NotifyExtension();
        var status = IoCreateDevice(driverObject, extension, NotifyCodes.NtDeviceName, NotifyCodes.NotifyType, DeviceCharacteristics.DeviceSecureOpen, false, out var device);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        IoCsqInitialize(extension.Csq, NotifyInsertIrp, NotifyRemoveIrp, NotifyPeekNextIrp, NotifyAcquireLock, NotifyReleaseLock, NotifyCompleteCanceledIrp);
        extension.Csq.Context = extension;
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = NotifyCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = NotifyCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Cleanup] = NotifyCleanup;
        driverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = NotifyDeviceControl;
        driverObject.DriverUnload = NotifyUnload;
        status = driverObject.Manager.Objects.IoCreateSymbolicLink(NotifyCodes.DosDeviceName, NotifyCodes.NtDeviceName);
        if (!status.IsSuccess())
        {
            IoDeleteDevice(device!);
            return ValueTask.FromResult(status);
        }
        device!.Flags |= DeviceObjectFlags.BufferedIo;
        device.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static async ValueTask<NtStatus> NotifyCreateClose(DeviceObject deviceObject, Irp irp)
    {
        _ = deviceObject;
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }

    /// <summary>IRP_MJ_DEVICE_CONTROL: a wait is held (pending) in the queue; a signal completes the held waits; one exit completes the rest.</summary>
    private static async ValueTask<NtStatus> NotifyDeviceControl(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<NotifyExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var code = stack.Parameters.DeviceIoControl.IoControlCode;
        var outLength = stack.Parameters.DeviceIoControl.OutputBufferLength;
        NtStatus status;
        ulong information = 0;

        if (code == NotifyCodes.Wait)
        {
            if (outLength < NotifyCodes.WaitOutputSize)
            {
                status = NtStatus.BufferTooSmall;
            }
            else
            {
                // Held until a signal, a cancel or the file's cleanup; the queue marks it pending.
                await IoCsqInsertIrp(extension.Csq, irp, null);
                return NtStatus.Pending;
            }
        }
        else if (code == NotifyCodes.Signal)
        {
            var released = await NotifySignal(extension);
            if (outLength >= sizeof(uint))
            {
                BitConverter.TryWriteBytes(irp.SystemBuffer.AsSpan(), (uint)released);
                information = sizeof(uint);
            }
            status = NtStatus.Success;
        }
        else
        {
            status = NtStatus.InvalidDeviceRequest;
        }

        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>Completes every held wait with the next sequence number; returns how many it released.</summary>
    private static async ValueTask<int> NotifySignal(NotifyExtension extension)
    {
        var sequence = ++extension.Signals;
        var released = 0;
        while (await IoCsqRemoveNextIrp(extension.Csq, null) is { } waiter)
        {
            BitConverter.TryWriteBytes(waiter.SystemBuffer.AsSpan(), sequence);
            waiter.IoStatus.Status = NtStatus.Success;
            waiter.IoStatus.Information = NotifyCodes.WaitOutputSize;
            await IoCompleteRequest(waiter, PriorityBoost.IoNoIncrement);
            released++;
        }
        return released;
    }

    /// <summary>IRP_MJ_CLEANUP: the file's last handle closed; its held waits complete with STATUS_CANCELLED.</summary>
    private static async ValueTask<NtStatus> NotifyCleanup(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<NotifyExtension>();
        var file = IoGetCurrentIrpStackLocation(irp).FileObject;
        while (await IoCsqRemoveNextIrp(extension.Csq, file) is { } held)
        {
            held.IoStatus.Status = NtStatus.Cancelled;
            held.IoStatus.Information = 0;
            await IoCompleteRequest(held, PriorityBoost.IoNoIncrement);
        }
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }

    // The cancel-safe queue's callbacks: a list under a spin lock; the peek context, when given, is a file object.
    private static NtStatus NotifyInsertIrp(IoCsq csq, Irp irp, object? insertContext)
    {
        _ = insertContext;
        ((NotifyExtension)csq.Context!).Pending.AddLast(irp);
        return NtStatus.Success;
    }

    private static void NotifyRemoveIrp(IoCsq csq, Irp irp) => ((NotifyExtension)csq.Context!).Pending.Remove(irp);

    private static Irp? NotifyPeekNextIrp(IoCsq csq, Irp? irp, object? peekContext)
    {
        var pending = ((NotifyExtension)csq.Context!).Pending;
        var node = irp is null ? pending.First : pending.Find(irp)?.Next;
        while (node is not null && peekContext is not null && !ReferenceEquals(IoGetCurrentIrpStackLocation(node.Value).FileObject, peekContext))
        {
            node = node.Next;
        }
        return node?.Value;
    }

    private static async ValueTask<Irql> NotifyAcquireLock(IoCsq csq) => await KeAcquireSpinLock(((NotifyExtension)csq.Context!).QueueLock);

    private static void NotifyReleaseLock(IoCsq csq, Irql irql) => _ = KeReleaseSpinLock(((NotifyExtension)csq.Context!).QueueLock, irql);

    private static async ValueTask NotifyCompleteCanceledIrp(IoCsq csq, Irp irp)
    {
        _ = csq;
        irp.IoStatus.Status = NtStatus.Cancelled;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
    }

    private static ValueTask NotifyUnload(DriverObject driverObject)
    {
        driverObject.Manager.Objects.IoDeleteSymbolicLink(NotifyCodes.DosDeviceName);
        foreach (var device in driverObject.DeviceObjects.ToArray())
        {
            IoDeleteDevice(device);
        }
        return ValueTask.CompletedTask;
    }
}
